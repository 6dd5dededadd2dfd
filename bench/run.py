"""Promptwise speed and memory against the tokenizer floor and peer linters.

    python bench/run.py [--quick] [--no-peers] [--peers-venv DIR] [--corpus DIR]
                        [--no-readme] [--json FILE]

Prints one table. Every ratio compares two things measured in this same run
on this same machine, so a busy or slow machine moves both sides together:

1. full analysis (parse + tokens + every rule, cold caches) of a generated
   1 MB and 100 KB prompt against one tiktoken encode of the same text;
2. a one-character edit in the 1 MB prompt re-analysed the way the language
   server does it (parse + analyze, with the token and rule caches warm)
   against one full encode;
3. ``promptwise check --jobs 2`` over the real corpus against a script that
   only reads and counts every file with tiktoken in 2 processes;
4. the same corpus through the PyPI linters promptdoctor, lintlang and
   ai-skill-lint (installed into a throwaway venv; skipped with a note when
   that fails; none of them runs in parallel) against ``promptwise check``
   as users run it (all cores, the default), and, in the note, against
   ``promptwise check --jobs 1``;
5. cold start: ``promptwise check one.prompt``, and the server's time from
   ``initialize`` to the first diagnostics, through a real LSP client;
6. the server's resident memory after opening 100 prompt files of 20 KB.

Targets come from issue 16 (each row prints its target and whether it is
met): row 1 ≤ 3× one encode, row 2 ≤ 0.25× one encode, row 3 ≤ 2× read +
count, row 4 faster than each peer one process against one, row 5 ≤ 0.5 s
each, row 6 ≤ 150 MB. Nothing here asserts: this is a report, not a
test. Unless ``--no-readme``, the table and the machine are written into
``bench/README.md`` between the "last run" markers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import venv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "server"))
sys.path.insert(0, str(BENCH))

from generate import edit, generate  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "bulk"
PEERS = ("promptdoctor", "lintlang", "ai-skill-lint")
README_START = "<!-- last-run:start -->"
# Issue 16's targets.
TARGET_FULL = 3.0  # row 1: full analysis, times one encode of the same text
TARGET_EDIT = 0.25  # row 2: one-character edit, times one full encode
TARGET_CORPUS = 2.0  # row 3: check --jobs 2, times read + count in 2 processes
TARGET_START = 0.5  # row 5: seconds, cold `check one.prompt` and server to first diagnostics
TARGET_RSS_MB = 150  # row 6
README_END = "<!-- last-run:end -->"


@dataclass
class Row:
    number: str
    name: str
    measured: str
    baseline: str
    ratio: float | None
    target: str
    met: bool | None
    note: str = ""


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def wall(
    cmd: Sequence[str], repeat: int, cwd: Path | None = None, env: dict[str, str] | None = None
) -> float:
    """Median wall time of a command (output discarded; a crash is an error)."""

    def once() -> None:
        done = subprocess.run(
            cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
        )
        if done.returncode not in (0, 1):
            raise RuntimeError(
                f"{cmd[0]} failed ({done.returncode}): "
                f"{done.stderr.decode(errors='replace')[-500:]}"
            )

    return median_time(once, repeat)


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


# ------------------------------------------------------------ 1 and 2: in-process


def analysis_rows(quick: bool) -> list[Row]:
    from promptwise.analysis import analyze, clear_caches
    from promptwise.config import Settings
    from promptwise.document.parse import parse_document
    from promptwise.tokens.encodings import get_encoding

    encoding = get_encoding("o200k_base")
    settings = Settings()
    analyze(parse_document("Warm up the rules and prices.", "warm.prompty"), settings)
    rows: list[Row] = []
    for size, label in ((1_000_000, "1 MB"), (100_000, "100 KB")):
        text = generate(size)
        repeat = 3 if size > 500_000 else 7
        if quick:
            repeat = 1 if size > 500_000 else 3
        floor = median_time(lambda t=text: encoding.encode_ordinary(t), repeat + 2)

        def full(t: str = text) -> None:
            clear_caches()
            analyze(parse_document(t, "generated.prompty"), settings)

        took = median_time(full, repeat)
        ratio = took / floor
        rows.append(
            Row(
                "1",
                f"full analysis, {label} prompt (cold caches)",
                fmt_s(took),
                f"encode {fmt_s(floor)}",
                ratio,
                f"≤ {TARGET_FULL:g}×",
                ratio <= TARGET_FULL,
            )
        )
        if size > 500_000:
            rows.append(incremental_row(text, floor, settings, quick))
    return rows


def hostile_row(quick: bool) -> Row:
    """The slowest input class of issue 12 at 1 MB against one encode of the same text.

    Every class that once made the analysis superlinear (tests/hardening/
    hostile_inputs.py) is analysed cold; the row shows the worst ratio, so a
    class that turns slow again shows up here as well as in the scaling tests.
    """
    sys.path.insert(0, str(REPO))
    from tests.hardening.hostile_inputs import CLASSES

    from promptwise.analysis import analyze, clear_caches
    from promptwise.config import Settings
    from promptwise.document.parse import parse_document
    from promptwise.tokens.encodings import get_encoding

    encoding = get_encoding("o200k_base")
    settings = Settings()
    size, label = (250_000, "250 KB") if quick else (1_000_000, "1 MB")
    worst: tuple[float, str, float, float] | None = None
    for cls in CLASSES:
        text = cls.make(size)
        floor = median_time(lambda t=text: encoding.encode_ordinary(t), 3)

        def full(t: str = text, path: str = cls.path) -> None:
            clear_caches()
            analyze(parse_document(t, path), settings)

        took = median_time(full, 1 if quick else 2)
        ratio = took / floor
        if worst is None or ratio > worst[0]:
            worst = (ratio, cls.name, took, floor)
    assert worst is not None
    ratio, name, took, floor = worst
    return Row(
        "1",
        f"worst hostile input class per {label} (`{name}`, of {len(CLASSES)})",
        fmt_s(took),
        f"encode {fmt_s(floor)}",
        ratio,
        "linear (scaling tests)",
        None,
        "each class of issue 12, cold; tests/hardening/test_scaling.py holds the growth",
    )


def incremental_row(text: str, floor: float, settings: Any, quick: bool) -> Row:
    """Type characters one by one into the middle of the 1 MB prompt."""
    from promptwise.analysis import analyze, clear_caches
    from promptwise.document.parse import parse_document

    clear_caches()
    analyze(parse_document(text, "generated.prompty"), settings)  # the open document
    edits = 5 if quick else 20
    times = []
    current = text
    for i in range(edits):
        current, _ = edit(current, i)
        start = time.perf_counter()
        analyze(parse_document(current, "generated.prompty"), settings)
        times.append(time.perf_counter() - start)
    took = statistics.median(times)
    ratio = took / floor
    return Row(
        "2",
        "one-character edit in the 1 MB prompt (warm caches)",
        fmt_s(took),
        f"encode {fmt_s(floor)}",
        ratio,
        f"≤ {TARGET_EDIT:g}×",
        ratio <= TARGET_EDIT,
        f"median of {edits} edits; bench/lsp_latency.py gives p50 and p95 through a client",
    )


# ------------------------------------------------------------------ 3: corpus

_FLOOR_SCRIPT = textwrap.dedent("""
    import multiprocessing, sys
    from pathlib import Path
    from promptwise.tokens.encodings import get_encoding

    def count(path):
        return len(get_encoding("o200k_base").encode_ordinary(
            Path(path).read_text(encoding="utf-8")))

    if __name__ == "__main__":
        get_encoding("o200k_base")  # loaded once, shared by the forked workers
        files = sorted(str(p) for p in Path(sys.argv[1]).rglob("*.md"))
        with multiprocessing.get_context("fork").Pool(int(sys.argv[2])) as pool:
            total = sum(pool.map(count, files, chunksize=max(1, len(files) // 16)))
        print(len(files), total)
""")


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(corpus.rglob("*.md"))


def corpus_row(corpus: Path, quick: bool, tmp: Path) -> Row:
    files = corpus_files(corpus)
    script = tmp / "floor.py"
    script.write_text(_FLOOR_SCRIPT, encoding="utf-8")
    repeat = 1 if quick else 3
    env = python_env()
    floor = wall([sys.executable, str(script), str(corpus), "2"], repeat, env=env)
    took = wall(
        [
            sys.executable,
            "-m",
            "promptwise",
            "check",
            str(corpus),
            "--jobs",
            "2",
            "--isolated",
            "--format",
            "json",
            "--output",
            os.devnull,
        ],
        repeat,
        env=env,
    )
    ratio = took / floor
    megabytes = sum(p.stat().st_size for p in files) / 1_000_000
    return Row(
        "3",
        f"`check --jobs 2`, {len(files)} corpus files ({megabytes:.1f} MB)",
        fmt_s(took),
        f"read + count, 2 procs {fmt_s(floor)}",
        ratio,
        f"≤ {TARGET_CORPUS:g}×",
        ratio <= TARGET_CORPUS,
    )


# Where the processes the benchmark starts keep their compiled bytecode. An
# installed package has its .pyc files (pip compiles at install); a source
# checkout run with PYTHONDONTWRITEBYTECODE=1 (as on this machine) would
# recompile every module in every process and measure the compiler instead.
BYTECODE = Path(tempfile.gettempdir()) / "promptwise-bench-pycache"


def python_env(tree: Path = REPO) -> dict[str, str]:
    """A subprocess's environment: ``tree``'s sources, bytecode cached as installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(tree / "server"), env.get("PYTHONPATH", "")) if p
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(BYTECODE)
    return env


# ------------------------------------------------------------------- 4: peers


def peer_venv(tmp: Path, given: Path | None) -> tuple[Path | None, str]:
    """A venv holding the peer linters, or None and the reason it could not be made."""
    where = given or tmp / "peers"
    python = where / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(where)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PEERS],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return None, f"pip install failed: {done.stderr.strip().splitlines()[-1:]}"
    return where, ""


def peer_commands(bindir: Path, corpus: Path, files: Sequence[Path]) -> dict[str, list[str]]:
    """Each linter over the same files, with its machine-readable output.

    promptdoctor walks a folder for ``.md``/``.txt``; lintlang takes the file
    list; ai-skill-lint only discovers agent/skill names unless told to
    include every ``.md``.
    """
    return {
        "promptdoctor": [str(bindir / "promptdoctor"), "--format", "json", str(corpus)],
        "lintlang": [
            str(bindir / "lintlang"),
            "scan",
            "--format",
            "json",
            *(str(f) for f in files),
        ],
        "ai-skill-lint": [
            str(bindir / "skill-lint"),
            "scan",
            "--format",
            "json",
            "--include",
            "**/*.md",
            str(corpus),
        ],
    }


def peer_rows(corpus: Path, tmp: Path, given: Path | None, skip: bool) -> list[Row]:
    files = corpus_files(corpus)

    def skipped(note: str) -> list[Row]:
        return [
            Row("4", f"peer `{name}`", "—", "—", None, "Promptwise faster", None, note)
            for name in PEERS
        ]

    if skip:
        return skipped("skipped (--no-peers)")
    where, reason = peer_venv(tmp, given)
    if where is None:
        return skipped(f"skipped: {reason}")
    base = [sys.executable, "-m", "promptwise", "check", str(corpus), "--isolated"]
    out = ["--format", "json", "--output", os.devnull]
    # As users run it (every core, the default), and held to one process like the peers.
    ours = wall([*base, *out], 1, env=python_env())
    single = wall([*base, "--jobs", "1", *out], 1, env=python_env())
    rows = []
    for name, cmd in peer_commands(where / "bin", corpus, files).items():
        try:
            theirs = wall(cmd, 1)
        except (OSError, RuntimeError) as exc:
            rows.append(
                Row(
                    "4",
                    f"peer `{name}`",
                    "—",
                    "—",
                    None,
                    "Promptwise faster",
                    None,
                    f"skipped: {exc}"[:120],
                )
            )
            continue
        ratio = single / theirs  # issue 16: one process against one
        rows.append(
            Row(
                "4",
                f"peer `{name}` on the same {len(files)} files, 1 process against 1",
                f"Promptwise {fmt_s(single)} (1 proc); "
                f"{fmt_s(ours)} (default, {os.cpu_count()} procs)",
                f"{name} {fmt_s(theirs)} (1 proc)",
                ratio,
                "< 1×",
                ratio < 1,
                f"as users run it (all cores): {ours / theirs:.2f}×",
            )
        )
    return rows


# ------------------------------------------------------- 5 and 6: cold start, memory


def cold_cli_row(quick: bool) -> Row:
    target = REPO / "examples" / "classify-ticket.prompt"
    command = [sys.executable, "-m", "promptwise", "check", str(target), "--isolated"]
    wall(command, 1, env=python_env())  # bytecode and the parsed-encoding cache, as installed
    took = wall(
        [sys.executable, "-m", "promptwise", "check", str(target), "--isolated"],
        3 if quick else 7,
        env=python_env(),
    )
    return Row(
        "5",
        "cold start: `promptwise check one.prompt`",
        fmt_s(took),
        "—",
        None,
        f"≤ {TARGET_START:g} s",
        took <= TARGET_START,
    )


@dataclass(frozen=True)
class ServerSession:
    took: float  # seconds from spawning the server to the last file's first diagnostics
    rss: int | None  # resident memory in KB afterwards (None without /proc)
    cpu: float | None  # the server's CPU seconds when those diagnostics came


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (None without /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def server_session(
    files: Sequence[Path], settle: float = 0.0, tree: Path = REPO
) -> ServerSession:
    """Start ``tree``'s server, open ``files`` and wait for each file's first diagnostics."""
    from lsprotocol import types as lsp
    from pygls.lsp.client import BaseLanguageClient

    client = BaseLanguageClient("promptwise-bench", "1")
    seen: set[str] = set()
    done = asyncio.Event()
    wanted = {f.as_uri() for f in files}
    cpu: list[float | None] = [None]

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params: lsp.PublishDiagnosticsParams) -> None:
        seen.add(params.uri)
        if wanted <= seen and not done.is_set():
            server = client._server
            cpu[0] = cpu_seconds(server.pid) if server is not None else None
            done.set()

    @client.feature(lsp.WORKSPACE_CONFIGURATION)
    def on_configuration(params: lsp.ConfigurationParams) -> list[Any]:
        return [None for _ in params.items]

    @client.feature(lsp.WINDOW_LOG_MESSAGE)
    def on_log(params: lsp.LogMessageParams) -> None:
        pass

    start = time.perf_counter()
    await client.start_io(sys.executable, "-m", "promptwise", "serve", env=python_env(tree))
    rss: int | None = None
    try:
        await client.initialize_async(
            lsp.InitializeParams(
                capabilities=lsp.ClientCapabilities(),
                initialization_options={"debounceMs": 0},
                root_uri=files[0].parent.as_uri(),
            )
        )
        client.initialized(lsp.InitializedParams())
        for path in files:
            client.text_document_did_open(
                lsp.DidOpenTextDocumentParams(
                    text_document=lsp.TextDocumentItem(
                        uri=path.as_uri(),
                        language_id="prompty",
                        version=1,
                        text=path.read_text(encoding="utf-8"),
                    )
                )
            )
        await asyncio.wait_for(done.wait(), 300)
        took = time.perf_counter() - start
        if settle:
            await asyncio.sleep(settle)
        server = client._server
        if server is not None:
            rss = resident_kb(server.pid)
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.stop(), 10)
    return ServerSession(took, rss, cpu[0])


