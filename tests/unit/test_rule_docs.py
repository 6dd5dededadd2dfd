"""Docs that test themselves: every rule's example fires it, its better version does not.

Each rule's ``docs.example`` and ``docs.better`` are analysed under the
rule's ``docs.filename`` (which decides the prompt format) and with the
settings in ``docs.config``. A rule page can then never drift away from what
the rule actually does. PW000 (unreadable file) and PW008 (rule failure)
are exempt: no prompt text triggers them on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from promptwise.analysis import analyze_text
from promptwise.config import Settings, apply
from promptwise.rules.families import FAMILIES, family_of
from promptwise.rules.loader import load_rules
from promptwise.rules.model import Rule

REPO = Path(__file__).resolve().parents[2]
RULES = load_rules().rules
# PW9xx rules fire on failure logs, not on prompt text: tests/escalation runs their
# examples against fixture logs.
EXEMPT = {"PW000", "PW008"} | {r.code for r in RULES if r.code.startswith("PW9")}


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
