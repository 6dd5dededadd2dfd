"""Per-block facts: an edit re-derives only the blocks it touched (issue 16).

The whole-document judgements (directive spans, the task profile's prose
searches, the claims PW209 compares) are folded from facts cached per
block. These tests check the two promises that makes: the fold gives what
the whole-text computation gives, and an edit of one paragraph of a large
prompt re-analyses a handful of blocks out of hundreds.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptwise.analysis import analyze, clear_caches
from promptwise.config import Settings
from promptwise.document import blockfacts
from promptwise.document.parse import parse_document
from promptwise.document.text import Span
from promptwise.rules import judgements
from promptwise.rules.judgements import examples, input_handling, prose, vocabulary
from tests.conftest import CORPUS, EXAMPLES, REPO

sys.path.insert(0, str(REPO / "bench"))
from generate import generate

BLOCK_LOCAL = [p for p in judgements.patterns() if blockfacts.block_local(p)]
# Patterns of the shapes the judgements use, anchors and lookarounds included.
EXTRA = [
    re.compile(r"\b(?:if|when)\b[^.\n]{0,40}?\b(?:missing|empty)\b", re.I),
    re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\w+", re.M),
    re.compile(r"(?<![\w'])'[^'\n]{1,20}'(?![\w'])"),
    re.compile(r"\w+[ \t]*:[ \t]*$", re.M),
    re.compile(r"never\b", re.I),
]


def test_block_local_tells_which_patterns_can_look_past_a_line_break() -> None:
    cases = {
        (r"\bfoo\b", 0): True,
        (r"a[ \t]+b", 0): True,
        (r"a.b", 0): True,
        (r"[^\S\n]+x", 0): True,
        (r"^- \w+$", re.M): True,
        (r"a\nb", 0): False,
        (r"a\sb", 0): False,
        (r"[^a]b", 0): False,
        (r"a.b", re.S): False,
        (r"(?s:a.b)", 0): False,
        (r"^foo", 0): False,  # without MULTILINE, ^ is the text's start
        (r"foo\Z", re.M): False,
        (r"(?=\s)a", 0): False,  # a lookahead may look at the next line
        (r"a*", 0): False,  # an empty match
        (r"(?:[^.\n]|(?<=,)\n){3,9}", 0): True,  # a list continued after a comma
        (r"(?:[^.\n]|(?<=[a-z ])\n){3,9}", 0): False,  # ... after a blank, maybe
        (r"(?:[^.\n]|(?<!,)\n){3,9}", 0): False,
    }
    for (source, flags), expected in cases.items():
        assert blockfacts.block_local(re.compile(source, flags)) is expected, source
    assert BLOCK_LOCAL, "the judgements search with block-local patterns"


def test_blocks_tile_the_text_and_start_at_lines() -> None:
    text = generate(200_000, 3)
    blocks = blockfacts.cut(text)
    assert "".join(blocks.texts) == text
    assert len(blocks) > 20
    assert all(start == 0 or text[start - 1] == "\n" for start in blocks.starts)


def test_an_edit_moves_no_other_block_edge() -> None:
    text = generate(300_000, 5)
    before = blockfacts.cut(text)
    middle = text.index("\n\n", len(text) // 2) + 2
    edited = text[:middle] + "Always cite the article.\n" + text[middle:]
    after = blockfacts.cut(edited)
    old, new = set(before.texts), set(after.texts)
    assert len(new - old) <= 2 and len(old - new) <= 2


_WORDS = [
    "if", "the", "order", "is", "missing", "never", "Never", "always", "- ", "1. ", "  ",
    "\t", "\n", "\n\n", "\n \n", ": ", "'x'", "json", "JSON", "e.g.", ",", ".", "empty",
    "Answer", "label", "unknown", "when", "{", "}", "<a>", "É", "ß", ",\n", "labels: ",
    "classify as", "a, b", " or ",
]  # fmt: skip


def _spans_with_holes(
    words: list[str], size: int, holes: int
) -> st.SearchStrategy[tuple[str, list[Span]]]:
    """Texts joined from ``words`` and their prose spans: the whole text less
    a few holes (a template tag, a code block), in order."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[str, list[Span]]:
        text = "".join(draw(st.lists(st.sampled_from(words), min_size=1, max_size=size)))
        cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=holes)))
        spans: list[Span] = []
        start = 0
        for a, b in zip(cuts[::2], cuts[1::2], strict=False):
            if a > start:
                spans.append(Span(start, a))
            start = max(start, b)
        if start < len(text):
            spans.append(Span(start, len(text)))
        return text, spans

    return build()