def resident_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cold_server_row(tmp: Path, quick: bool) -> Row:
    one = tmp / "one.prompty"
    one.write_text(
        (REPO / "examples" / "support.prompty").read_text(encoding="utf-8"), encoding="utf-8"
    )
    asyncio.run(server_session([one]))  # a first launch writes the bytecode and caches
    times = [asyncio.run(server_session([one])).took for _ in range(2 if quick else 5)]
    took = statistics.median(times)
    return Row(
        "5",
        "cold start: server from `initialize` to first diagnostics",
        fmt_s(took),
        "—",
        None,
        f"≤ {TARGET_START:g} s",
        took <= TARGET_START,
        "process start included; the findings that need token counts follow",
    )


def memory_row(tmp: Path) -> Row:
    folder = tmp / "many"
    folder.mkdir(exist_ok=True)
    files = []
    for i in range(100):
        path = folder / f"prompt-{i:03}.prompty"
        path.write_text(generate(20_000, seed=100 + i), encoding="utf-8")
        files.append(path)
    rss = asyncio.run(server_session(files, settle=0.5)).rss
    if rss is None:
        return Row(
            "6",
            "server memory, 100 open files of 20 KB",
            "—",
            "—",
            None,
            f"≤ {TARGET_RSS_MB} MB",
            None,
            "no /proc on this system",
        )
    megabytes = rss / 1024
    return Row(
        "6",
        "server RSS after opening 100 prompt files of 20 KB",
        f"{megabytes:.0f} MB",
        "—",
        None,
        f"≤ {TARGET_RSS_MB} MB",
        megabytes <= TARGET_RSS_MB,
    )


