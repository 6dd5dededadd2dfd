"""Property-based fuzzing of every parser and of the whole analysis.

Inputs: arbitrary text (biased towards the characters prompt syntax is made
of), arbitrary bytes (through the byte decoder, and decoded with
replacement), and real prompt files (examples, rule fixtures, the shared
corpus when present) mutated with frontmatter fences, unbalanced template
tags, nested blocks, CRLF, BOMs, tabs, zero-width and surrogate-adjacent
characters. Properties: nothing raises; every range lies inside the text
with start <= end; analysis is deterministic; token counts equal tiktoken's;
and the fast paths (libyaml, literal prefilters, piecewise counting) agree
with the plain implementations they stand in for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import strategies as st

from promptwise.analysis import Analysis, analyze, clear_caches
from promptwise.config import Settings
from promptwise.document import chat, yamlnodes
from promptwise.document.load import parse_bytes
from promptwise.document.model import _INLINE_QUOTE, PromptDocument, _inline_quotes
from promptwise.document.parse import parse_document
from promptwise.document.text import Span
from promptwise.rules import judgements
from promptwise.tokens.counter import count_pieces, count_text, sent_text
from tests.conftest import CORPUS, EXAMPLES, REPO
from tests.hardening.conftest import run_property
from tests.hardening.hostile_inputs import CLASSES as HOSTILE_CLASSES

SETTINGS = Settings()
# One name per format, plus names that make detection go by content.
PATHS = (
    "fuzz.prompty",
    "fuzz.prompt",
    "fuzz.prompt.md",
    "AGENTS.md",
    "fuzz.agent.md",
    "fuzz.txt",
    "fuzz.chat.json",
    "fuzz.chat.yaml",
    "fuzz.unknown",
)
# What prompt syntax is made of, and the characters that break naive code.
PIECES = (
    "---\n",
    "---",
    "...\n",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "\ufeff",
    "\u200b",
    "\u200d",
    "\u2028",
    "\ud7ff",
    "\ue000",
    "\U0001f600",
    "\U0010ffff",
    "\x00",
    "\x0b",
    "\x85",
    "é",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "{{!",
    "{{#if x}}",
    "{{/if}}",
    "{{else}}",
    "{{>",
    "{{ name }}",
    "{% for x in y %}",
    "{% endfor %}",
    "{% raw %}",
    "{% endraw %}",
    "${input:x}",
    "{x}",
    '{{role "system"}}',
    '{{#role "user"}}',
    "{{/role}}",
    "<example>",
    "</example>",
    "<document>",
    "</document>",
    "<!--",
    "-->",
    "```",
    "```json",
    "~~~",
    "# ",
    "## Examples",
    "### ",
    "- ",
    "1. ",
    "> ",
    "|a|b|",
    "**",
    "`",
    '"',
    "“",
    "”",
    "system:",
    "user:",
    "assistant:",
    "Input:",
    "Output:",
    "Label: Positive",
    "Q:",
    "A:",
    "model: gpt-4o",
    "inputs:\n  x:\n    type: string\n",
    "&a [1]",
    "*a",
    "[",
    "]",
    "{",
    "}",
    ":",
    "? ",
    "!!python/object:os.system",
    "\\",
    '\\"',
    "<!-- promptwise: disable=PW201 -->",
    "{# promptwise: disable=ALL #}",
    "Try to be brief and use some good examples, etc.",
    "If the input is empty, reply NONE.",
    "Classify the text into positive or negative.",
    "You are a helpful assistant.",
    "Respond with JSON.",
    "sk-abcdefghijklmnopqrstuvwx12345678",
)
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=40).map("".join)


@lru_cache(maxsize=1)
def seed_files() -> tuple[tuple[str, str], ...]:
    """Real prompt files to mutate: examples, rule fixtures, a slice of the corpus."""
    paths: list[Path] = sorted(p for p in EXAMPLES.iterdir() if p.is_file())
    paths += sorted(
        p
        for p in (REPO / "tests" / "rules").rglob("*")
        if p.is_file() and not p.name.endswith((".expected.json", ".py"))
    )
    if CORPUS.is_dir():
        corpus = sorted(
            p
            for p in CORPUS.rglob("*")
            if p.is_file() and p.suffix in (".md", ".prompty", ".prompt", ".txt", ".json", ".yaml")
        )
        paths += corpus[:: max(1, len(corpus) // 120)]
    out = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        if len(text) <= 40_000:
            out.append((path.name, text))
    return tuple(out)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """A real prompt file with a few insertions, deletions and line-ending changes."""
    name, text = draw(st.sampled_from(seed_files()))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(("insert", "insert", "delete", "crlf", "bom", "tabs")))
        if action == "insert":
            text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif action == "crlf":
            text = text.replace("\n", "\r\n")
        elif action == "bom":
            text = "\ufeff" + text
        else:
            text = text.replace("  ", "\t")
    return draw(st.sampled_from((name, *PATHS))), text


# ----------------------------------------------------------------- properties


def parse_or_none(text: str, path: str) -> PromptDocument | None:
    try:
        return parse_document(text, path)
    except chat.NotChat:
        return None  # a JSON/YAML file holding no messages: the documented refusal


def check_span(span: Span | None, size: int, what: str) -> None:
    if span is None:
        return
    assert 0 <= span.start <= span.end <= size, f"{what} {span} outside 0..{size}"


def check_document(doc: PromptDocument) -> None:
    """Every range the parser produced lies inside the text, start <= end."""
    size = len(doc.text)
    check_span(doc.frontmatter_span, size, "frontmatter")
    check_span(doc.body_span, size, "body")
    for segment in doc.walk():
        check_span(segment.span, size, f"segment {segment.kind}")
        check_span(segment.header, size, f"header of {segment.kind}")
        check_span(segment.content, size, f"content of {segment.kind}")
    for variable in doc.variables:
        check_span(variable.span, size, f"variable {variable.name!r}")
    for tag in doc.tags:
        check_span(tag.span, size, f"tag {tag.kind}")
    for problem in doc.problems:
        check_span(problem.span, size, f"problem {problem.code}")
    for key, span in [*doc.key_spans.items(), *doc.value_spans.items()]:
        check_span(span, size, f"frontmatter key {key!r}")
    for span in (*doc.comment_spans, *doc.instruction_spans, *doc.prose_spans):
        check_span(span, size, "derived span")
    if doc.model is not None:
        check_span(doc.model.span, size, "model")


def check_analysis(result: Analysis) -> None:
    doc = result.document
    size = len(doc.text)
    for finding in result.findings:
        # The engine turns a crashing rule into PW008; for fuzzing that is the crash.
        assert finding.code != "PW008", finding.message
        check_span(finding.span, size, f"finding {finding.code}")
        for fix in finding.fixes:
            for edit in fix.edits:
                check_span(edit.span, size, f"fix of {finding.code}")
        for related in finding.related:
            if related.path == doc.path:
                check_span(related.span, size, f"related of {finding.code}")
    for span in result.tokens.pieces:
        check_span(span, size, "token piece")


def key(result: Analysis) -> list[tuple[object, ...]]:
    return [(f.code, f.span, f.message, f.severity, f.fixes, f.related) for f in result.findings]


def check_tokens(result: Analysis) -> None:
    """The piecewise total equals one count of everything the model sees: the
    decoded message values of a chat file, else the body without the template
    (or YAML) comments the engine drops (tests/unit/test_tokens.py checks which
    text that is; here the pieces must add up to it on any input)."""
    doc = result.document
    encoding = result.tokens.encoding
    if any(s.value is not None for s in doc.walk()):
        expected = sum(
            count_text(s.value or "", encoding) for s in doc.walk() if s.value is not None
        )
    else:
        expected = count_text(sent_text(doc), encoding)
        body = doc.text[doc.body_span.start : doc.body_span.end]
        if not doc.comment_spans:
            assert sent_text(doc) == body, "text without comments must be sent as written"
    assert result.tokens.total == expected


def whole(text: str, path: str) -> None:
    """Parse and analyse twice from cold caches: no error, valid ranges, same result."""
    doc = parse_or_none(text, path)
    if doc is None:
        return
    check_document(doc)
    first = analyze(doc, SETTINGS)
    check_analysis(first)
    check_tokens(first)
    clear_caches()
    again = analyze(parse_document(text, path), SETTINGS)
    assert key(first) == key(again), "analysis is not deterministic"


# ---------------------------------------------------------------------- tests


def test_parsers_on_arbitrary_text(fuzz_seed: int) -> None:
    def check(case: tuple[str, str]) -> None:
        text, path = case
        doc = parse_or_none(text, path)
        if doc is not None:
            check_document(doc)

    run_property("parse-text", st.tuples(TEXT, st.sampled_from(PATHS)), check, fuzz_seed, 2000)


def test_analysis_on_arbitrary_text(fuzz_seed: int) -> None:
    run_property(
        "analyze-text",
        st.tuples(TEXT, st.sampled_from(PATHS)),
        lambda case: whole(*case),
        fuzz_seed,
        800,
    )


def test_analysis_on_arbitrary_bytes(fuzz_seed: int) -> None:
    """Raw bytes go through the CLI's decoder; decoded with replacement, they are analysed."""

    def check(case: tuple[bytes, str]) -> None:
        data, path = case
        doc = parse_bytes(data, path)  # invalid UTF-8 and NUL become a PW000 document
        if doc is not None:
            check_document(doc)
        whole(data.decode("utf-8", "replace"), path)

    data = st.one_of(
        st.binary(max_size=300), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))
    )
    run_property("analyze-bytes", st.tuples(data, st.sampled_from(PATHS)), check, fuzz_seed, 500)


