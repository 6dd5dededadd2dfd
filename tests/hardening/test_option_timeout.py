"""A pattern a config adds through ``rule_options`` cannot stall the process (issue 18).

``*_patterns`` options take regular expressions from ``.promptwise.yaml``;
they pass the same load-time shape check as a rule file's patterns, and the
four patterns below pass it too. Given to a judgement (PW301's unusual input,
read by every rule that asks for the task profile) and to checks (PW209's
instruction kinds, PW103's JSON verbs), over a file that makes them
backtrack, each analysis finishes: a pattern that runs out of time is PW008
naming the rule that stopped and the option the pattern came from, and the
other rules still report. The time limit is made small
(``PROMPTWISE_PATTERN_TIMEOUT``); the subprocess timeouts are ceilings far
above it (with ``re``, these files ran for minutes).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import source_env
from tests.hardening.test_rule_timeout import HOSTILE, LIMIT, reports_and_shuts_down

OPTIONS = {
    "PW301": "extend_unusual_input_patterns",  # a judgement (task_profile, input_handling)
    "PW209": "extend_short_patterns",  # a check (contradicting_instructions)
    "PW103": "extend_json_verb_patterns",  # a check searching prose (example_contradicts_format)
}
OPTION_NAMES = {
    "PW301": "PW301 `unusual_input_patterns`",
    "PW209": "PW209 `short_patterns`",
    "PW103": "PW103 `json_verb_patterns`",
}


def workspace(root: Path, pattern: str, text: str, codes: tuple[str, ...] = tuple(OPTIONS)) -> Path:
    lines = ["rule_options:"]
    for code in codes:
        option = OPTIONS[code]
        lines += [f"  {code}:", f"    {option}: [{json.dumps(pattern)}]"]
    (root / ".promptwise.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = root / "task.prompt.md"
    target.write_text(
        "# Task\n\nClassify the text below. Give some tips.\n\n"
        + text
        + "\n\nIf the input is "
        + text
        + "\n\nText: {{text}}\n",
        encoding="utf-8",
    )
    return target


def check(root: Path, target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptwise", "check", *args, str(target)],
        cwd=root,
        env=source_env(PROMPTWISE_PATTERN_TIMEOUT=LIMIT),
        capture_output=True,
        text=True,
        timeout=90,
    )


@pytest.mark.parametrize("pattern", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_option_pattern_cannot_stall_a_check(tmp_path: Path, pattern: str) -> None:
    target = workspace(tmp_path, pattern, HOSTILE[pattern])
    done = check(tmp_path, target, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert "PW201" in {f["code"] for f in findings}  # the other rules still ran ("some tips")
    for failure in (f for f in findings if f["code"] == "PW008"):
        message = failure["message"]
        assert "stopped" in message and f"`{pattern}`" in message, message
        assert any(
            f"for {name} ran longer than {LIMIT} s" in message for name in OPTION_NAMES.values()
        ), message


def test_each_rule_stopped_by_an_option_pattern_is_named(tmp_path: Path) -> None:
    pattern = "(sb|ſb)+!"  # the `regex` module backtracks on it too
    target = workspace(tmp_path, pattern, HOSTILE[pattern])
    done = check(tmp_path, target)
    out = done.stdout
    # A check that compiles the option itself: its rule, and the option.
    assert "PW008 rule PW209 (contradicting-instructions) stopped: " in out, out
    assert f"`{pattern}` given in `rule_options` for PW209 `short_patterns` ran longer" in out
    # The judgement stops the rules that read the task profile (PW103 among
    # them); each names PW301's option.
    stopped = f"PW008 rule PW103 (example-contradicts-format) stopped: `{pattern}` given in "
    assert stopped + "`rule_options` for PW301 `unusual_input_patterns` ran longer" in out, out
    assert "PW201" in out


def test_a_check_searching_prose_with_an_option_pattern_is_stopped(tmp_path: Path) -> None:
    """PW103 searches the prose with its JSON verbs through the literal prefilter,
    which a timed pattern bypasses; without the judgement's option, PW103's own
    pattern is the one that stops."""
    pattern = "(sb|ſb)+!"
    target = workspace(tmp_path, pattern, HOSTILE[pattern], codes=("PW103",))
    out = check(tmp_path, target).stdout
    assert "PW008 rule PW103 (example-contradicts-format) stopped: " in out, out
    assert f"for PW103 `json_verb_patterns` ran longer than {LIMIT} s" in out
    assert out.count("PW008") == 1 and "PW201" in out


async def test_the_server_still_shuts_down_after_a_hostile_option_pattern(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMPTWISE_PATTERN_TIMEOUT", LIMIT)
    await reports_and_shuts_down(workspace(tmp_path, "(sb|ſb)+!", HOSTILE["(sb|ſb)+!"]))
