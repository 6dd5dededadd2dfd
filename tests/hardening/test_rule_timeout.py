"""A user rule's pattern cannot stall the process (issue 18).

The four patterns the load-time shape check let through in issue 18's probe
run from a workspace rule file on a file made to make them backtrack. Each
analysis finishes; a pattern that runs out of its time is reported as PW008
naming the rule and the pattern, and every other rule still reports. The
language server answers ``shutdown`` and exits on ``exit`` after analysing
such a file. The time limit is made small here (``PROMPTWISE_PATTERN_TIMEOUT``)
so the tests stay short; the assertions are on what is reported, and the
subprocess timeouts are ceilings far above the limit.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from promptwise.rules.matchers import _NESTED_QUANTIFIER, nests_quantifier
from tests.conftest import source_env
from tests.lsp.conftest import TIMEOUT, codes, diagnostics, open_file, session

HOSTILE = {
    "(?:a{1,2})*!": "a" * 5000 + " !",
    "(sb|ſb)+!": "sb" * 5000 + " !",
    "(?:a?){34}a{34}": "a" * 33 + "\n" + "a" * 5000,
    r"\w*\w*\w*\w*\w*\w*\w*\w*!": "a" * 5000 + " !",
}
LIMIT = "0.2"
RULE = """\
id: PW801
name: hostile-pattern
severity: warning
summary: A pattern written to backtrack
message: "found `{{match}}`"
kind: existence
scope: all
patterns: [{pattern}]
docs:
  what: a user rule
  why: to test the time limit
  example: x
  better: y
"""


def workspace(root: Path, pattern: str, text: str) -> Path:
    (root / "rules").mkdir(parents=True)
    (root / "rules" / "PW801-hostile-pattern.yaml").write_text(
        RULE.format(pattern=json.dumps(pattern)), encoding="utf-8"
    )
    (root / "promptwise.yaml").write_text("rule_dirs: [rules]\n", encoding="utf-8")
    target = root / "task.prompt.md"
    target.write_text("# Task\n\nGive some tips.\n\n" + text + "\n", encoding="utf-8")
    return target


@pytest.mark.parametrize("pattern", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_user_pattern_cannot_stall_a_check(tmp_path: Path, pattern: str) -> None:
    target = workspace(tmp_path, pattern, HOSTILE[pattern])
    done = subprocess.run(
        [sys.executable, "-m", "promptwise", "check", "--format", "json", str(target)],
        cwd=tmp_path,
        env=source_env(PROMPTWISE_PATTERN_TIMEOUT=LIMIT),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    findings = json.loads(done.stdout)["findings"]
    found = {f["code"] for f in findings}
    assert "PW201" in found  # the bundled rules still ran ("some tips")
    for failure in (f for f in findings if f["code"] == "PW008"):
        assert "PW801 (hostile-pattern)" in failure["message"]
        assert pattern in failure["message"] and f"longer than {LIMIT} s" in failure["message"]
    assert "PW008" in found or "PW801" in found  # timed out, or the matcher was quick


def test_a_pattern_that_runs_out_of_time_is_reported_as_such(tmp_path: Path) -> None:
    target = workspace(tmp_path, "(sb|ſb)+!", HOSTILE["(sb|ſb)+!"])
    done = subprocess.run(
        [sys.executable, "-m", "promptwise", "check", str(target)],
        cwd=tmp_path,
        env=source_env(PROMPTWISE_PATTERN_TIMEOUT=LIMIT),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "PW008 rule PW801 (hostile-pattern) stopped: its pattern `(sb|ſb)+!`" in done.stdout
    assert "PW201" in done.stdout


async def test_the_server_still_shuts_down_after_a_hostile_pattern(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMPTWISE_PATTERN_TIMEOUT", LIMIT)
    await reports_and_shuts_down(workspace(tmp_path, "(sb|ſb)+!", HOSTILE["(sb|ſb)+!"]))


async def reports_and_shuts_down(target: Path) -> None:
    """The real server reports PW008 beside the other findings, then shuts down cleanly."""
    async with session(folders=[target.parent]) as client:
        uri = open_file(client, target, language_id="markdown")
        found = await diagnostics(client, uri, timeout=60)
        assert "PW008" in codes(found) and "PW201" in codes(found)
        process = client._server
        assert process is not None
    # Leaving the session sent `shutdown` (answered within its timeout, or the
    # session fails) and `exit`; a server stuck in a pattern would answer
    # neither, and one that ignored `exit` would have been killed.
    await asyncio.wait_for(process.wait(), TIMEOUT)
    assert process.returncode == 0


def test_the_shape_check_reads_a_long_pattern_in_linear_time() -> None:
    """The textual nested-quantifier check answers as its regex did, without its backtracking."""
    long_group = "(" + "a+" * 20_000 + "b"  # the regex tried each `+` from the `(`: quadratic
    assert not nests_quantifier(long_group)
    assert nests_quantifier(r"(\w+\s?)+$") and nests_quantifier(r"x\((a*)*")
    for sample in (r"(a+)+", r"\(a+)+", r"(a\)+b)*", r"(ab)+", r"(a{2})+", r"((a+))"):
        assert nests_quantifier(sample) == bool(_NESTED_QUANTIFIER.search(sample)), sample
