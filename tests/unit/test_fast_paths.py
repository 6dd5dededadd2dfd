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
from promptwise.rules.judgements import directives, examples, prose

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


def _pw209_options() -> pw209._Options:
    from promptwise.rules.loader import load_rules
    from promptwise.rules.options import effective

    rule = next(r for r in load_rules().rules if r.code == "PW209")
    return tuple(
        (name, tuple(value))
        for name, value in sorted(effective(rule.options, None).items())
        if name.endswith("_patterns")
    )


def _pw209_claims(
    text: str, spans: list[tuple[int, int]], words: pw209._Words | None
) -> list[tuple[int, int, str]]:
    """The sentences a claim pattern takes whole, as ``_block_claims`` tries them."""
    kinds = pw209._compiled("PW209", _pw209_options())
    patterns = [kinds[k] for k in pw209._KINDS] + [pw209._ALWAYS, pw209._NEVER]
    return [
        (a, b, plain)
        for a, b, plain in pw209._sentences(text, spans, words)
        if any(p.fullmatch(plain) for p in patterns)
    ]


_CLAIM_PIECES = st.sampled_from(
    [
        "Be concise",
        "be **concise**",
        "Be con*cise",
        "be __brief__",
        "BE SUCCINCT",
        "be ſuccinct",
        "be briefı",
        "be terse",
        "Keep answers short",
        "keep_answers short",
        "Always cite the source",
        "alwaYs cite the source",
        "al ways cite it",
        "Never guess the answer",
        "NEVER guess it",
        "Don't guess the answer",
        "don’t guess it",
        "do not make it up",
        "Respond in JSON only",
        "Use markdown",
        "answer in 50 words",
        "explain in detail",
        "be thorough",
        "Keep answers short",
        "İ",
        "If asked, be concise",
        "*",
        "_",
        "**",
        ".",
        "; ",
        "? ",
        "!",
        "\n",
        " ",
        "\t",
        "\u00a0",
        "\x1c",
        "- ",
        "1. ",
        "> ",
        "x_y",
        "é",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_CLAIM_PIECES, max_size=14).map("".join), st.data())