def test_analysis_on_mutated_real_files(fuzz_seed: int) -> None:
    run_property("analyze-mutated", mutated(), lambda case: whole(case[1], case[0]), fuzz_seed, 400)


@st.composite
def hostile(draw: st.DrawFn) -> tuple[str, str]:
    """An input class that was once superlinear, up to 1 MB, inside other text.

    The sizes are few and mostly small so the run stays short; 1 MB is drawn
    now and then, and the scaling tests cover growth itself.
    """
    cls = draw(st.sampled_from(HOSTILE_CLASSES))
    size = draw(st.sampled_from((512, 4_096, 65_536, 1_048_576)))
    before, after = draw(TEXT), draw(TEXT)
    path = draw(st.sampled_from((cls.path, *PATHS)))
    text = before + cls.make(size) + after
    return path, text[: 1_048_576 + len(before) + len(after)]


def test_analysis_on_hostile_input_classes(fuzz_seed: int) -> None:
    run_property("analyze-hostile", hostile(), lambda case: whole(case[1], case[0]), fuzz_seed, 10)


def test_one_pass_tag_strip_equals_the_regex(fuzz_seed: int) -> None:
    from promptwise.rules.checks.cache_unfriendly_order import (
        _TEMPLATE_TAG,
        strip_template_tags,
    )

    def check(text: str) -> None:
        assert strip_template_tags(text) == _TEMPLATE_TAG.sub("", text)

    run_property("strip-tags", TEXT, check, fuzz_seed, 500)


