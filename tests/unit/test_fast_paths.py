"""Fast paths of the batch analysis give exactly what the code they replace gave.

Each replaces a regex or a per-clause search that profiling of a cold
``check`` showed to be costly (issue 16); the property here is that the
result is the same for any text, Unicode blanks and punctuation included.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from promptwise.document.text import Span
from promptwise.rules.checks import contradicting_instructions as pw209
from promptwise.rules.judgements import directives, prose

_PIECES = st.sampled_from(
    [
        " ",
        "\t",
        "\n",
        "\u00a0",
        "\u2003",
        "\x1c",
        "\x85",
        "*",
        "_",
        ".",
        "!",
        ";",
        ":",
        "a",
        "Be",
        "é",
        "?",
    ]
)
_TEXTS = st.lists(_PIECES, max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_strip_trail_is_the_trailing_regex(raw: str) -> None:
    assert pw209._strip_trail(raw) == re.sub(r"[\s*_.!;:]*$", "", raw)


# ------------------------------------------------------------- directives

_WORDS = st.sampled_from(
    [
        "See",
        "see if",
        "the user has provided",
        "The User will sent",
        "- ",
        "1. ",
        "**Note**: ",
        "> ",
        "?",
        "?)",
        '?"',
        "? *",
        "\n",
        " ",
        "\t",
        "'",
        "’",
        "'quoted phrase'",
        "x'y",
        "[a slot]",
        "[docs](url)",
        "<short title>",
        "<",
        "]",
        "must",
        "You're expected",
        "you are to",
        "do not",
        "DON'T",
        "Kelvin \u212a",
        "İ",
        "should",
        "shoulder",
        "ensure",
        "never",
        ".",
        "!",
        "3.",
        "A",
        "Be",
        '"Q',
        "(x",
        "`c",
        "word",
        "é",
        ". A",
        "x. Be",
        "3. A",
        "!\t\t(x",
        "z? `c",
        "e. 'q",
        "wordmust ",
        "a. \n",
    ]
)
_PROSE = st.lists(_WORDS, max_size=16).map("".join)

_ASKS_OR_POINTS = re.compile(
    r"^[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(?:\*\*[^*\n]{1,60}\*\*:?[ \t]*)?"
    r"(?:the user (?:has|have|will) (?:provided|given|shared|pasted|sent)"
    r"|see\b(?!\s+(?:if|whether)\b))"
    r"|\?[ \t*_\"')]*$",
    re.I,
)
_NOT_PROSE = re.compile(
    r"\[[^\]\n]{1,120}\](?:\([^)\n]*\))?"
    r"|<[a-z][^<>\n]{0,80}>"
    r"|(?<![\w'’])'[^'\n]{3,160}'(?![\w'’])",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[^\d\s][.!?])[ \t]+(?=[A-Z\"'*(`])")


def _range(text: str, data: st.DataObject) -> tuple[int, int]:
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(0, len(text)))
    return min(a, b), max(a, b)


@settings(max_examples=500, deadline=None)
@given(_PROSE)
def test_asks_or_points_is_the_one_regex(clause: str) -> None:
    assert directives._asks_or_points(clause) == bool(_ASKS_OR_POINTS.search(clause))


@settings(max_examples=500, deadline=None)
@given(_PROSE, st.integers(0, 40), st.integers(0, 40))
def test_not_prose_finds_what_the_look_behind_first_form_found(text: str, a: int, b: int) -> None:
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    new = [m.span() for m in directives._NOT_PROSE.finditer(text, start, end)]
    assert new == [m.span() for m in _NOT_PROSE.finditer(text, start, end)]


def _old_clauses(text: str, spans: list[Span]) -> list[tuple[int, int, str]]:
    out = []
    for span in spans:
        pos = span.start
        while pos < span.end:
            nl = text.find("\n", pos, span.end)
            end = span.end if nl == -1 else nl
            line = text[pos:end]
            start = 0
            for m in _SENTENCE_END.finditer(line):
                piece = line[start : m.start()]
                if piece.strip():
                    out.append((pos + start, pos + m.start(), piece))
                start = m.end()
            piece = line[start:]
            if piece.strip():
                out.append((pos + start, end, piece))
            pos = end + 1
    return out


@settings(max_examples=500, deadline=None)
@given(_PROSE, st.data())
def test_clauses_are_cut_where_they_were(text: str, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=6))
    edges = sorted(set(cuts))
    spans = [Span(edges[i], edges[i + 1]) for i in range(0, len(edges) - 1, 2)]
    new = [(c.span.start, c.span.end, c.text) for c in prose.clauses_in(text, spans)]
    assert new == _old_clauses(text, spans)


@settings(max_examples=500, deadline=None)
@given(_PROSE, st.data())
def test_search_within_is_a_search_of_the_slice(text: str, data: st.DataObject) -> None:
    start, end = _range(text, data)
    starts = prose.candidate_starts(directives._DIRECTING, text)
    expected = directives._DIRECTING.search(text[start:end]) is not None
    assert prose.search_within(directives._DIRECTING, text, starts, start, end) == expected
    assert prose.search_within(directives._DIRECTING, text, None, start, end) == expected
