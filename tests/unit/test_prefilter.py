"""The phrase prefilter finds exactly what a plain regex scan finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptwise.rules import candidates, matchers, prefilter
from promptwise.rules.loader import load_rules
from promptwise.rules.prefilter import MultiScanner, Prefilter
from tests.conftest import CORPUS, EXAMPLES


def _patterns() -> dict[str, re.Pattern[str]]:
    out = {}
    for rule in load_rules().rules:
        if rule.kind in ("existence", "substitution", "occurrence"):
            search = matchers.compile_spec(rule.kind, rule.matcher).search
            if search is not None:
                out[rule.code] = search
    out["case"] = re.compile(r"(?<![\w-])(?:AKIA|ASIA)[0-9A-Z]{4}|\bgh[pousr]_\w+")
    out["nofilter"] = re.compile(r"(?:^|(?<=\. ))[ \t]*never\b[^.\n]*", re.I | re.M)
    out["asserts"] = re.compile(r"(?:(?<=^)|(?<=^- )|(?<=[.!?] ))tend\s+to\b", re.I | re.M)
    return out


def _plain(patterns: dict[str, re.Pattern[str]], text: str) -> dict[str, list[tuple[int, int]]]:
    return {
        k: [(m.start(), m.end()) for m in p.finditer(text) if m.end() > m.start()]
        for k, p in patterns.items()
    }


PATTERNS = _patterns()
SCANNER = MultiScanner(PATTERNS)
WORDS = [
    "some",
    "a few",
    "brief",
    "good",
    "try to",
    "if possible",
    "etc.",
    "IMPORTANT",
    "NEVER",
    "never",
    "AKIA1234",
    "ghp_abc",
    "Some",
    "BRIEF",
    "İstanbul",
    "ſome",
    "ıf possıble",
    "NEVER ſay",
    "ß",
    "\n",
    ". ",
    "be concise",
    "where appropriate",
    "!!!",
    "sk-" + "a" * 24,
    "x",
    "- ",
    "when",
    "a\n few",
    "a \t lot of",
    "do not",
    "- Never",
    "1. Avoid",
    "**Don't",
    "? ",
    "\ud800",
    "tend to",
    "- Tend\tto",
    ". tend to",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=5), max_size=40).map(" ".join))
def test_scanner_equals_plain_scan(text: str) -> None:
    for compiled in (True, False):  # the Aho-Corasick scan where it installs, and without
        candidates.use_compiled(compiled)
        assert SCANNER.scan(text) == _plain(PATTERNS, text)
    candidates.use_compiled(True)


def test_line_filter_for_patterns_without_an_opening_literal() -> None:
    """A pattern opening with ``^`` or a lookbehind is searched from the lines holding its
    inner literal, and finds what ``finditer`` finds; one that may cross a line has none."""
    assert SCANNER.lines["nofilter"].literal is not None
    assert prefilter._LineFilter(re.compile(r"(?:^|x)\s*never", re.M)).literal is None
    assert prefilter._LineFilter(re.compile(r"(?:^|x)[^.]*never", re.M)).literal is None
    assert prefilter._LineFilter(re.compile(r"(?:^|x)[^.\n]*never", re.M)).literal is not None
    text = "Rules. Never guess.\n- never ask twice\nnot never\n" * 3 + "x never " * 500
    assert SCANNER.scan(text) == _plain(PATTERNS, text)


def test_prefilters_exist_for_phrase_rules() -> None:
    assert Prefilter(re.compile(r"(?<![\w-])(?:good|nice)(?![\w-])", re.I)).literal is not None
    assert Prefilter(re.compile(r"(?:^|x)?never", re.I)).literal is None
    # A group that only asserts consumes nothing: the literal after it opens every match.
    assert Prefilter(PATTERNS["asserts"]).literal is not None
    assert Prefilter(re.compile(r"(?:(?<=a)|b)never")).literal is None


def test_fragments_take_an_optional_character_after_a_literal() -> None:
    """``an? example`` is searched as ``an?\\ example``, not as every "a"."""
    pattern = re.compile(r"\b(?:an? (?:example|sample)|as an? list)\b", re.I)
    found = Prefilter(pattern).fragments
    assert found is not None
    assert {"".join(f) for f in found} == {"an?\\ example", "an?\\ sample", "as\\ an?\\ list"}
    text = "A example, an Example, as a list, as an  list, a  sample, AN SAMPLE, aexample"
    scanner = MultiScanner({"k": pattern})
    assert scanner.scan(text) == _plain(scanner.patterns, text)


def test_fragments_go_on_into_a_factored_alternation() -> None:
    """``re`` parses ``does|do|did`` as ``d`` and ``oes|o|id``; the fragments stay whole,
    and go on with what follows the group."""
    found = Prefilter(re.compile(r"\b(?:does|do|did)n't know", re.I)).fragments
    assert found is not None
    assert {"".join(f) for f in found} == {"doesn't\\ know", "don't\\ know", "didn't\\ know"}
    text = "Did you know? I didn't know. Do not. DOESN'T KNOW, donn't know"
    scanner = MultiScanner({"k": re.compile(r"\b(?:does|do|did)n't know", re.I)})
    assert scanner.scan(text) == _plain(scanner.patterns, text)


def test_a_candidate_inside_a_failed_literal_hit_is_tried() -> None:
    """The literal hit "for example" fails, and the "example:" starting inside it
    is a match: the search goes on from the next character, as ``finditer`` does."""
    pattern = re.compile(r"for example(?=!)|example:", re.I)
    text = "for example: and FOR EXAMPLE! or for example:"
    expected = [(m.start(), m.end()) for m in pattern.finditer(text)]
    assert expected == [(4, 12), (17, 28), (37, 45)]
    assert list(Prefilter(pattern).finditer(text)) == expected
    assert MultiScanner({"k": pattern}).scan(text) == {"k": expected}


def test_letters_re_folds_apart_from_lower_are_candidates() -> None:
    """``re`` matches the long s and the dotless i case-insensitively with "s"
    and "i", which ``str.lower`` leaves as they are: the literal search must
    still find the candidates the pattern matches."""
    pattern = re.compile(r"(?<![\w-])(?:some|if possible)(?![\w-])", re.I)
    text = "Add ſome detail ıf possıble, or SOME, If Possible."
    expected = [(m.start(), m.end()) for m in pattern.finditer(text)]
    assert len(expected) == 4
    assert list(Prefilter(pattern).finditer(text)) == expected
    assert MultiScanner({"k": pattern}).scan(text) == {"k": expected}
    assert [(m.start(), m.end()) for m in _prose_matches(pattern, text)] == expected


def _prose_matches(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    from promptwise.document.text import Span
    from promptwise.rules.judgements import prose

    return list(prose.finditer(pattern, text, [Span(0, len(text))]))


def test_examples_and_corpus_files() -> None:
    texts = [p.read_text() for p in EXAMPLES.iterdir() if p.is_file()]
    # The corpus adds real files when it is there; the examples always run.
    texts += [p.read_text() for p in sorted((CORPUS / "labeled").glob("*.*"))]
    for compiled in (True, False):
        candidates.use_compiled(compiled)
        for text in texts:
            assert SCANNER.scan(text) == _plain(PATTERNS, text)
    candidates.use_compiled(True)


def test_the_phrase_rules_case_insensitive_patterns_take_the_shared_scan() -> None:
    """Each has keys (else the scanner would keep the union regex for all)."""
    if not candidates.enabled():
        pytest.skip("pyahocorasick has no wheel here: the union regex is tested above")
    assert SCANNER.keyed is not None
    assert {"PW201", "PW203"} <= set(SCANNER.keyed[0])


def test_fragments_take_the_first_of_a_repeated_character() -> None:
    """``as[ \\t]+`` is searched as "as" and one blank or tab, not as every "as"
    (every "has" and "was" of a prompt was a candidate)."""
    pattern = re.compile(r"(?<![\w-])as[ \t]+\w+[ \t]+as[ \t]+possible\b", re.I)
    found = Prefilter(pattern).fragments
    assert found is not None
    assert {"".join(f) for f in found} == {"as[\\ \\\t]"}
    text = "It has, as   clear as possible, AS\tshort as\tpossible; was as as possible"
    scanner = MultiScanner({"k": pattern})
    for compiled in (True, False):
        candidates.use_compiled(compiled)
        assert scanner.scan(text) == _plain(scanner.patterns, text)
        assert list(Prefilter(pattern).finditer(text)) == _plain(scanner.patterns, text)["k"]
    candidates.use_compiled(True)


def test_fragments_go_on_after_a_group_each_branch_of_which_they_spell() -> None:
    """What follows a group goes on the end of a branch read whole; a branch
    cut short (``follow(?:ing)?``) keeps its fragment as it is."""
    pattern = re.compile(r"\b(?:as|in|into) (?:an? )?table", re.I)
    assert {"".join(f) for f in Prefilter(pattern).fragments or ()} == {
        "as\\ ",
        "in\\ ",
        "into\\ ",
    }
    pattern = re.compile(r"\b(?:in|use|follow(?:ing)?)[ \t]+this\b", re.I)
    assert {"".join(f) for f in Prefilter(pattern).fragments or ()} == {
        "in[\\ \\\t]",
        "use[\\ \\\t]",
        "follow",
    }
    # An assertion after a literal consumes nothing: the fragment goes on.
    pattern = re.compile(r"(?<![\w-])(?:usually|generally)\b(?=,?\s)", re.I)
    assert {"".join(f) for f in Prefilter(pattern).fragments or ()} == {"usually", "generally"}
    pattern = re.compile(r"\bjson\b(?!\.)[ \t]+only", re.I)
    assert {"".join(f) for f in Prefilter(pattern).fragments or ()} == {"json[\\ \\\t]"}


# Pieces of generated patterns: groups, alternations, repeats, assertions and
# blanks in the places the fragment reader handles (and some it does not).
_PIECES = [
    "as",
    "in",
    "into",
    "do",
    "does",
    "n't",
    " ",
    "a",
    "[ \\t]+",
    "\\s+",
    "\\b",
    "(?!x)",
    "(?<=s)",
    "n?",
    "(?:in|into)",
    "(?:do|does|did)",
    "(?:an? |one )?",
    "(?:follow(?:ing)?|use)",
    "[\\w-]+",
    "x{2,}",
    "[ \\t]*",
    "(?:a|b)?",
    "(?:a|b)+",
]
_TEXT_WORDS = ["as", "in", "into", "do", "does", "didn't", "a", "one", "xx", "x", "use"]
_TEXT_WORDS += ["following", "\t", "  ", "has", "was", "AS", "Into", "b", "ab", "-", "\n"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5).map("".join),
    st.lists(st.sampled_from(_TEXT_WORDS), max_size=30).map(" ".join),
    st.lists(st.sampled_from(_TEXT_WORDS), max_size=30).map("".join),
)
def test_generated_patterns_find_what_finditer_finds(source: str, spaced: str, run: str) -> None:
    """Whatever fragments a pattern gets, the prefilter, the shared scan and
    the union regex find exactly the matches ``finditer`` finds."""
    pattern = re.compile(source, re.I)
    scanner = MultiScanner({"k": pattern})
    for text in (spaced, run, spaced + run):
        expected = _plain(scanner.patterns, text)
        for compiled in (True, False):
            candidates.use_compiled(compiled)
            assert scanner.scan(text) == expected, (source, text)
            assert list(Prefilter(pattern).finditer(text)) == expected["k"], (source, text)
            found = [m.span() for m in _prose_matches(pattern, text) if m.end() > m.start()]
            assert found == expected["k"], (source, text)
    candidates.use_compiled(True)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5).map("".join),
    st.lists(st.sampled_from([*_TEXT_WORDS, "K", "ſ", "ı"]), max_size=30).map(" ".join),
)
def test_every_match_holds_one_of_the_contained_literals(source: str, text: str) -> None:
    """``contained_literals``: each match of the pattern, folded, holds one
    of them (the Kelvin sign, the long s and the dotless i are matched to
    ASCII letters ignoring case: ``fold`` maps them)."""
    pattern = re.compile(source, re.I)
    found = prefilter.contained_literals(pattern)
    if found is None:
        return
    assert all(s and s.isascii() and not any(c.isspace() for c in s) for s in found)
    for m in pattern.finditer(text):
        if m.end() > m.start():
            assert any(s in prefilter.fold(m.group()) for s in found), (source, m.group(), found)


def test_contained_literals_take_the_rarest_set() -> None:
    """A literal anywhere in the pattern, not only at its start; of the sets
    the pattern allows, the one whose shortest string is longest."""
    pattern = re.compile(r"(?:please )?(?:always )?be (?:very )?(?:concise|brief)", re.I)
    assert prefilter.contained_literals(pattern) == {"concise", "brief"}
    never = re.compile(r"(?:you must )?(?:never|do not|don['’]t) (?P<a>[a-z]+)", re.I)
    assert prefilter.contained_literals(never) == {"never", "not", "don"}
    assert prefilter.contained_literals(re.compile(r"\w+|never")) is None