# ------------------------------------------------------------------ reporting


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in ("promptwise", "tiktoken", "PyYAML", "pygls"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[name] = version(name)
    import yaml

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "libyaml": str(bool(getattr(yaml, "__with_libyaml__", False))),
        **versions,
    }


def render(rows: Sequence[Row]) -> str:
    lines = [
        "| # | benchmark | Promptwise | baseline | ratio | target | met |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        met = "—" if r.met is None else ("yes" if r.met else "**no**")
        note = f" ({r.note})" if r.note else ""
        lines.append(
            f"| {r.number} | {r.name}{note} | {r.measured} | {r.baseline} | "
            f"{ratio} | {r.target} | {met} |"
        )
    return "\n".join(lines)


def write_readme(table: str, info: dict[str, str]) -> None:
    readme = BENCH / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    block = "\n".join(
        [
            README_START,
            f"Last run: {stamp}, on {info['cpu']} ({info['cores']} cores), "
            f"Python {info['python']}, {info['os']}; "
            + ", ".join(
                f"{k} {v}" for k, v in info.items() if k not in ("cpu", "cores", "python", "os")
            )
            + ".",
            "",
            table,
            README_END,
        ]
    )
    if README_START in text and README_END in text:
        head, rest = text.split(README_START, 1)
        tail = rest.split(README_END, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n## Last run\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--no-peers", action="store_true", help="skip the peer linters")
    parser.add_argument("--peers-venv", type=Path, help="reuse (or create) this venv")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-readme", action="store_true", help="do not update README.md")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="promptwise-bench-") as name:
        tmp = Path(name)
        rows.extend(analysis_rows(args.quick))
        rows.append(hostile_row(args.quick))
        if args.corpus.is_dir() and len(corpus_files(args.corpus)) >= 400:
            rows.append(corpus_row(args.corpus, args.quick, tmp))
            rows.extend(peer_rows(args.corpus, tmp, args.peers_venv, args.no_peers))
        else:
            note = f"skipped: no corpus of ≥ 400 files at {args.corpus}"
            rows.append(
                Row("3", "corpus throughput", "—", "—", None, f"≤ {TARGET_CORPUS:g}×", None, note)
            )
            rows.extend(
                Row("4", f"peer `{p}`", "—", "—", None, "Promptwise faster", None, note)
                for p in PEERS
            )
        rows.append(cold_cli_row(args.quick))
        rows.append(cold_server_row(tmp, args.quick))
        rows.append(memory_row(tmp))
    table = render(rows)
    info = machine()
    print(table)
    print()
    print("Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    if not args.no_readme:
        write_readme(table, info)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in rows], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
