"""What a cold start does: the work it skips must not change what it finds.

The bundled rules are trusted at load (their patterns are checked here,
not on every start), and compiled when they first run. These tests hold
the shortcuts to the full path they replace.
"""

from __future__ import annotations

import pytest

from promptwise.rules import matchers
from promptwise.rules.loader import load_rules

DECLARATIVE = [rule for rule in load_rules().rules if rule.kind is not None]


@pytest.mark.parametrize("rule", DECLARATIVE, ids=lambda r: r.code)
def test_every_bundled_rule_passes_the_full_check(rule: object) -> None:
    """The shape checks the loader skips for bundled rules: every pattern on its
    own compiles, nests no quantifier and cannot backtrack catastrophically."""
    matchers.validate(rule.kind, rule.matcher)  # type: ignore[attr-defined]


@pytest.mark.parametrize("rule", DECLARATIVE, ids=lambda r: r.code)
def test_trusted_compile_builds_the_same_patterns(rule: object) -> None:
    kind, spec = rule.kind, rule.matcher  # type: ignore[attr-defined]
    checked = matchers.compile_spec(kind, spec)
    trusted = matchers.compile_spec(kind, spec, trusted=True)
    assert checked == trusted


def test_there_are_declarative_bundled_rules() -> None:
    assert len(DECLARATIVE) >= 5


def test_a_bad_pattern_in_a_trusted_spec_is_still_refused_untrusted() -> None:
    """What ``trusted`` skips is the check, so the untrusted path must keep it."""
    spec = {"patterns": ["(a+)+b"]}
    matchers.compile_spec("existence", spec, trusted=True)  # compiles: not checked
    with pytest.raises(matchers.MatcherError, match="nests quantifiers"):
        matchers.compile_spec("existence", spec)
