"""The phrase rules' kept matches, folded from answers cached per run of pieces (issue 16).

Two promises: the fold keeps exactly the matches the whole-document filter
keeps (scope, ``unless_near``, ``unless_line``, ``preceded_by``,
``not_preceded_by``), and an edit
of one paragraph of a large prompt recomputes one or two runs of pieces out
of a hundred.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptwise.analysis import analyze, clear_caches, source_pieces
from promptwise.config import Settings
from promptwise.document.parse import parse_document
from promptwise.document.text import Span
from promptwise.rules import engine, matchers, phrase_units
from promptwise.rules.loader import load_rules
from promptwise.tokens import counter
from tests.conftest import CORPUS, EXAMPLES, REPO
from tests.unit.test_blockfacts import _edits

sys.path.insert(0, str(REPO / "bench"))
from generate import generate

SCANNED = [
    r
    for r in load_rules().rules
    if r.kind in ("existence", "substitution", "occurrence") and r.builtin
]


def _whole(doc_text: str, path: str) -> tuple[dict[str, list[tuple[int, int]]], set[str]]:
    """(the fold's answer, the codes it answered) and, checked here, the old answer."""
    doc = parse_document(doc_text, path)
    pieces = source_pieces(doc)
    found, kept = engine.phrase_matches(SCANNED, doc, pieces)
    raw = engine.raw_matches(SCANNED, doc, pieces)
    for rule in SCANNED:
        matcher = engine._compile(rule)
        expected = engine._matches(matcher, doc, raw[rule.code])
        got = (
            found[rule.code]
            if rule.code in kept
            else engine._matches(matcher, doc, found[rule.code])
        )
        assert got == expected, (rule.code, got, expected)
    return found, kept


def test_the_bundled_phrase_rules_take_the_fold() -> None:
    """Every bundled phrase rule's line checks qualify, so none is filtered on the whole text."""
    assert all(phrase_units.context_free(engine._compile(r)) for r in SCANNED)
    _, kept = _whole(generate(60_000, 2), "big.prompty")
    assert kept == {r.code for r in SCANNED}


def _matcher(**spec: object) -> matchers.CompiledMatcher:
    return matchers.compile_spec("existence", {"scope": "all", **spec}, trusted=True)


def test_context_free_rejects_lookbehinds_that_may_see_the_previous_line() -> None:
    assert phrase_units.context_free(_matcher(tokens=["x"], unless_near=[r"(?<![\w-])y"]))
    assert phrase_units.context_free(_matcher(tokens=["x"], unless_line=[r"^\s{0,3}#"]))
    assert phrase_units.context_free(_matcher(tokens=["x"], unless_near=[r"(?<!do not )y"]))
    # A lookbehind that may match the line break reads the line before it.
    assert not phrase_units.context_free(_matcher(tokens=["x"], unless_near=[r"(?<=\s)y"]))
    assert not phrase_units.context_free(_matcher(tokens=["x"], preceded_by=[r"(?<=\n\n)"]))
    assert not phrase_units.context_free(_matcher(tokens=["x"], unless_line=[r"(?:(?<=[^a])|z)y"]))
    assert not phrase_units.context_free(
        _matcher(tokens=["x"], not_preceded_by=[r"(?<=\n)rather than"])
    )


def test_not_preceded_by_leaves_only_the_phrase_it_governs_alone() -> None:
    """Unlike ``unless_near``, the context must end right before the match:
    "briefly" stays a match when "rather than" governs only "in detail"."""
    matcher = _matcher(tokens=["briefly", "in detail"], not_preceded_by=[r"\brather than"])
    text = "Answer briefly rather than in detail.\n"
    assert matcher.search is not None
    kept = [
        m.group(0)
        for m in matcher.search.finditer(text)
        if matchers.in_context(matcher, text, m.start(), 0)
    ]
    assert kept == ["briefly"]
    # Both checks at once: the context asked for, and not the one ruled out.
    both = _matcher(tokens=["tips"], preceded_by=[r"\bgive"], not_preceded_by=[r"\bnever give"])
    assert both.search is not None
    for line, expected in (("give tips", True), ("never give tips", False), ("tips", False)):
        start = both.search.search(line)
        assert start is not None
        assert matchers.in_context(both, line, start.start(), 0) is expected


def _by_hand(
    text: str, pieces: list[tuple[int, int]], matcher: matchers.CompiledMatcher
) -> list[tuple[int, int]] | None:
    """``kept_matches`` of one matcher over hand-cut pieces (a unit per piece)."""
    assert matcher.search is not None
    search = matcher.search

    def scan(piece: str) -> dict[str, list[tuple[int, int]]]:
        return {"X": [(m.start(), m.end()) for m in search.finditer(piece) if m.end() > m.start()]}

    doc_lines = parse_document(text, "t.prompt.md").lines

    def keep(code: str, a: int, b: int) -> bool:
        line_start = doc_lines.line_start(doc_lines.line_of(a))
        after = doc_lines.line_of(b) + 1
        end = doc_lines.line_start(after) - 1 if after < doc_lines.line_count else len(text)
        return not matchers.silenced(matcher, text, a, b, line_start, end) and (
            matchers.in_context(matcher, text, a, line_start)
        )

    found = phrase_units.kept_matches(
        ("by hand", matcher.search.pattern),
        [("X", matcher)],
        text,
        [(Span(a, b), text[a:b]) for a, b in pieces],
        {"all": (Span(0, len(text)),)},
        scan,
        keep,
    )
    return None if found is None else found["X"]


def test_a_match_whose_line_runs_past_its_unit_is_decided_on_the_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``foo\\n`` ends where its unit ends: its line check reads the next line,
    which lies in the next unit, so the fold asks the document."""
    monkeypatch.setattr(phrase_units, "_CUT_EVERY", 1)
    phrase_units.clear_cache()
    matcher = _matcher(patterns=[r"foo\n"], unless_line=["baz"])
    silenced = "a foo\nbar baz\n"
    assert _by_hand(silenced, [(0, 6), (6, 14)], matcher) == []
    kept = "a foo\nbar bar\n"
    assert _by_hand(kept, [(0, 6), (6, 14)], matcher) == [(2, 6)]
    # The unit's text is read after the line break before it: ``\A`` is not its start.
    anchored = _matcher(tokens=["foo"], unless_line=[r"\Ax"])
    assert _by_hand("b foo\nx foo\n", [(0, 6), (6, 12)], anchored) == [(2, 5), (8, 11)]
    assert _by_hand("x foo\nb foo\n", [(0, 6), (6, 12)], anchored) == [(8, 11)]
    # A piece that does not start a line starts no unit: the first one is read from its line.
    assert _by_hand("baz a foo\nbar\n", [(4, 10), (10, 14)], matcher) == []


def test_pieces_or_spans_out_of_order_leave_the_filter_to_the_document() -> None:
    matcher = _matcher(tokens=["foo"])
    assert _by_hand("foo foo\nfoo\n", [(0, 8), (4, 12)], matcher) is None
    assert phrase_units.clip([Span(0, 5), Span(3, 8)], []) is None
    units = [phrase_units.Unit(0, 3, 0, 1), phrase_units.Unit(3, 6, 1, 2)]
    # Cut at the units' edges, relative to each unit's start.
    assert phrase_units.clip([Span(1, 4), Span(5, 6)], units) == [((1, 3),), ((0, 1), (2, 3))]


# ------------------------------------------------------ the fold is exact

_WORDS = [
    "some", "a few", "several", "be concise", "briefly", "short", "detailed", "good",
    "great deal", "try to", "if possible", "if you can", "etc.", "and so on", "Do not",
    "never", "- Never use it.", "Never guess; ask.", "IMPORTANT", "!!!", "3 words",
    "e.g.", "for example", "# Heading", "## Some", "| a | etc |", "make sure the x is",
    "sk-" + "a" * 22, "{{ name }}", "{# note #}", "{% if x %}", "{% endif %}", "<rules>",
    "</rules>", "```", "```json", "\n", "\n\n", "\n \n", " ", ". ", ", ", "\t", "  - ",
    "1. ", "user:", "system:", "Answer", "the order", "É", "Istanbul İ",
]  # fmt: skip
_HEADS = [
    "",
    "---\nname: t\n---\n",
    "---\nmodel: gpt-4o\ntemplate:\n  format:\n    kind: jinja2\n---\nsystem:\n",
]


@pytest.fixture
def small_units(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pieces of about 40 characters, every one starting a line opening a unit."""
    monkeypatch.setattr(phrase_units, "_CUT_EVERY", 1)
    monkeypatch.setattr(counter, "PIECE_TARGET", 40)
    clear_caches()
    yield
    clear_caches()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(_HEADS),
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=120).map(" ".join),
    st.sampled_from(["t.prompt.md", "t.prompty", "t.md", "t.txt"]),
)
def test_the_fold_keeps_what_the_whole_filter_keeps(
    small_units: None, head: str, body: str, path: str
) -> None:
    _whole(head + body, path)


