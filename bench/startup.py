"""Row 5 for two checkouts side by side: server launch to its first diagnostics.

``python bench/startup.py --base ../main`` starts ``python -m promptwise serve``
from this checkout and from ``--base`` in turn (``--rounds`` times each, after
one launch each that writes the bytecode), with the same client calls as
``bench/run.py``'s row 5: ``initialize``, ``initialized``, ``didOpen`` of
``examples/support.prompty``, then the time until the first
``publishDiagnostics``. Beside the wall time it prints the server's CPU
seconds at that moment (from ``/proc``, Linux only), which moves much less
than the wall time on a machine shared with other work, and the load average
before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
BYTECODE = Path(tempfile.gettempdir()) / "promptwise-bench-pycache"


def env_for(tree: Path) -> dict[str, str]:
    """The server's environment: this tree's sources, bytecode cached as installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree / "server")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(BYTECODE)
    return env


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (None without /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def launch(tree: Path, prompt: Path) -> tuple[float, float | None]:
    """Seconds from spawning the server to its first diagnostics, and its CPU seconds then."""
    from lsprotocol import types as lsp
    from pygls.lsp.client import BaseLanguageClient

    client = BaseLanguageClient("promptwise-startup", "1")
    published = asyncio.Event()
    cpu: list[float | None] = []

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params: lsp.PublishDiagnosticsParams) -> None:
        if not published.is_set():
            server = client._server
            cpu.append(cpu_seconds(server.pid) if server is not None else None)
            published.set()

    @client.feature(lsp.WORKSPACE_CONFIGURATION)
    def on_configuration(params: lsp.ConfigurationParams) -> list[Any]:
        return [None for _ in params.items]

    @client.feature(lsp.WINDOW_LOG_MESSAGE)
    def on_log(params: lsp.LogMessageParams) -> None:
        pass

    start = time.perf_counter()
    await client.start_io(sys.executable, "-m", "promptwise", "serve", env=env_for(tree))
    try:
        await client.initialize_async(
            lsp.InitializeParams(
                capabilities=lsp.ClientCapabilities(),
                initialization_options={"debounceMs": 0},
                root_uri=prompt.parent.as_uri(),
            )
        )
        client.initialized(lsp.InitializedParams())
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(
                    uri=prompt.as_uri(),
                    language_id="prompty",
                    version=1,
                    text=prompt.read_text(encoding="utf-8"),
                )
            )
        )
        await asyncio.wait_for(published.wait(), 300)
        took = time.perf_counter() - start
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.stop(), 10)
    return took, cpu[0]


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--rounds", type=int, default=7, help="launches of each checkout")
    args = parser.parse_args()
    trees = {"base": args.base.resolve(), "this": HERE}
    with tempfile.TemporaryDirectory() as tmp:
        prompt = Path(tmp) / "one.prompty"
        prompt.write_text(
            (HERE / "examples" / "support.prompty").read_text(encoding="utf-8"), encoding="utf-8"
        )
        for tree in trees.values():
            asyncio.run(launch(tree, prompt))  # writes the bytecode
        print(f"load before: {load_average()}")
        runs: dict[str, list[tuple[float, float | None]]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                runs[name].append(asyncio.run(launch(tree, prompt)))
        print(f"load after:  {load_average()}")
    for name, results in runs.items():
        walls = [wall for wall, _ in results]
        cpus = [c for _, c in results if c is not None]
        cpu_text = f"; server CPU median {statistics.median(cpus) * 1000:.0f} ms" if cpus else ""
        print(
            f"{name:5} {trees[name]}: wall median {statistics.median(walls) * 1000:.0f} ms "
            f"({' '.join(f'{w * 1000:.0f}' for w in walls)}){cpu_text}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
