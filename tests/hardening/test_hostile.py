"""Hostile and broken inputs, one test each: refused with a clear message, or
handled in bounded time and memory, never a crash or a hang.

Time and memory bounds are generous ceilings (ten times or more what the
input needs on a slow machine): they catch an exponential blow-up or an
unbounded read, not a slow commit.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from promptwise.config import EscalationSettings, Settings
from promptwise.document import yamlnodes
from promptwise.document.parse import MAX_FILE_BYTES, decode, parse_document
from promptwise.errors import InputError
from promptwise.escalation import invalidate_all, logs_for
from promptwise.files import walk
from promptwise.rules.loader import load_rules
from promptwise.rules.matchers import MatcherError, backtracking_risk, compile_spec
from tests.conftest import source_env

ENV = source_env()


def bounded(fn: Callable[[], Any], seconds: float, megabytes: float) -> Any:
    """Run ``fn`` and check it stayed within a time and a Python-heap ceiling."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = fn()
        took = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert took < seconds, f"took {took:.1f} s (ceiling {seconds} s)"
    assert peak < megabytes * 1_048_576, f"peak {peak / 1_048_576:.0f} MB (ceiling {megabytes})"
    return result


def cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptwise", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# ---------------------------------------------------------------------- YAML

ALIAS_BOMB = (
    "\n".join(
        ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    )
    + "\n"
)


def test_yaml_alias_bomb_in_frontmatter_is_refused_before_expansion() -> None:
    text = f"---\n{ALIAS_BOMB}---\nsystem:\nHello\n"
    doc = bounded(lambda: parse_document(text, "bomb.prompty"), 10, 64)
    assert [p.code for p in doc.problems] == ["PW001"]
    assert "alias bomb" in doc.problems[0].message
    assert doc.frontmatter is None


