"""Numbers too large to use: more digits than Python converts to an integer
(4,300 since 3.11, a guard against quadratic conversion), or an integer no
float can hold. Every reader that meets one reports it where it is, in its
own words, and keeps working.

Found by the hostile-input fuzzing (frontmatter holding a 65,536-digit
integer crashed the analysis with ``ValueError``) and in review (a 400-digit
or hexadecimal ``max_tokens`` crashed the cost estimate with ``OverflowError``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptwise.analysis import analyze_text
from promptwise.config import ConfigError, Settings, load_settings, read_config_file
from promptwise.escalation.dataset import count_examples
from promptwise.escalation.promptfoo import read_promptfoo_json
from promptwise.escalation.records import (
    Warnings,
    format_timestamp,
    json_lines,
    parse_timestamp,
)
from promptwise.pricing.catalogue import load_catalogue

HUGE = "9" * 65_536


HEX = "0x" + "f" * 5_000
BIG = "9" * 400


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [
        (f"---\nname: x\nmax_tokens: {HUGE}\n---\nsystem:\nSay hello.\n", "a.prompty", 2),
        (f"---\nmodel: x\ncount: {HUGE}\n---\nSay hello.\n", "a.prompt", 2),
        (f"---\nmodel: openai/gpt-4o\nmax_tokens: {BIG}\n---\nSay hi.\n", "a.prompt", 2),
        (f"---\nmodel: openai/gpt-4o\nmax_tokens: {HEX}\n---\nSay hi.\n", "a.prompt", 2),
        (f"---\nmodel: openai/gpt-4o\nseed: {HEX}\n---\nSay hi.\n", "a.prompt", 2),
        (f"messages:\n  - role: user\n    content: hi\nn: {HUGE}\n", "a.chat.yaml", 3),
        (
            '{"messages": [{"role": "user", "content": "hi"}],\n"n": ' + HUGE + "}",
            "a.chat.json",
            1,
        ),
        (
            '{"model": "gpt-4o", "max_tokens": ' + BIG + ',\n"messages": [{"role": "user", '
            '"content": "hi"}]}',
            "a.chat.json",
            0,
        ),
    ],
    ids=[
        "prompty",
        "dotprompt",
        "400-digits",
        "hexadecimal",
        "hexadecimal-unknown-key",
        "chat-yaml",
        "chat-json",
        "chat-json-400-digits",
    ],
)
def test_a_number_too_large_in_a_prompt_file_is_a_finding_on_its_line(
    text: str, path: str, line: int
) -> None:
    result = analyze_text(text, path, Settings())
    found = [f for f in result.findings if "too large to use" in f.message]
    assert len(found) == 1, [f.message for f in result.findings]
    assert found[0].code == "PW001"
    assert text.count("\n", 0, found[0].span.start) == line
    assert not [f for f in result.findings if f.code == "PW008"]  # no rule failed on it


def test_a_long_number_on_a_log_line_skips_that_line_only(tmp_path: Path) -> None:
    log = tmp_path / "evals.jsonl"
    good = json.dumps({"case": "a", "passed": True})
    log.write_text(f'{good}\n{{"case": "b", "passed": false, "n": {HUGE}}}\n{good}\n')
    warnings = Warnings()
    lines = [line for _, line, _ in json_lines(log, "evals.jsonl", warnings, 1 << 20)]
    assert lines == [1, 3]
    (warning,) = warnings.items()
    assert warning.location.line == 2 and "too long to read" in warning.message


def test_a_long_number_in_promptfoo_json_is_a_warning(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text('{"results": {"results": [], "n": ' + HUGE + "}}")
    warnings = Warnings()
    assert list(read_promptfoo_json(results, warnings)) == []
    assert any("too long to read" in w.message for w in warnings.items())


def test_a_long_number_in_a_dataset_is_a_warning(tmp_path: Path) -> None:
    dataset = tmp_path / "train.json"
    dataset.write_text("[1, " + HUGE + "]")
    warnings = Warnings()
    assert count_examples(dataset, warnings) is None
    assert any("too long to read" in w.message for w in warnings.items())


def test_a_long_number_in_a_price_table_is_a_config_error(tmp_path: Path) -> None:
    table = tmp_path / "prices.json"
    table.write_text('{"models": [{"id": "m", "input": ' + HUGE + "}]}")
    with pytest.raises(ConfigError, match="too long") as caught:
        load_catalogue([table])
    assert "prices.json" in str(caught.value.path)


def test_a_long_number_in_pyproject_is_a_config_error(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f"[tool.promptwise]\nbudget = {HUGE}\n")
    with pytest.raises(ConfigError, match="too long to read"):
        read_config_file(pyproject)


@pytest.mark.parametrize("value", [BIG, HEX], ids=["400-digits", "hexadecimal"])
def test_a_setting_too_large_is_a_config_error(tmp_path: Path, value: str) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f"[tool.promptwise]\ncalls_per_day = {value}\n")
    with pytest.raises(ConfigError, match="must be at most") as caught:
        load_settings(pyproject)
    assert caught.value.line == 2


@pytest.mark.parametrize("stamp", [10**400, 1e300, "9" * 30])
def test_a_timestamp_past_any_date_is_no_timestamp(stamp: object) -> None:
    assert parse_timestamp(stamp) is None
    assert format_timestamp(parse_timestamp(stamp)) == ""