_texts_and_spans = _spans_with_holes(_WORDS, 160, 6)


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every paragraph its own block, so short texts have many (the same
    setting for every example, and results never depend on what is cached)."""
    monkeypatch.setattr(blockfacts, "_CUT_EVERY", 1)
    blockfacts.clear_cache()
    yield
    blockfacts.clear_cache()


def _same(pattern: re.Pattern[str], text: str, spans: list[Span]) -> None:
    whole = [
        (m.start(), m.end(), m.groups())
        for m in prose._scan(pattern, text, spans, [s.start for s in spans], spans[-1].end)
    ]
    folded = [(m.start(), m.end(), m.groups()) for m in prose._blockwise(pattern, text, spans)]
    assert folded == whole, pattern.pattern


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=_texts_and_spans, index=st.integers(0, 10_000))
def test_blockwise_search_finds_what_the_whole_scan_finds(
    small_blocks: None, case: tuple[str, list[Span]], index: int
) -> None:
    text, spans = case
    if not spans:
        return
    patterns = [*BLOCK_LOCAL, *EXTRA]
    _same(patterns[index % len(patterns)], text, spans)


def test_a_pattern_across_lines_would_differ(small_blocks: None) -> None:
    """Why only block-local patterns are searched block by block."""
    text = "Keep a\n\nbrief answer.\n"
    spans = [Span(0, len(text))]
    across = re.compile(r"a\s+brief")
    whole = [m.start() for m in prose._scan(across, text, spans, [0], len(text))]
    assert whole == [5]
    assert list(prose._blockwise(across, text, spans)) == []
    # So finditer searches it over the whole text, however large.
    big = text * 3000
    many = [Span(i * len(text), (i + 1) * len(text) - 1) for i in range(3000)]
    assert [m.start() for m in prose.finditer(across, big, many)][:2] == [5, len(text) + 5]


# Patterns that may look past a blank line but open with a block-local part.
HEADED = [
    judgements.builtin().examples.inline_example,
    examples._NAMED_EXAMPLE,
    re.compile(r"\b(?:if|when)\b[ \t]+\w+\s*:\s*(.+)", re.I),
    re.compile(r"(?<![\w'])never\b[^.\n]*(?:\n[ \t]*)*(?=\S)(.+)", re.I),
    re.compile(r"label(?=[^\n]*\n\n)", re.I),
    re.compile(r"\banswer\b(?!\s*:)"),  # may fail where a shorter end succeeds
]
_HEADED_WORDS = [
    "example", "Example", "examples", "for example", "Here is an example", "sample output",
    ":", "**", "e.g.", "if", "when", "never", "Never", "label", "answer", "x", "foo bar",
    "\t", "A", "an example of this is", ",", " ", " ", "\n", "\n\n", "\n \n", ".",
]  # fmt: skip


_headed_texts = _spans_with_holes(_HEADED_WORDS, 200, 8)


def test_local_head_is_the_block_local_opening() -> None:
    for pattern in HEADED:
        assert not blockfacts.block_local(pattern), pattern.pattern
        assert blockfacts.local_head(pattern) is not None, pattern.pattern
        assert prose._headed(pattern), pattern.pattern
    head = blockfacts.local_head(HEADED[2])
    assert head is not None
    assert head.match("When ready: go") and head.match("When ready: go").end() == 10
    assert blockfacts.local_head(re.compile(r"\s*x")) is None  # crosses from its start
    # A prefilter fragment that takes a line break could reach across a block's edge.
    assert not prose._headed(re.compile(r"a\s+brief"))


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=_headed_texts, index=st.integers(0, 10_000))
def test_search_by_openings_finds_what_the_whole_scan_finds(
    small_blocks: None, case: tuple[str, list[Span]], index: int
) -> None:
    text, spans = case
    if not spans:
        return
    pattern = HEADED[index % len(HEADED)]
    whole = [
        (m.start(), m.end(), m.groups())
        for m in prose._scan(pattern, text, spans, [s.start for s in spans], spans[-1].end)
    ]
    folded = [(m.start(), m.end(), m.groups()) for m in prose._headwise(pattern, text, spans)]
    assert folded == whole, pattern.pattern


def test_blockwise_search_on_real_prompts(small_blocks: None) -> None:
    files = sorted((CORPUS / "bulk").rglob("*.md"))[:150] + sorted(EXAMPLES.iterdir())
    files = [f for f in files if f.suffix in (".md", ".prompt", ".prompty", ".txt")]
    if len(files) < 20:
        pytest.skip(f"shared corpus not found at {CORPUS}")
    rng = random.Random(4)
    checked = 0
    for path in files:
        doc = parse_document(path.read_text(encoding="utf-8", errors="replace"), str(path))
        for spans in (list(doc.prose_spans), list(doc.instruction_spans)):
            if len(spans) > 8:
                for pattern in rng.sample(BLOCK_LOCAL, 12):
                    _same(pattern, doc.text, spans)
                    checked += 1
    assert checked > 500


# ------------------------------------------------------------ edits


def _edits(text: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    """Edits a person makes in one paragraph: a typed character, a new
    instruction, a deleted line, a paragraph split in two."""
    for what in ("type", "instruction", "delete", "split", "type", "instruction"):
        at = text.index("\n", rng.randrange(len(text) // 4, len(text) - 1000)) + 1
        while not text[at].isalpha():
            at = text.index("\n", at) + 1
        if what == "type":
            text = text[: at + 3] + rng.choice("abcxyz ") + text[at + 3 :]
        elif what == "instruction":
            line = rng.choice(
                [
                    "Never answer in JSON.\n",
                    "Always answer in JSON.\n",
                    "Always cite the order number.\n",
                    "Never cite the order number.\n",
                    "If the order number is missing, ask for it.\n",
                ]
            )
            text = text[:at] + line + text[at:]
        elif what == "delete":
            text = text[:at] + text[text.index("\n", at) + 1 :]
        else:
            text = text[: at + 10] + "\n\n" + text[at + 10 :]
        yield what, text


def _findings(text: str) -> list[tuple[str, int, int, str]]:
    found = analyze(parse_document(text, "big.prompty"), Settings()).findings
    return [(f.code, f.span.start, f.span.end, f.message) for f in found]


def test_an_edit_of_one_paragraph_reanalyses_a_few_blocks() -> None:
    clear_caches()
    text = generate(300_000, 9)
    blocks = blockfacts.blocks_of(text)
    assert len(blocks) >= 60
    assert len(re.findall(r"\n\s*\n", text)) >= 800  # paragraphs
    blockfacts.reset_counts()
    _findings(text)  # the first analysis computes every block
    first = blockfacts.analysed()
    assert first.get("directive holes", 0) >= 50
    assert first.get("prose matches", 0) >= 50
    assert first.get("prose openings", 0) >= 50
    assert first.get("lines", 0) >= 50
    assert first.get("inline quotes", 0) >= 50
    assert blockfacts.analysed_blocks() >= 60
    for what, edited in _edits(text, random.Random(2)):
        blockfacts.reset_counts()
        warm = _findings(edited)
        counts = blockfacts.analysed()
        # The edited block (two when a paragraph split moved a block's edge)
        # is analysed again, by each fact; no other block is.
        assert blockfacts.analysed_blocks() <= 3, (what, counts)
        for name in ("directive holes", "claims", "lines", "inline quotes"):
            assert counts.get(name, 0) <= 3, (what, counts)
        assert counts.get("prose matches", 0) >= 1, (what, counts)  # searched again
        # Patterns that may look past a blank line find their openings per
        # block too: the edited blocks again, for each such pattern.
        headed = sum(1 for known in prose._headed_known.values() if known)
        assert 1 <= counts.get("prose openings", 0) <= 3 * headed, (what, counts)
        clear_caches()
        assert warm == _findings(edited), what  # the same as a cold analysis
        _findings(edited)


# ------------------------------------------------- example walks per block


def _few_shot_text(size: int, seed: int) -> str:
    """A large few-shot prompt: label lines, samples and prose, in paragraphs."""
    rng = random.Random(seed)
    lines = [
        "I loved it! Positive",
        "Terrible service, never again. Negative",
        "Neutral the box was brown",
        "  It arrived on time. Positive  ",
        "- a list item Negative",
        "Label: Positive",
        'e.g. "The refund is on its way." and e.g. "x"',
        "For example: the order 123 is late.",
        "Classify each review as Positive, Negative or Neutral.",
        "| input | label |\n|---|---|\n| great | Positive |",
        "Here is an example:",
        "EXAMPLE OUTPUT",
        "Input example:",
        "**Examples**",
        "END EXAMPLE",
        "",
    ]
    out: list[str] = []
    total = 0
    while total < size:
        line = rng.choice(lines)
        out.append(line)
        total += len(line) + 1
        if rng.random() < 0.2:
            out.append("")
    return "\n".join(out) + "\n"


def test_example_walks_per_block_find_what_the_whole_walk_finds(
    small_blocks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = judgements.builtin().examples
    texts = [_few_shot_text(60_000, seed) for seed in range(3)] + [generate(80_000, 2)]
    titled = 0
    for text in texts:
        doc = parse_document(text, "few.prompt.md")
        spans = doc.prose_spans
        blockfacts.reset_counts()
        folded = examples.label_line_examples(doc, spans, words)
        assert blockfacts.analysed().get("label counts", 0) > 5
        monkeypatch.setattr(examples, "BLOCKWISE_FROM", 10**9)
        whole = examples.label_line_examples(doc, spans, words)
        monkeypatch.undo()
        assert folded == whole
        folded = examples.quoted_samples(doc, spans, words)
        monkeypatch.setattr(examples, "BLOCKWISE_FROM", 10**9)
        whole = examples.quoted_samples(doc, spans, words)
        monkeypatch.undo()
        assert folded == whole
        folded = examples.titled_examples(doc, spans, words)
        monkeypatch.setattr(examples, "BLOCKWISE_FROM", 10**9)
        whole = examples.titled_examples(doc, spans, words)
        monkeypatch.undo()
        assert folded == whole
        titled += len(whole)
    assert titled > 10
    assert blockfacts.block_local(examples._EG_QUOTED)
    assert blockfacts.block_local(examples._EXAMPLE_TITLE)
    assert any(
        examples.label_line_examples(
            parse_document(t, "f.md"), parse_document(t, "f.md").prose_spans, words
        )
        for t in texts[:3]
    )


def test_a_literal_hit_inside_another_is_tried() -> None:
    """The prefilter's fragments overlap ("for example" holds "example"): a hit
    inside a failed one is a candidate too, so the search finds what ``search`` does."""
    pattern = judgements.builtin().examples.inline_example
    text = "examplefor example:example"
    found = prose.search_from(pattern, text, 0, len(text))
    expected = pattern.search(text)
    assert found is not None and expected is not None
    assert found.span() == expected.span() == (11, 26)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet='"ab\n', max_size=40),
    offsets=st.tuples(st.integers(0, 45), st.integers(0, 45)),
)
def test_triple_quotes_index_answers_like_rfind_and_find(
    text: str, offsets: tuple[int, int]
) -> None:
    """PW401 looks for the nearest \"\"\" around every variable use from one index."""
    from promptwise.rules.checks.undelimited_user_input import _TripleQuotes

    triples = _TripleQuotes(text)
    end, start = offsets
    assert triples.last_before(end) == text.rfind('"""', 0, end)
    assert triples.any_from(start) == (text.find('"""', start) != -1)