def test_the_fold_on_real_prompts(small_units: None) -> None:
    files = sorted((CORPUS / "bulk").rglob("*.md"))[:120] + sorted(EXAMPLES.iterdir())
    files = [f for f in files if f.is_file()]
    assert len(files) >= 5
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            parse_document(text, str(path))
        except Exception:  # not a prompt (a label file): nothing to compare
            continue
        _whole(text, str(path))


# ------------------------------------------------------ an edit recomputes one unit


def _findings(text: str) -> list[tuple[str, int, int, str]]:
    found = analyze(parse_document(text, "big.prompty"), Settings()).findings
    return [(f.code, f.span.start, f.span.end, f.message) for f in found]


def test_an_edit_of_one_paragraph_recomputes_one_unit_per_group() -> None:
    clear_caches()
    text = generate(300_000, 9)
    phrase_units.reset_counts()
    _findings(text)
    first = phrase_units.analysed()
    # The pieces in units (one group) and the blocks in units (PW402, scoped to all).
    assert first >= 30, first
    assert len(re.findall(r"\n\s*\n", text)) >= 800  # paragraphs
    for what, edited in _edits(text, random.Random(5)):
        phrase_units.reset_counts()
        warm = _findings(edited)
        # The unit holding the edit, in each of the two groups (two when the
        # edit moved a unit's edge); no other unit is computed again.
        assert 1 <= phrase_units.analysed() <= 4, (what, phrase_units.analysed())
        clear_caches()
        assert warm == _findings(edited), what  # the same as a cold analysis
        _findings(edited)
