"""Rule options: word lists and thresholds in the rule files, changed by `rule_options`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from promptwise.analysis import analyze_text
from promptwise.config import Settings, apply, load_settings
from promptwise.errors import ConfigError
from promptwise.rules import judgements
from promptwise.rules.loader import load_rules
from promptwise.rules.options import builtin_options, effective
from tests.conftest import source_env

TICKETS = "Classify the ticket into billing, shipping or escalate.\nTicket: {ticket}\n"


def codes(text: str, settings: Settings, path: str = "a.txt") -> list[str]:
    return [f.code for f in analyze_text(text, path, settings).findings]


def config(tmp_path: Path, text: str) -> Settings:
    (tmp_path / "promptwise.yaml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path / "promptwise.yaml")


def test_the_options_read_for_settings_are_the_rule_files_own() -> None:
    loaded = {r.code: r.options for r in load_rules().rules if r.options}
    assert loaded == builtin_options()
    assert {"PW101", "PW103", "PW301", "PW302", "PW303", "PW304", "PW401"} <= set(loaded)


def test_extending_a_word_list_changes_the_judgement(tmp_path: Path) -> None:
    assert "PW302" in codes(TICKETS, Settings())
    settings = config(
        tmp_path, "rule_options:\n  PW302:\n    extend_fallback_label_patterns: [escalate]\n"
    )
    assert "PW302" not in codes(TICKETS, settings)
    # The other rules see the same label set: the fallback also counts as edge handling.
    assert (
        judgements.profile(
            analyze_text(TICKETS, "a.txt", settings).document,
            judgements.for_settings(settings.rule_options),
        ).fallback_label
        == "escalate"
    )


def test_replacing_a_word_list(tmp_path: Path) -> None:
    text = "Summarise the review below.\nReview:\n{review}\n\nPayload:\n{payload}\n"
    found = analyze_text(text, "a.txt", Settings()).findings
    assert [f.message.split("`")[1] for f in found if f.code == "PW401"] == ["{review}"]
    settings = config(tmp_path, "rule_options:\n  PW401:\n    input_names: [payload]\n")
    found = analyze_text(text, "a.txt", settings).findings
    assert [f.message.split("`")[1] for f in found if f.code == "PW401"] == ["{payload}"]


def test_a_task_verb_of_your_own(tmp_path: Path) -> None:
    text = "Triage the bug report below into bug, question or feature.\nReport: {report}\n"
    assert "PW101" not in codes(text, Settings(preview=True))
    settings = config(
        tmp_path,
        "preview: true\nrule_options:\n  PW101:\n    extend_classification_patterns: [triage]\n",
    )
    assert "PW101" in codes(text, settings)


def test_thresholds(tmp_path: Path) -> None:
    line = "Always answer in the language the customer wrote in.\n"
    assert "PW505" in codes(line + line, Settings())
    assert "PW505" not in codes(
        line + line, config(tmp_path, "rule_options: {PW505: {min_words: 12}}\n")
    )


def test_replace_then_extend() -> None:
    own = {"words": ["a", "b"], "limit": 3}
    assert effective(own, None) == own
    assert effective(own, {"words": ("c",), "extend_words": ("d",)}) == {
        "words": ["c", "d"],
        "limit": 3,
    }
    assert effective(own, {"extend_words": ("d",), "limit": 5}) == {
        "words": ["a", "b", "d"],
        "limit": 5,
    }


def test_the_defaults_are_one_vocabulary_and_one_profile_per_document() -> None:
    assert judgements.for_settings({}) is judgements.for_settings({"PW505": {"min_words": 3}})
    doc = analyze_text(TICKETS, "a.txt", Settings()).document
    assert judgements.profile(doc) is judgements.profile(doc, judgements.for_settings({}))
    other = judgements.for_settings({"PW302": {"extend_fallback_label_patterns": ("escalate",)}})
    assert other is not judgements.for_settings({})
    assert judgements.profile(doc, other).fallback_label == "escalate"
    assert judgements.profile(doc).fallback_label is None


@pytest.mark.parametrize(
    ("options", "key", "fragment"),
    [
        ("PW999: {x: 1}", "rule_options.PW999", "not a rule with options"),
        ("PW201: {x: 1}", "rule_options.PW201", "not a rule with options"),
        ("PW401: [input_names]", "rule_options.PW401", "mapping of option names"),
        ("PW401: {input_name: [a]}", "rule_options.PW401.input_name", "did you mean `input_names`"),
        ("PW505: {extend_min_words: [a]}", "rule_options.PW505.extend_min_words", "unknown option"),
        ("PW401: {input_names: payload}", "rule_options.PW401.input_names", "list of non-empty"),
        ("PW505: {min_words: many}", "rule_options.PW505.min_words", "whole number"),
        ("PW505: {min_words: -1}", "rule_options.PW505.min_words", "whole number"),
        (
            "PW302: {extend_fallback_label_patterns: ['(a+)+']}",
            "rule_options.PW302.extend_fallback_label_patterns",
            "entry 1: pattern '(a+)+' nests quantifiers",
        ),
        (
            "PW302: {fallback_label_patterns: ['[unclosed']}",
            "rule_options.PW302.fallback_label_patterns",
            "entry 1: invalid regular expression",
        ),
    ],
)
def test_bad_rule_options_name_the_file_line_and_key(
    tmp_path: Path, options: str, key: str, fragment: str
) -> None:
    path = tmp_path / "promptwise.yaml"
    path.write_text(f"model: gpt-4o\nrule_options:\n  {options}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message and f"`{key}`" in message and fragment in message, message
    assert info.value.line in (2, 3)


def test_a_builtin_pattern_copied_into_the_settings_is_accepted() -> None:
    # The default list holds a bounded repeat the user-pattern check would refuse;
    # entries copied from the rule file itself are trusted.
    own = builtin_options()["PW301"]["unusual_input_patterns"]
    settings = apply(Settings(), {"rule_options": {"PW301": {"unusual_input_patterns": own}}}, "t")
    assert settings.rule_options["PW301"]["unusual_input_patterns"] == tuple(own)


def test_later_sources_change_single_options() -> None:
    first = apply(Settings(), {"rule_options": {"PW505": {"min_words": 10}}}, "file")
    second = apply(first, {"rule_options": {"PW401": {"extend_input_names": ["x"]}}}, "editor")
    assert second.rule_options == {
        "PW505": {"min_words": 10},
        "PW401": {"extend_input_names": ("x",)},
    }


def test_the_cli_applies_rule_options_in_every_worker(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    for n in range(4):
        (tmp_path / "prompts" / f"t{n}.txt").write_text(TICKETS, encoding="utf-8")
    (tmp_path / "promptwise.yaml").write_text(
        "preview: true\nrule_options:\n  PW302:\n    extend_fallback_label_patterns: [escalate]\n",
        encoding="utf-8",
    )
    files = [f"prompts/t{n}.txt" for n in range(4)]
    done = subprocess.run(
        [sys.executable, "-m", "promptwise", "check", *files, "--format", "json", "--jobs", "2"],
        cwd=tmp_path,
        env=source_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout)
    assert report["summary"]["files"] == 4, done.stderr
    assert "PW302" not in {f["code"] for f in report["findings"]}
    assert "PW101" in {f["code"] for f in report["findings"]}  # the run did judge the files