def test_inline_code_holes_per_block_are_the_whole_scan(
    small_blocks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PW013 skips tags in inline code; a large prompt finds that code per block."""
    from promptwise.rules.checks import unclosed_tag

    assert blockfacts.block_local(unclosed_tag._INLINE_CODE)
    pieces = ["`<a>` x", "``<b>``", "`open\n\nclose`", "<c>\n", "text `x` `y`", "\n\n", "``"]
    rng = random.Random(3)
    text = generate(60_000, 4) + "".join(rng.choice(pieces) for _ in range(3000))
    doc = parse_document(text, "big.prompty")
    blockfacts.reset_counts()
    folded = unclosed_tag._holes(doc)
    assert blockfacts.analysed().get("inline code", 0) > 20
    monkeypatch.setattr(unclosed_tag, "BLOCKWISE_FROM", 10**9)
    assert folded == unclosed_tag._holes(doc)


def test_example_blocks_read_from_the_cache_after_an_edit_above_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each example block is read once and kept by its text; after an edit above
    it the kept reading, shifted, is what reading it again gives."""
    clear_caches()
    words = judgements.builtin().examples
    text = generate(120_000, 6)
    first = parse_document(text, "g.prompty")
    assert len(examples.block_examples(first, words)) > 20
    for what, edited in _edits(text, random.Random(5)):
        doc = parse_document(edited, "g.prompty")
        kept = len(examples._example_blocks)
        warm = examples.block_examples(doc, words)
        assert len(examples._example_blocks) <= kept + 3, what  # the edited blocks only
        monkeypatch.setattr(examples, "BLOCKWISE_FROM", 10**9)
        assert warm == examples.block_examples(doc, words), what
        monkeypatch.undo()


def test_block_entries_kept_outside_the_cache_belong_to_one_text() -> None:
    """The shortcut to a placement's cache entries holds one document's only:
    entries the cache evicts must not live on for every document analysed."""
    clear_caches()
    texts = [generate(40_000, seed=n) for n in range(4)]
    for n, text in enumerate(texts):
        analyze(parse_document(text, f"doc{n}.prompt.md"), Settings())
    held = {id(blocks) for blocks, _, _ in blockfacts._recent_entries}
    assert len(held) == 1
    assert blockfacts._recent_entries[0][0].texts == blockfacts.blocks_of(texts[-1]).texts


_QUOTED = [
    '"a reply"', 'say "x"', '\\"esc\\"', "\u201cbook\u201d", "`code`", "``two``", '5" wide',
    '"open', "close\"", "`a\n\nb`", '"a\nb"', "\n", "\n\n", "\n \n", " ", "word", '"', "`",
]  # fmt: skip


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(_QUOTED), min_size=1, max_size=200).map("".join))
def test_inline_quotes_per_block_are_the_whole_scan(
    small_blocks: None, monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    """Instruction spans leave out inline quotations; a large prompt finds them
    per block, and that is exactly what the scan of the whole prose finds."""
    from promptwise.document import model

    assert blockfacts.block_local(model._INLINE_QUOTE)
    for text in (body, '---\nname: "q"\ndescription: `d`\n---\n' + body):
        roots = parse_document(text, "q.prompty")._prose_roots
        whole: list[Span] = []
        for root in roots:
            whole.extend(model._inline_quotes(text, root.start, root.end))
        monkeypatch.setattr(model, "_BLOCKWISE_FROM", 0)
        assert model._quotes_in(text, roots) == whole
        monkeypatch.undo()


def test_inline_quotes_per_block_in_a_large_prompt() -> None:
    from promptwise.document import model

    rng = random.Random(8)
    text = generate(80_000, 4) + "".join(rng.choice(_QUOTED) for _ in range(4000))
    doc = parse_document(text, "big.prompty")
    whole = [q for r in doc._prose_roots for q in model._inline_quotes(text, r.start, r.end)]
    blockfacts.reset_counts()
    assert len(text) >= model._BLOCKWISE_FROM
    assert model._quotes_in(text, doc._prose_roots) == whole
    assert len(whole) > 100
    assert blockfacts.analysed().get("inline quotes", 0) > 10


def test_matches_to_the_end_per_block_are_the_whole_finditer() -> None:
    """``prose.finditer_from`` (the edge-case headings of the task profile):
    what ``finditer`` from an offset finds, and after an edit one block searched again."""
    heading = vocabulary.builtin().input.edge_heading
    rng = random.Random(6)
    paragraphs = [
        "## Edge cases\n\nIf the order is missing, ask for it.\n\n",
        "**Handling missing input** is described below.\n\n",
        "# Corner case notes\n",
        "Plain prose about the task, with an edge case named inside a line.\n\n",
        "### Special cases\n- refunds: say no\n\n",
    ]
    text = "".join(
        rng.choice(paragraphs) if rng.random() < 0.1 else f"Paragraph {k} of prose.\n\n"
        for k in range(6000)
    )
    assert len(text) >= prose.BLOCKWISE_FROM
    for start in (0, 17, len(text) // 2, len(text) - 5):
        expected = [m.span() for m in heading.finditer(text, start)]
        assert [m.span() for m in prose.finditer_from(heading, text, start)] == expected
    assert len(expected) < len(list(heading.finditer(text))) > 100
    middle = text.index("\n\n", len(text) // 2) + 2
    edited = text[:middle] + "## More edge cases\n\n" + text[middle:]
    blockfacts.reset_counts()
    found = [m.span() for m in prose.finditer_from(heading, edited, 0)]
    assert found == [m.span() for m in heading.finditer(edited, 0)]
    assert 1 <= blockfacts.analysed().get("prose matches", 0) <= 2
    doc = parse_document(edited, "big.md")

    def acts(m: re.Match[str]) -> bool:  # the section under the heading says what to do
        line_end = edited.find("\n", m.end())
        after = input_handling._NEXT_HEADING.search(edited, line_end)
        end = after.start() if after else len(edited)
        return input_handling._SECTION_ACTION.search(edited, line_end, end) is not None

    first = next(m for m in heading.finditer(edited, doc.body_span.start) if acts(m))
    section = input_handling._edge_section(doc, vocabulary.builtin().input)
    assert section == Span(*first.span())