def test_one_pass_nesting_check_equals_the_regex(fuzz_seed: int) -> None:
    from promptwise.rules.matchers import _NESTED_QUANTIFIER, nests_quantifier

    pattern = st.text(st.sampled_from("()\\+*{}a|?[]"), max_size=40)

    def check(text: str) -> None:
        assert nests_quantifier(text) == bool(_NESTED_QUANTIFIER.search(text)), text

    run_property("nesting-check", pattern, check, fuzz_seed, 500)


def test_piecewise_count_equals_one_encode(fuzz_seed: int) -> None:
    """Clean cuts never change the count, whatever the characters around them."""
    lines = st.lists(st.one_of(TEXT, st.sampled_from(PIECES)), max_size=400).map("\n".join)

    def check(text: str) -> None:
        for encoding in ("o200k_base", "cl100k_base"):
            assert count_pieces(text, encoding) == count_text(text, encoding)

    run_property("count-pieces", lines, check, fuzz_seed, 300)


# Scalars, quoted or not, full of what looks like a tag or a block header: the
# fast path takes a text whose every "!" and "|#" is inside quotes.
_TAGGY = st.lists(
    st.sampled_from(
        (
            "(?!",
            "!",
            "! ",
            "!!str",
            "|#",
            ">-#",
            "[.,;:!)]",
            "'",
            "''",
            '\\"',
            " ",
            "a",
            ":",
            "#",
            "\n  ",
            "-",
            "{",
            "]",
        )
    ),
    max_size=8,
).map("".join)


@st.composite
def _quoted_yaml(draw: st.DrawFn) -> str:
    """A mapping or sequence of scalars that quote (or fail to quote) tag-like text."""
    lines = []
    for i in range(draw(st.integers(1, 5))):
        body = draw(_TAGGY)
        style = draw(st.sampled_from(("'", '"', "plain", "tag", "anchor")))
        if style == "'":
            value = "'" + body.replace("'", "''") + "'"
        elif style == '"':
            value = '"' + body.replace("\\", "\\\\").replace('"', '\\"') + '"'
        elif style == "tag":
            value = "!t '" + body.replace("'", "''") + "'"
        elif style == "anchor":
            value = f'&a{i} "' + body.replace("\\", "\\\\").replace('"', '\\"') + '"'
        else:
            value = body
        lines.append(draw(st.sampled_from((f"k{i}: {value}", f"- {value}", f"k{i}: [{value}]"))))
    return "\n".join(lines) + draw(st.sampled_from(("", "\n", " # !c\n")))


