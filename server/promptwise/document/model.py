"""The parsed form of a prompt file that every later stage reads.

A :class:`PromptDocument` is built once per text and never mutated. Segments
form a tree (messages and sections contain examples, code blocks and
sub-sections); each knows whether its prose is an *instruction*, so that
phrase-level rules can stay out of examples, code, quoted data and
frontmatter without each rule re-deriving that.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any

from promptwise.document import blockfacts
from promptwise.document.text import LineIndex, Span


class PromptFormat(str, Enum):
    PROMPTY = "prompty"
    DOTPROMPT = "dotprompt"
    MARKDOWN = "markdown"
    CHAT = "chat"
    TEXT = "text"


class TemplateSyntax(str, Enum):
    """Which template language the body is written in, if any."""

    JINJA = "jinja"
    HANDLEBARS = "handlebars"
    MUSTACHE = "mustache"
    FORMAT = "format"  # Python str.format / LangChain style ``{name}``
    VSCODE = "vscode"  # VS Code prompt-file variables: ``${input:name}``, ``${selection}``
    NONE = "none"


class SegmentKind(str, Enum):
    FRONTMATTER = "frontmatter"
    MESSAGE = "message"  # a role turn: system / user / assistant / model / tool
    SECTION = "section"  # a markdown heading and everything under it
    BODY = "body"  # the whole body of a file with no roles or headings
    EXAMPLE = "example"  # a worked example: <example> block, Input:/Output: pair, example heading
    CODE = "code"  # a fenced or indented code block
    DATA = "data"  # quoted material the prompt processes (<document>, a variable's slot, ...)
    COMMENT = "comment"  # a template comment; never reaches the model


# Kinds whose prose counts as instructions to the model.
INSTRUCTION_KINDS = frozenset({SegmentKind.MESSAGE, SegmentKind.SECTION, SegmentKind.BODY})


@dataclass(frozen=True)
class Segment:
    """One structural piece of a prompt, with its exact source extent.

    ``span`` covers the whole segment including its header; ``header`` is the
    line that introduces it (role line, heading, fence, opening tag), when
    there is one; ``content`` is what follows the header.
    """

    kind: SegmentKind
    span: Span
    header: Span | None = None
    title: str = ""
    role: str | None = None
    children: tuple[Segment, ...] = ()
    level: int = 0  # heading depth for sections
    # What the model sees when it differs from the source slice (an escaped
    # JSON/YAML string in a chat file); None means "the source text itself".
    value: str | None = None

    @property
    def content(self) -> Span:
        if self.header is None:
            return self.span
        return Span(min(self.header.end, self.span.end), self.span.end)

    def walk(self) -> Iterator[Segment]:
        yield self
        for child in self.children:
            yield from child.walk()


class VariableRole(str, Enum):
    USE = "use"
    DECLARATION = "declaration"


@dataclass(frozen=True)
class Variable:
    """A template variable occurrence: declared in frontmatter or used in the body."""

    name: str
    span: Span
    role: VariableRole
    syntax: TemplateSyntax
    raw: str = ""  # the whole tag as written, e.g. ``{{ user.name | upper }}``
    declared_type: str | None = None
    default: Any = None
    description: str | None = None
    source: str = ""  # the frontmatter key that declared it: "inputs", "sample", "input.schema"
    # A value given as an illustration (``example:``, Prompty's ``sample:``), which
    # the runtime never fills in, unlike ``default``.
    example: Any = None


@dataclass(frozen=True)
class TemplateTag:
    """A template tag in the body: expression, block open/close, comment, partial."""

    kind: str  # "expr" | "open" | "close" | "else" | "comment" | "partial" | "statement"
    span: Span
    name: str = ""  # block name for open/close ("if", "each", "role", "for")
    argument: str = ""  # the rest of the tag, trimmed


@dataclass(frozen=True)
class ParseProblem:
    """Something the parser could not make sense of, reported as a finding.

    ``code`` names the structural rule that reports it (PW001 frontmatter,
    PW002 template syntax, ...), so the rule engine decides severity and
    suppression like for any other finding.
    """

    code: str
    message: str
    span: Span


@dataclass(frozen=True)
class ModelRef:
    """The model a file names, and where, so hovers and findings can point at it."""

    name: str
    span: Span | None = None
    source: str = ""  # the frontmatter key path it came from, e.g. "model.id"


@dataclass(frozen=True)
class PromptDocument:
    path: str
    text: str
    format: PromptFormat
    syntax: TemplateSyntax
    segments: tuple[Segment, ...]
    frontmatter: Mapping[str, Any] | None = None
    frontmatter_span: Span | None = None
    variables: tuple[Variable, ...] = ()
    tags: tuple[TemplateTag, ...] = ()
    model: ModelRef | None = None
    max_output_tokens: int | None = None
    problems: tuple[ParseProblem, ...] = ()
    # The file has a block that declares its inputs (Prompty `inputs`, Dotprompt `input.schema`).
    declares_inputs: bool = False
    # Where each frontmatter key path sits in the text ("inputs.question" -> span),
    # and where its value sits.
    key_spans: Mapping[str, Span] = field(default_factory=dict)
    value_spans: Mapping[str, Span] = field(default_factory=dict)
    # Template comments ({# #}, {{! }}): never rendered, home of suppressions.
    comment_spans: tuple[Span, ...] = ()
    # Inputs the runtime reads without the template: a Prompty `kind: thread`
    # input (thread expansion places it even when no tag names it) and an
    # input a tool binding hands to a tool. They are declared and used.
    runtime_inputs: frozenset[str] = frozenset()
    # The declarations live in another file (`inputs: ${file:inputs.json}`),
    # so a name the template reads may well be declared there.
    inputs_elsewhere: bool = False

    @cached_property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)

    def walk(self) -> Iterator[Segment]:
        for segment in self.segments:
            yield from segment.walk()

    @cached_property
    def body_span(self) -> Span:
        """The part of the file that reaches the model (everything after frontmatter)."""
        start = self.frontmatter_span.end if self.frontmatter_span else 0
        return Span(min(start, len(self.text)), len(self.text))

    @cached_property
    def declared(self) -> dict[str, Variable]:
        return {v.name: v for v in self.variables if v.role is VariableRole.DECLARATION}

    @cached_property
    def used(self) -> tuple[Variable, ...]:
        return tuple(v for v in self.variables if v.role is VariableRole.USE)

    @cached_property
    def prose_spans(self) -> tuple[Span, ...]:
        """Spans of instruction prose, inline quotations included.

        The body minus examples, code, quoted data, comments and template
        tags. For chat files, whose body is JSON or YAML syntax, only the
        message contents count. Whole-prompt judgements ("says what to reply
        when it does not know") read this; several rules need it, so it is
        computed once per document.
        """
        holes: list[Span] = [tag.span for tag in self.tags]
        roots: list[Span] = []
        for segment in self.flat_segments:
            if segment.value is not None:
                roots.append(segment.content)
            elif segment.kind not in INSTRUCTION_KINDS:
                holes.append(segment.span)
        if not roots:
            roots = [self.body_span]
        return _subtract(_merge(roots), _merge(holes))

    @cached_property
    def _prose_roots(self) -> tuple[Span, ...]:
        roots = tuple(s.content for s in self.flat_segments if s.value is not None)
        return roots or (self.body_span,)

    @cached_property
    def instruction_spans(self) -> tuple[Span, ...]:
        """Spans of instruction prose.

        :attr:`prose_spans` minus inline quotations: a double-quoted string
        inside a line is quoted material (a reply to give verbatim, a user
        request, a word being discussed), not an instruction in the author's
        voice, and an inline `code span` is code. Subtracting the quotations
        from the prose equals subtracting every hole from the roots at once.
        """
        quotes = self.inline_quotes
        if not quotes:
            return self.prose_spans
        return _subtract(list(self.prose_spans), _merge(list(quotes)))

    @cached_property
    def inline_quotes(self) -> tuple[Span, ...]:
        """The double-quoted strings and code spans inside lines of prose, in order:
        quoted material, not the author's own words (see :attr:`instruction_spans`)."""
        return tuple(_quotes_in(self.text, self._prose_roots))

    @cached_property
    def flat_segments(self) -> tuple[Segment, ...]:
        """Every segment in :meth:`walk` order, built once (rules walk the tree often)."""
        return tuple(self.walk())

    @cached_property
    def _nested(self) -> bool:
        """True when every child lies inside its parent (what the parsers produce)."""
        return all(
            child.span.start >= seg.span.start and child.span.end <= seg.span.end
            for seg in self.flat_segments
            for child in seg.children
        )

    def segment_at(self, offset: int) -> Segment | None:
        """The innermost segment that contains ``offset`` (the last one in walk order).

        Descends the tree instead of walking it, so a rule can ask once per
        variable use without making a large document quadratic.
        """
        if not self._nested:
            found: Segment | None = None
            for segment in self.flat_segments:
                if segment.span.start <= offset < segment.span.end:
                    found = segment
            return found
        level: tuple[Segment, ...] = self.segments
        found = None
        while level:
            inside = None
            for segment in reversed(level):
                if segment.span.start <= offset < segment.span.end:
                    inside = segment
                    break
            if inside is None:
                break
            found = inside
            level = inside.children
        return found


# "..." (also escaped inside JSON strings), “...” or `code` on one line. The opening
# quote must not follow a word character, so inch marks (5") and stray quotes
# inside words do not open a quotation.
_INLINE_QUOTE = re.compile(
    r'(?<![\w"])(\\?)"(?=[^\s"])[^"\n]{0,300}?(?<=[^\s\\])\1"(?!\w)'
    r"|\u201c[^\u201d\n]{1,300}\u201d"
    r"|(?<!`)`[^`\n]{1,300}`(?!`)"
)


# Every inline quotation starts with one of these characters. The pattern
# opens with a lookbehind, which turns off ``re``'s own first-character scan,
# so the candidates are found with this class and the pattern tried there.
_QUOTE_START = re.compile('[\\\\"\u201c`]')


def _inline_quotes(text: str, start: int, end: int) -> Iterator[Span]:
    """``_INLINE_QUOTE.finditer(text, start, end)`` as spans, at candidate positions only."""
    match = _INLINE_QUOTE.match
    search = _QUOTE_START.search
    pos = start
    while True:
        candidate = search(text, pos, end)
        if candidate is None:
            return
        m = match(text, candidate.start(), end)
        if m is None:
            pos = candidate.start() + 1
        else:
            yield Span(m.start(), m.end())
            pos = m.end()


# From this length on (as ``prose.BLOCKWISE_FROM``) the quotations are read
# per block (``blockfacts``), so an edit re-reads one block, not the megabyte.
_BLOCKWISE_FROM = 32_768


def _quotes_in(text: str, roots: tuple[Span, ...]) -> list[Span]:
    """The inline quotations inside ``roots``, in order.

    In a large text, per block: the quotation pattern is block-local (it can
    neither take nor look at the line break that closes a blank line), so a
    block with the roots clipped to it holds exactly the quotations the whole
    scan finds there. Roots out of order (never, from the parsers) are
    scanned whole.
    """
    ordered = all(a.end <= b.start for a, b in itertools.pairwise(roots))
    if len(text) < _BLOCKWISE_FROM or not ordered or not blockfacts.block_local(_INLINE_QUOTE):
        quotes: list[Span] = []
        for root in roots:
            quotes.extend(_inline_quotes(text, root.start, root.end))
        return quotes
    blocks = blockfacts.blocks_of(text)
    out: list[Span] = []
    for where, found in blockfacts.fact(
        "inline quotes", _block_quotes, blocks, blockfacts.place(blocks, roots)
    ):
        base = where.start
        out.extend([Span(base + a, base + b) for a, b in found])
    return out


def _block_quotes(
    block: str, rel: tuple[tuple[int, int], ...], last: bool, argument: object
) -> tuple[tuple[int, int], ...]:
    return tuple((q.start, q.end) for a, b in rel for q in _inline_quotes(block, a, b))


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in sorted(spans):
        if out and span.start <= out[-1].end:
            if span.end > out[-1].end:
                out[-1] = Span(out[-1].start, span.end)
        else:
            out.append(span)
    return out


def _subtract(keep: list[Span], holes: list[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    j = 0
    for span in keep:
        start = span.start
        while j < len(holes) and holes[j].end <= start:
            j += 1
        k = j
        while k < len(holes) and holes[k].start < span.end:
            if holes[k].start > start:
                out.append(Span(start, holes[k].start))
            start = max(start, holes[k].end)
            k += 1
        if start < span.end:
            out.append(Span(start, span.end))
    return tuple(out)