def test_claims_are_found_with_and_without_the_word_scan(text: str, data: st.DataObject) -> None:
    """Passing over the sentences without a claim word keeps every claim,
    with the compiled scanner and with the regex alike."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=4)))
    bounds = [0, *cuts, len(text)]
    spans = [(a, b) for a, b in zip(bounds[::2], bounds[1::2], strict=False) if b > a]
    expected = _pw209_claims(text, spans, None)
    for scanner in (True, False):
        words = pw209._claim_words("PW209", _pw209_options(), scanner)
        assert words is not None
        assert _pw209_claims(text, spans, words) == expected


def test_claims_on_real_files_are_found_with_and_without_the_word_scan() -> None:
    from tests.conftest import CORPUS, EXAMPLES, REPO

    fixtures = REPO / "tests" / "rules" / "contradicting-instructions"
    texts = [p.read_text() for p in sorted(fixtures.iterdir()) if not p.name.endswith(".json")]
    texts += [p.read_text() for p in sorted(EXAMPLES.iterdir()) if p.is_file()]
    texts += [p.read_text() for p in sorted((CORPUS / "labeled").glob("*.*"))]
    texts += [p.read_text() for p in sorted((CORPUS / "bulk").rglob("*.md"))[::25]]
    found = 0
    for text in texts:
        lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
        for spans in ([(0, len(text))], lines):
            expected = _pw209_claims(text, spans, None)
            found += len(expected)
            for scanner in (True, False):
                words = pw209._claim_words("PW209", _pw209_options(), scanner)
                assert words is not None
                assert _pw209_claims(text, spans, words) == expected
    assert found > 0


def test_turning_the_compiled_scanner_off_reaches_the_claim_word_scan() -> None:
    """The claim words are cached with their automaton; switching the
    scanner off afterwards must still send the scan down the regex path."""
    import dataclasses

    from promptwise.rules import keyscan

    words = pw209._claim_words("PW209", _pw209_options(), True)
    assert words is not None

    class Refuses:
        def iter(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("the compiled scanner ran while switched off")

    guarded = dataclasses.replace(words, automaton=Refuses())
    text = "Always answer in English.\nNever answer in English.\n"
    spans = [(0, len(text))]
    was = keyscan.enabled()
    keyscan.set_compiled(False)
    try:
        assert _pw209_claims(text, spans, guarded) == _pw209_claims(text, spans, None)
    finally:
        keyscan.set_compiled(was)


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


def _old_block_holes(text: str, rel: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """``directives._block_holes`` as it was: every test on every clause, in this order."""
    kept = [Span(a, b) for a, b in rel]
    holes: list[Span] = []
    for clause in prose.clauses_in(text, kept):
        if _ASKS_OR_POINTS.search(clause.text):
            holes.append(clause.span)
            continue
        if directives._DIRECTING.search(clause.text):
            continue
        if directives._DESCRIBING.match(clause.text) or (
            directives._TERM_VERB.match(clause.text)
            and directives._code_term_before(text, clause.span.start)
        ):
            holes.append(clause.span)
        elif directives._PERSONA.match(clause.text):
            does = directives._BEHAVIOUR.search(clause.text)
            end = clause.span.end if does is None else clause.span.start + does.start()
            holes.append(Span(clause.span.start, end))
    for span in kept:
        for m in directives._NOT_INSTRUCTION_LINE.finditer(text, span.start, span.end):
            line_end = text.find("\n", m.start())
            holes.append(Span(m.start(), span.end if line_end == -1 else min(line_end, span.end)))
        holes.extend(Span(*m.span()) for m in _NOT_PROSE.finditer(text, span.start, span.end))
    if kept:
        first_line = text.rfind("\n", 0, kept[0].start) + 1
        for m in directives._CODE_TERM_ITEM.finditer(text, first_line, kept[-1].end):
            line_end = text.find("\n", m.end())
            line_end = len(text) if line_end == -1 else line_end
            rest = text[m.end() : line_end]
            if not directives._DIRECTING.search(rest) and not directives._CONDITION.search(rest):
                holes.append(Span(m.end(), line_end))
    return tuple((h.start, h.end) for h in directives._merge(holes))


_CLAUSES = st.lists(
    st.sampled_from(
        [
            "You are a translator",
            "You are a bot that answers",
            "you must answer",
            "This tool returns JSON",
            "This tool must run first",
            "You are a reviewer who should be strict",
            "You are always polite",
            "It is fast",
            "`fetch` reads files",
            "`fetch` returns logs",
            "`level`: detailed output",
            "`mode`: if set, be brief",
            "The user has provided a text",
            "See the guide",
            "What is it?",
            "Answer: yes",
            "**Nice to have:**",
            "// TODO: x",
            "Always be brief",
            "Please summarize",
            "[a slot]",
            "'a quoted phrase'",
        ]
    ).flatmap(lambda c: st.sampled_from([c + ". ", c + "\n", c + "\n\n", "- " + c + "\n"])),
    max_size=10,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_CLAUSES, st.data())
def test_block_holes_are_what_they_were(text: str, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=6))
    edges = sorted(set(cuts))
    rel = tuple((edges[i], edges[i + 1]) for i in range(0, len(edges) - 1, 2))
    for spans in (rel, ((0, len(text)),)):
        assert directives._block_holes(text, spans, True, None) == _old_block_holes(text, spans)


# ------------------------------------------------- searches with a bound

_JUDGEMENT_WORDS = st.sampled_from(
    [
        "If the input is empty, say so.",
        "when data is missing",
        "Classify into: spam, ham.",
        "I don't know",
        "did not know",
        " ",
        "\n",
        "\n\n",
        "- ",
        "unclear",
        "do",
        "document",
        "x",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_JUDGEMENT_WORDS, max_size=30).map("".join), st.data())
def test_a_bounded_search_yields_the_matches_before_the_bound(
    text: str, data: st.DataObject
) -> None:
    from promptwise.rules.judgements import vocabulary

    words = vocabulary.builtin()
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(text)), max_size=24))))
    spans = [Span(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    before = data.draw(st.integers(0, len(text) + 1))
    blockwise = data.draw(st.booleans())
    saved = prose.BLOCKWISE_FROM
    prose.BLOCKWISE_FROM = 0 if blockwise else saved
    try:
        for pattern in (words.input.unusual, words.input.unknown_path, *words.contract.label_lists):
            prose.forget()
            every = [m.span() for m in prose.finditer(pattern, text, spans)]
            bounded = [m.span() for m in prose.finditer(pattern, text, spans, before)]
            assert bounded == [s for s in every if s[0] < before]
            first = prose.search(pattern, text, spans, before)
            assert (first.span() if first else None) == (
                every[0] if every and every[0][0] < before else None
            )
    finally:
        prose.BLOCKWISE_FROM = saved
        prose.forget()


# ------------------------------------------------------------- examples


def _old_is_template(text: str) -> bool:
    lines = [
        examples._ELEMENT.sub(r"\2", line)
        for line in text.splitlines()
        if line.strip() and not examples._TAG_LINE.match(line)
    ]
    if not lines:
        return True
    with_holes = sum(1 for line in lines if examples._PLACEHOLDER.search(line))
    return with_holes * 2 >= len(lines)


_CODE = st.lists(
    st.sampled_from(
        [
            "[Topic Name]",
            "<value>",
            "<tag>",
            "</tag>",
            "<b>x</b>",
            "<name>[slot]</name>",
            "{{ var }}",
            "${x}",
            "...",
            "…",
            "TODO",
            "string",
            "strings",
            "lorem ipsum",
            "print(1)",
            "x = 2",
            " ",
            "\n",
            "\n\n",
            "\r\n",
            "\t",
        ]
    ),
    max_size=4,
).map("".join)
_CODE_LINES = st.lists(_CODE, max_size=7).map("\n".join)


@settings(max_examples=500, deadline=None)
@given(_CODE_LINES)
def test_is_template_counts_the_lines_it_counted(text: str) -> None:
    assert examples._is_template(text) == _old_is_template(text)


# ------------------------------------------------------------ label lists


def _old_first_label_list(text: str, spans: list[Span], words: object) -> object:
    """Every label-list pattern searched to the end, the earliest first match with labels."""
    from promptwise.rules.judgements import output_contract as oc

    found = [m for m in (prose.search(p, text, spans) for p in words.label_lists) if m]  # type: ignore[attr-defined]
    for m in sorted(found, key=lambda x: x.start()):
        labels = oc._split_labels(m.group("labels"), words.label_stopwords)  # type: ignore[attr-defined]
        if labels:
            return m.span(), labels
    return None


_LABEL_TEXT = st.lists(
    st.sampled_from(
        [
            "Classify the ticket into one of: billing, shipping, other.\n",
            "Categories: spam, ham\n",
            "Tag each sentence with its role: claim, evidence or conclusion.\n",
            "Respond with one of positive, negative or neutral.\n",
            "Labels are: a, b\n",
            "Some prose about nothing in particular.\n",
            "\n",
            "Use only 'yes' or 'no'.\n",
        ]
    ),
    max_size=12,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(_LABEL_TEXT, st.integers(1, 64))
def test_the_first_label_list_is_the_one_every_full_search_gave(text: str, window: int) -> None:
    from promptwise.rules.judgements import output_contract as oc
    from promptwise.rules.judgements import vocabulary

    words = vocabulary.builtin().contract
    spans = [Span(0, len(text))]
    saved = oc._WINDOW
    oc._WINDOW = window
    try:
        prose.forget()
        new = oc._first_label_list(text, spans, words)
        assert (None if new is None else (new[0].span(), new[1])) == _old_first_label_list(
            text, spans, words
        )
    finally:
        oc._WINDOW = saved


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Answer:", "A:", "Output :", "Label", "CategoryX:", ":", " ", "\n", "x", "\t"]
        ),
        max_size=10,
    ).map("".join)
)
def test_the_open_slot_is_found_through_the_prefilter(tail: str) -> None:
    found = prose.search_from(examples.OPEN_SLOT, tail, 0, len(tail))
    expected = examples.OPEN_SLOT.search(tail)
    assert (found and found.span()) == (expected and expected.span())


def _old_every_start(pattern: re.Pattern[str], text: str, rel: list[tuple[int, int]]) -> list[int]:
    out = []
    for s, e in rel:
        hit = pattern.search(text, s)
        while hit is not None and hit.start() < e:
            out.append(hit.start())
            hit = pattern.search(text, hit.start() + 1)
    return out


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(["ab", "a", "b", "{%", "%}", " ", "\n"]), max_size=30).map("".join),
    st.data(),
)
def test_every_start_reuses_a_far_hit_and_finds_what_a_search_per_span_found(
    text: str, data: st.DataObject
) -> None:
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(text)), max_size=24))))
    rel = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    for pattern in (re.compile("ab"), re.compile("(?<=a)b"), re.compile("b|%}"), re.compile("a*")):
        found = list(prose._every_start(pattern.search, text, rel, len(text)))
        assert found == _old_every_start(pattern, text, rel)


def test_every_start_searches_once_past_spans_without_a_hit() -> None:
    """A line cut into many spans with no hit: one search, not one per span."""
    text = "x" * 1000 + "ab"
    rel = [(i, i + 1) for i in range(0, 1000, 2)]
    calls = []

    def search(t: str, pos: int, endpos: int) -> re.Match[str] | None:
        calls.append(pos)
        return re.compile("ab").search(t, pos, endpos)

    assert list(prose._every_start(search, text, rel, len(text))) == []
    assert len(calls) == 1