def _frontmatter_like() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from([t for _, t in seed_files()]).map(
            lambda t: t.split("---", 2)[1] if t.count("---") >= 2 else t[:400]
        ),
        st.sampled_from(
            [p.read_text(encoding="utf-8") for p in sorted((REPO / "lint_rules").glob("*.yaml"))]
        ),
        _quoted_yaml(),
        TEXT,
    )


def test_libyaml_fast_path_agrees_with_guarded_loader(fuzz_seed: int) -> None:
    """Whatever the fast path accepts, the guarded pure-Python loader gives the same."""

    exempted = 0  # fast-path texts with a tag-like character inside quotes

    def check(text: str) -> None:
        nonlocal exempted
        fast = yamlnodes._load_fast(text)
        if fast is None:
            return  # fell back: the guarded loader is the result by construction
        exempted += bool(yamlnodes._TAG_OR_HEADER.search(text))
        try:
            slow = yamlnodes._load_guarded(text)
        except yamlnodes.YamlProblem:
            pytest.fail(f"libyaml accepted what the guarded loader rejects: {text!r}")
        assert repr(fast.value) == repr(slow.value)
        assert _key_spans(fast) == _key_spans(slow)

    run_property("yaml-fast-path", _frontmatter_like(), check, fuzz_seed, 1000)
    assert exempted > 0  # the quoted case was exercised, not only the fallback


def _key_spans(loaded: yamlnodes.LoadedYaml) -> list[tuple[str, int, int, int, int]]:
    return [
        (k, s, e, v.start_mark.index, v.end_mark.index)
        for k, s, e, v in yamlnodes.key_spans(loaded.node)
    ]


# Every pattern the task profile searches with (the prefilter's customers).
_JUDGEMENT_PATTERNS: Sequence[re.Pattern[str]] = judgements.patterns()


def test_prefiltered_search_equals_plain_search(fuzz_seed: int) -> None:
    """The literal prefilter finds exactly what ``pattern.search`` finds."""

    def check(case: tuple[str, int]) -> None:
        text, start = case
        start = min(start, len(text))
        for pattern in _JUDGEMENT_PATTERNS:
            fast = judgements.search_from(pattern, text, start, len(text))
            slow = pattern.search(text, start, len(text))
            assert (fast and fast.span()) == (slow and slow.span()), pattern.pattern[:60]

    run_property("prefilter-search", st.tuples(TEXT, st.integers(0, 50)), check, fuzz_seed, 300)


def test_inline_quotes_scan_equals_finditer(fuzz_seed: int) -> None:
    quoted = st.lists(
        st.sampled_from(('"', '\\"', "`", "“", "”", "a", " ", "\n", 'x"y', '5"', "``")), max_size=60
    ).map("".join)

    def check(text: str) -> None:
        plain = [Span(m.start(), m.end()) for m in _INLINE_QUOTE.finditer(text, 0, len(text))]
        assert list(_inline_quotes(text, 0, len(text))) == plain

    run_property("inline-quotes", st.one_of(quoted, TEXT), check, fuzz_seed, 300)


def test_alias_heavy_yaml_stays_bounded(fuzz_seed: int) -> None:
    """Random anchors and aliases: loaded, or refused as a bomb, never expanded."""

    @st.composite
    def aliased(draw: st.DrawFn) -> str:
        lines = ["a0: &a0 [x, y]"]
        for i in range(1, draw(st.integers(1, 12))):
            refs = ", ".join(
                f"*a{draw(st.integers(0, i - 1))}" for _ in range(draw(st.integers(1, 12)))
            )
            lines.append(f"a{i}: &a{i} [{refs}]")
        return "\n".join(lines) + "\n"

    def check(text: str) -> None:
        try:
            loaded = yamlnodes.load(text)
        except yamlnodes.YamlProblem as problem:
            assert "alias" in problem.message
            return
        assert isinstance(loaded.value, dict)

    run_property("yaml-aliases", aliased(), check, fuzz_seed, 100)


def _iter_findings_codes(results: Iterable[Analysis]) -> set[str]:
    return {f.code for r in results for f in r.findings}


def test_seed_files_are_analysed_cleanly() -> None:
    """The unmutated seeds themselves: the starting point of every mutation."""
    results = []
    for name, text in seed_files():
        doc = parse_or_none(text, name)
        if doc is not None:
            check_document(doc)
            result = analyze(doc, SETTINGS)
            check_analysis(result)
            results.append(result)
    assert "PW008" not in _iter_findings_codes(results), "a rule crashed on a real file"
