"""Docs that test themselves: every rule's example fires it, its better version does not.

Each rule's ``docs.example`` and ``docs.better`` are analysed under the
rule's ``docs.filename`` (which decides the prompt format) and with the
settings in ``docs.config``. A rule page can then never drift away from what
the rule actually does. PW000 (unreadable file), PW008 (rule failure) and PW009 (analysis budget)
are exempt: no prompt text triggers them on purpose.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from promptwise.analysis import analyze_text
from promptwise.config import Settings, apply
from promptwise.rules.families import FAMILIES, family_of
from promptwise.rules.loader import RuleSet, load_rules, parse_rule
from promptwise.rules.model import Rule

REPO = Path(__file__).resolve().parents[2]
RULES = load_rules().rules
# PW9xx rules fire on failure logs, not on prompt text: tests/escalation runs their
# examples against fixture logs.
EXEMPT = {"PW000", "PW008", "PW009"} | {r.code for r in RULES if r.code.startswith("PW9")}
# PW02x rules fire on the files around a prompt, not on its text: their fixture
# folders hold those files.
EXEMPT |= {"PW020", "PW021"}


def _settings(rule: Rule) -> Settings:
    return (
        apply(Settings(), rule.docs.config, f"{rule.source}#docs.config")
        if rule.docs.config
        else Settings()
    )


def _codes(rule: Rule, text: str) -> list[str]:
    result = analyze_text(text, rule.docs.filename, _settings(rule))
    return [f.code for f in result.findings]


@pytest.mark.parametrize("rule", [r for r in RULES if r.code not in EXEMPT], ids=lambda r: r.code)
def test_example_fires_and_better_does_not(rule: Rule) -> None:
    assert rule.code in _codes(rule, rule.docs.example), (
        f"{rule.code}: docs.example does not trigger the rule"
    )
    assert rule.code not in _codes(rule, rule.docs.better), (
        f"{rule.code}: docs.better still triggers the rule"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_documents_itself(rule: Rule) -> None:
    docs = rule.docs
    for part in ("what", "why", "example", "better"):
        assert getattr(docs, part).strip(), f"{rule.code} has no docs.{part}"
    assert rule.summary.strip() and (rule.message.strip() or rule.messages)
    if rule.options:
        assert docs.options.strip(), f"{rule.code} has options but no docs.options"
    page = rule.render_docs()
    assert "## What it does" in page and "## Use instead" in page


def test_rule_files_are_named_after_their_code_and_name() -> None:
    for rule in RULES:
        assert rule.source.rsplit("/", 1)[-1] == f"{rule.code}-{rule.name}.yaml"


def test_every_rule_belongs_to_a_family_and_every_family_has_rules() -> None:
    for rule in RULES:
        assert family_of(rule.code) is not None, f"{rule.code} is in no family"
    for family in FAMILIES:
        assert any(r.code.startswith(family.prefix) for r in RULES), f"{family.prefix} is empty"
    assert family_of("PW777") is None  # a user's code outside every range


def test_readme_names_the_families_as_the_data_does() -> None:
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    for family in FAMILIES:
        assert f"{family.codes} {family.title}" in readme, family


# ------------------------------------------------------------- "Adding a rule"


def _section(title: str) -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"### {title}")
    end = re.compile(r"^#{2,3} ", re.M).search(readme, start + 4)
    return readme[start : end.start() if end else len(readme)]


def _blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, re.S)


def test_the_readmes_declarative_rule_is_a_working_rule() -> None:
    [block] = [b for b in _blocks(_section("A declarative rule")) if b.startswith("# lint_rules/")]
    path, text = block.split("\n", 1)
    name = path.removeprefix("# lint_rules/")
    rule = parse_rule(text, f"/lint_rules/{name}", builtin=True)
    assert name == f"{rule.code}-{rule.name}.yaml"
    assert rule.code not in {r.code for r in RULES}, "the example must stay a new rule"
    assert parse_rule(text, f"/my_rules/{name}", builtin=False).kind == "existence"
    rules = RuleSet((*RULES, rule))
    fired = analyze_text(rule.docs.example, "prompt.txt", Settings(), rules=rules).findings
    assert [f.message for f in fired if f.code == rule.code] == [
        "`latest` means whatever was current when the model was trained; "
        "give the date or the period"
    ]
    quiet = analyze_text(rule.docs.better, "prompt.txt", Settings(), rules=rules).findings
    assert rule.code not in [f.code for f in quiet]


def test_the_readmes_python_rule_quotes_the_real_files() -> None:
    section = _section("A Python rule")
    quoted = [b for b in _blocks(section) if b.startswith("# ")]
    assert len(quoted) == 2
    for block in quoted:
        path, body = block.split("\n", 1)
        source = (REPO / path.removeprefix("# ")).read_text(encoding="utf-8")
        at = 0
        for chunk in re.split(r"^ *\.\.\.\n", body, flags=re.M):
            found = source.find(chunk, at)
            assert found != -1, f"{path}: the README shows lines the file does not have:\n{chunk}"
            at = found + len(chunk)
    [tree] = [b for b in _blocks(section) if b.startswith("tests/rules/")]
    folder, *entries = tree.splitlines()
    for entry in entries:
        name, _, note = entry.strip().partition(" ")
        assert (REPO / folder / name).is_file(), name
        if name.endswith(".expected.json"):
            assert json.loads((REPO / folder / name).read_text()) == json.loads(note.strip())
