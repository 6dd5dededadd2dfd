"""Prose search: many spans in one pass, clauses, span trimming."""

from __future__ import annotations

import re

from promptwise.document.parse import parse_document
from promptwise.document.text import Span
from promptwise.rules.judgements.prose import clauses, finditer, first_line, search_from


def _per_span(pattern: re.Pattern[str], text: str, spans: list[Span]) -> list[tuple[int, int]]:
    return [m.span() for s in spans for m in pattern.finditer(text, s.start, s.end)]


def test_finditer_over_many_spans_equals_a_search_per_span() -> None:
    text = "alpha beta. " * 50
    pattern = re.compile(r"\bbeta\b")
    few = [Span(0, 30), Span(40, 80)]
    many = [Span(i, i + 10) for i in range(0, len(text) - 10, 13)]  # cuts words in half
    for spans in (few, many):
        assert [m.span() for m in finditer(pattern, text, spans)] == _per_span(pattern, text, spans)


def test_search_from_finds_the_leftmost_match_like_search() -> None:
    pattern = re.compile(r"\b(?:respond|reply) (?:in|with) json\b", re.I)
    text = "Please REPLY with JSON. Then respond in json again."
    for start in range(0, len(text), 5):
        fast = search_from(pattern, text, start, len(text))
        slow = pattern.search(text, start, len(text))
        assert (fast and fast.span()) == (slow and slow.span())


def test_clauses_are_lines_cut_at_sentence_ends() -> None:
    doc = parse_document("Classify the text. Use one label.\nVersion 2.5 is fine.\n", "a.txt")
    assert [c.text for c in clauses(doc)] == [
        "Classify the text.",
        "Use one label.",
        "Version 2.5 is fine.",
    ]


def test_first_line_is_trimmed() -> None:
    text = "  hello world  \nsecond"
    span = first_line(text, Span(0, len(text)))
    assert text[span.start : span.end] == "hello world"