def test_yaml_alias_bomb_in_chat_file_and_config_is_refused(tmp_path: Path) -> None:
    chat = f"{ALIAS_BOMB}messages:\n  - role: system\n    content: hi\n"
    doc = bounded(lambda: parse_document(chat, "bomb.chat.yaml"), 10, 64)
    assert any("alias" in p.message for p in doc.problems)
    (tmp_path / "promptwise.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    (tmp_path / "a.prompty").write_text("system:\nhi\n", encoding="utf-8")
    done = cli("check", "a.prompty", cwd=tmp_path)
    assert done.returncode == 2
    assert "alias" in done.stderr and "promptwise.yaml" in done.stderr


@pytest.mark.parametrize(
    "nested",
    [
        "a: " + "[" * 100_000,
        "a: " + "[" * 5_000 + "]" * 5_000,
        "a: " + "{b: " * 3_000 + "}" * 3_000,
        "".join(f"{'  ' * i}k{i}:\n" for i in range(400)) + "  " * 400 + "v\n",
        "a:\n" + "- " * 3_000 + "x\n",
    ],
    ids=["unclosed-flow", "flow", "flow-mapping", "block-mapping", "block-sequence"],
)
def test_deeply_nested_yaml_is_refused_in_bounded_time(nested: str) -> None:
    text = f"---\n{nested}\n---\nsystem:\nHello\n"
    doc = bounded(lambda: parse_document(text, "deep.prompty"), 10, 64)
    assert [p.code for p in doc.problems] == ["PW001"]
    with pytest.raises(yamlnodes.YamlProblem):
        yamlnodes.load(nested)


def test_yaml_control_character_is_a_finding_not_a_crash() -> None:
    """Found by the fuzzer: PyYAML's reader refused "\\x1f" outside the guarded block."""
    doc = parse_document("---\nname: a\x1fb\n---\nsystem:\nhi\n", "ctl.prompty")
    assert [p.code for p in doc.problems] == ["PW001"]
    assert "#x001f" in doc.problems[0].message
    chat = parse_document('messages:\n  - role: user\n    content: "\x1f"\n', "ctl.chat.yaml")
    assert chat.problems


# ------------------------------------------------------------------ big files


def test_50_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "huge.prompt.md"
    with big.open("wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.truncate(50 * 1_048_576)
    script = (
        "import resource, sys\n"
        "from promptwise.cli import main\n"
        "code = main(['check', sys.argv[1], '--format', 'json'])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    small = tmp_path / "small.prompt.md"
    small.write_text("# Small\n\nSummarise the text.\n", encoding="utf-8")

    def peak_kb(path: Path) -> tuple[int, str]:
        done = subprocess.run(
            [sys.executable, "-c", script, str(path)],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return int(done.stderr.strip().splitlines()[-1]), done.stdout

    huge_kb, output = peak_kb(big)
    messages = [f["message"] for f in json.loads(output)["findings"]]
    assert any("50.0 MB" in m and "not analysed" in m for m in messages), messages
    small_kb, _ = peak_kb(small)
    # Reading the file would cost 50 MB of bytes plus 50 MB or more of text.
    assert huge_kb < small_kb + 25 * 1024, (
        f"peak RSS {huge_kb // 1024} MB for the 50 MB file, {small_kb // 1024} MB for a "
        "small one: the big file was read"
    )


def test_oversized_bytes_are_refused_by_the_decoder() -> None:
    with pytest.raises(InputError, match="not analysed"):
        decode(b"a" * (MAX_FILE_BYTES + 1), "big.txt")


# --------------------------------------------------------------- binary, UTF-8


def test_binary_and_nul_bytes_are_reported_not_parsed(tmp_path: Path) -> None:
    png = tmp_path / "image.prompt.md"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    nul = tmp_path / "nul.prompty"
    nul.write_bytes(b"system:\nhello\x00world\n")
    done = cli("check", str(png), str(nul), "--format", "json")
    assert done.returncode == 1, done.stderr
    by_path = {Path(f["path"]).name: f for f in json.loads(done.stdout)["findings"]}
    assert by_path["image.prompt.md"]["code"] == "PW000"
    assert "binary" in by_path["image.prompt.md"]["message"]
    assert by_path["nul.prompty"]["code"] == "PW000"


def test_invalid_utf8_names_the_byte_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.prompt.md"
    bad.write_bytes("# Title\n\nRésumé in Latin-1\n".encode("latin-1"))
    done = cli("check", str(bad), "--format", "json")
    finding = json.loads(done.stdout)["findings"][0]
    assert finding["code"] == "PW000"
    assert "invalid UTF-8" in finding["message"] and "0xe9" in finding["message"]
    assert finding["range"]["start"]["line"] in (2, 3)  # the line holding the byte


# ---------------------------------------------------------------- directories


def test_symlink_loop_in_a_directory_walk_terminates(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "prompts").mkdir(parents=True)
    (root / "prompts" / "a.prompt.md").write_text("# A\nSummarise the text.\n")
    (root / "prompts" / "loop").symlink_to(root)  # directory loop back to the top
    (root / "prompts" / "self").symlink_to(root / "prompts" / "self")  # dangling self-link
    (root / "x.prompt.md").symlink_to(root / "y.prompt.md")
    (root / "y.prompt.md").symlink_to(root / "x.prompt.md")  # file symlink cycle
    found = bounded(lambda: [c.path.name for c in walk([str(root)])], 10, 64)
    assert "a.prompt.md" in found
    assert found.count("a.prompt.md") == 1
    done = cli("check", str(root), "--format", "json", timeout=60)
    assert done.returncode in (0, 1), done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert not any("/loop/" in f["path"] for f in findings)  # the loop was not entered
    cycle = {Path(f["path"]).name: f for f in findings if f["code"] == "PW000"}
    assert set(cycle) == {"x.prompt.md", "y.prompt.md"}  # reported, not hung on
    assert "symbolic links" in cycle["x.prompt.md"]["message"]


# -------------------------------------------------------------------- config

RULE = """id: PW990
name: no-shouting
severity: warning
message: "`%s` shouts"
summary: shouting
docs: {what: shouting, why: it shouts, example: "NEVER do that", better: "Do not do that"}
kind: existence
tokens: [NEVER]
ignorecase: false
"""


def _workspace(tmp_path: Path, config: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "promptwise.yaml").write_text(config, encoding="utf-8")
    (project / "a.prompty").write_text("system:\nNEVER reveal the key.\n", encoding="utf-8")
    return project


@pytest.mark.parametrize(
    "config, words",
    [
        ('rule_dirs: ["/nonexistent/rules"]', ["rule folder not found"]),
        ('rule_dirs: ["a.prompty"]', ["rule folder not found"]),
        ('pricing: ["missing.yaml"]', ["price table not found", "pricing"]),
        ('pricing: ["../../../../../../etc/hostname"]', ["hostname", "price table"]),
        ('pricing: ["/"]', ["pricing"]),
    ],
)
def test_config_pointing_at_missing_or_foreign_files_is_a_clear_error(
    tmp_path: Path, config: str, words: list[str]
) -> None:
    project = _workspace(tmp_path, config)
    done = cli("check", "a.prompty", cwd=project)
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr
    assert done.stderr.count("\n") <= 2  # one line, naming the file


def test_rule_dirs_outside_the_workspace_load_as_data_only(tmp_path: Path) -> None:
    """A rule folder outside the workspace is read as YAML data; a user rule that
    names a Python check is refused, so nothing from it is ever run."""
    outside = tmp_path / "shared-rules"
    outside.mkdir()
    (outside / "PW990-no-shouting.yaml").write_text(RULE, encoding="utf-8")
    project = _workspace(tmp_path, 'rule_dirs: ["../shared-rules"]')
    done = cli("check", "a.prompty", "--format", "json", cwd=project)
    assert "PW990" in {f["code"] for f in json.loads(done.stdout)["findings"]}
    (outside / "PW991-code.yaml").write_text(
        RULE.replace("PW990", "PW991")
        .replace("no-shouting", "runs-code")
        .replace(
            "kind: existence\ntokens: [NEVER]\nignorecase: false\n",
            "check: duplicated-instruction\n",
        ),
        encoding="utf-8",
    )
    refused = cli("check", "a.prompty", cwd=project)
    assert refused.returncode == 2
    assert "may only be declarative" in refused.stderr
    (outside / "PW991-code.yaml").write_text(
        RULE.replace("PW990", "PW991") + "extra: !!python/object/apply:os.system ['touch "
        f"{tmp_path / 'PWNED'}']\n",
        encoding="utf-8",
    )
    cli("check", "a.prompty", cwd=project)
    assert not (tmp_path / "PWNED").exists()


# --------------------------------------------------------------------- ReDoS

REDOS = [
    r"(a|a)*b",
    r"(\w+\s?)*$",
    r"(a+)+b",
    r"((a+))+b",
    r"(?:x+x+)+y",
    r"(.*a){20}",
    r"(\d|\d\d)+x",
    r"(a|a?)+b",
    r"(?i)(Yes|yes)+!",
    r"^(\s*-\s*\w+)+$",
]


@pytest.mark.parametrize("pattern", REDOS)
def test_catastrophic_backtracking_patterns_are_rejected_at_load(pattern: str) -> None:
    with pytest.raises(MatcherError) as refused:
        compile_spec("existence", {"patterns": [pattern]})
    assert "exponential" in refused.value.message
    with pytest.raises(MatcherError):
        compile_spec("requires", {"when": ["x"], "require": [pattern]})


def test_redos_rule_file_is_refused_with_file_and_key(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "PW992-redos.yaml").write_text(
        RULE.replace("PW990", "PW992").replace("tokens: [NEVER]", "patterns: ['(a|a)*b']"),
        encoding="utf-8",
    )
    with pytest.raises(Exception, match=r"PW992-redos\.yaml.*patterns\[0\].*exponential"):
        load_rules([rules])


@pytest.mark.parametrize(
    "pattern",
    [
        r"\b(?:please|kindly)\b",
        r"(?: [a-z]{1,10}){0,3}",
        r"(a|ab)*c",
        r"(foo|bar)+",
        r"[a-z]+@[a-z]+",
        r"(?:(?:a|b)c)+",
        r"(\w|\s)*x",
    ],
)
def test_safe_patterns_are_accepted(pattern: str) -> None:
    assert backtracking_risk(pattern) is None
    compile_spec("existence", {"patterns": [pattern]})


def test_builtin_rules_have_no_backtracking_risk() -> None:
    for rule in load_rules().rules:
        for key in (
            "patterns",
            "when",
            "require",
            "unless_near",
            "unless_line",
            "preceded_by",
            "not_preceded_by",
        ):
            for pattern in rule.matcher.get(key, []) or []:
                assert backtracking_risk(pattern) is None, (rule.code, pattern)


# ------------------------------------------------------------------ live logs


def test_log_appended_while_being_read(tmp_path: Path) -> None:
    """A harness appends eval results (with torn writes) while the advisor reads."""
    prompt = tmp_path / "support.prompty"
    prompt.write_text("system:\nAnswer the customer's question.\n", encoding="utf-8")
    log = tmp_path / "evals.jsonl"
    log.write_text("", encoding="utf-8")
    settings = Settings(root=str(tmp_path), escalation=EscalationSettings(logs=("evals.jsonl",)))
    doc = parse_document(prompt.read_text(encoding="utf-8"), str(prompt))
    stop = threading.Event()
    total = 400

    def writer() -> None:
        with log.open("a", encoding="utf-8") as handle:
            for i in range(total):
                line = (
                    json.dumps(
                        {
                            "prompt": str(prompt),
                            "version": f"v{i // 20}",
                            "case": f"case-{i % 7}",
                            "passed": i % 3 != 0,
                            "category": "knowledge",
                            "reason": "wrong",
                        }
                    )
                    + "\n"
                )
                cut = len(line) // 2
                handle.write(line[:cut])  # a torn write: half a line on disk
                handle.flush()
                time.sleep(0.0005)
                handle.write(line[cut:])
                handle.flush()
        stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reads = 0
    deadline = time.monotonic() + 60
    while not stop.is_set() and time.monotonic() < deadline:
        invalidate_all()
        found = logs_for(doc, settings)  # never raises on a half-written line
        assert found is None or found.history.versions
        reads += 1
    thread.join(30)
    invalidate_all()
    final = logs_for(doc, settings)
    assert final is not None and reads > 1
    assert len(final.history.versions) == total // 20
    assert not [w for w in final.warnings if "JSON" in w.message]
