"""PW401: a variable carrying user input is pasted into the instructions with no delimiters."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence

from promptwise.document.model import (
    PromptDocument,
    PromptFormat,
    Segment,
    SegmentKind,
    TemplateSyntax,
    TemplateTag,
    Variable,
)
from promptwise.document.prompty import RICH_KINDS
from promptwise.document.text import Span
from promptwise.findings import Fix, TextEdit
from promptwise.rules.checks import CheckContext, Hit, register
from promptwise.rules.options import option_pattern
from promptwise.rules.timed import LazyPattern

_TAG = LazyPattern(r"<(/?)([A-Za-z][\w.-]*)(?:\s[^<>]*)?>")
_FIELD_LABEL = LazyPattern(r"^[ \t]*[\w][\w ()/-]{0,30}:[ \t]*", re.M)
_QUOTES = {'"': '"', "'": "'", "`": "`", "\u201c": "\u201d", "\u2018": "\u2019"}


def _words(name: str) -> set[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {w.lower() for w in re.split(r"[\W_]+", spaced) if w}


def _tag_of(
    doc: PromptDocument, use: Variable, starts: Sequence[int], reach: Sequence[int]
) -> TemplateTag | None:
    """The first tag (in document order) that encloses ``use``.

    Only the tags starting at or before the use can enclose it; when the
    tags are in start order (as the scanner emits them) ``starts`` makes
    finding those a bisection. ``reach`` holds the furthest end of the tags
    up to each one, so the first tag ending at or after the use is a
    bisection too: walking the earlier tags for each use made a prompt with
    thousands of variable uses quadratic.
    """
    if not starts:
        for tag in doc.tags:
            if tag.span.start <= use.span.start and use.span.end <= tag.span.end:
                return tag
        return None
    limit = bisect.bisect_right(starts, use.span.start)
    first = bisect.bisect_left(reach, use.span.end, 0, limit)
    return doc.tags[first] if first < limit else None


def _line(text: str, span: Span) -> tuple[int, int]:
    start = text.rfind("\n", 0, span.start) + 1
    end = text.find("\n", span.end)
    return start, len(text) if end == -1 else end


def _block_position(text: str, span: Span) -> bool:
    """Alone on its line, after a field label ("Text: {input}") or after a colon.

    A variable in the middle of a sentence ("You are an expert in {{topic}}")
    is a short slot (a name, a topic), not a block of someone else's text.
    """
    if _CLOSING_ONLY.match(text, span.end) is None:
        return False
    return _last_before(text, span.start) in ("", ":")


# The rest of a line that holds nothing but closing punctuation and blanks.
_CLOSING_ONLY = LazyPattern(r"[^\S\n]*[.,;:!?)\"']*[^\S\n]*(?:\n|\Z)")
_BLANKS = LazyPattern(r"[^\S\n]*")


def _last_before(text: str, at: int) -> str:
    """The last character before ``at`` on its line that is not blank, or "".

    Only the blanks next to a variable are read, never the line back to its
    start: a prompt written on one long line has a use every few characters.
    """
    i = at
    while i > 0 and text[i - 1] != "\n" and text[i - 1].isspace():
        i -= 1
    return "" if i == 0 or text[i - 1] == "\n" else text[i - 1]


def _first_after(text: str, at: int) -> str:
    """The first character from ``at`` on its line that is not blank, or ""."""
    end = _BLANKS.match(text, at).end()  # type: ignore[union-attr]
    return "" if text.startswith("\n", end) else text[end : end + 1]


class _TripleQuotes:
    """Every start of ``\"\"\"`` in a text (overlapping ones too), found on first use.

    Looking for the nearest one before and after each variable use searched
    the whole text each time when a large prompt has none (two 1 MB scans
    per use); a bisection in the list gives what ``rfind`` and ``find`` give.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._at: list[int] | None = None

    @property
    def at(self) -> list[int]:
        if self._at is None:
            found, find = [], self.text.find
            at = find('"""')
            while at != -1:
                found.append(at)
                at = find('"""', at + 1)
            self._at = found
        return self._at

    def last_before(self, end: int) -> int:
        """``text.rfind('\"\"\"', 0, end)``."""
        k = bisect.bisect_right(self.at, end - 3) - 1
        return self.at[k] if k >= 0 else -1

    def any_from(self, start: int) -> bool:
        """``text.find('\"\"\"', start) != -1``."""
        return bool(self.at) and self.at[-1] >= start


def _quoted(text: str, span: Span, triples: _TripleQuotes | None = None) -> bool:
    before = _last_before(text, span.start)
    if before and _first_after(text, span.end) == _QUOTES.get(before):
        return True
    triples = triples or _TripleQuotes(text)
    above = triples.last_before(span.start)
    # ``above`` is the last one ending before the use, so the use sits after
    # an opening triple quote; it is quoted if another one follows.
    return above != -1 and triples.any_from(span.end)


class _OpenTags:
    """XML-style tags open at an offset, scanned forward once per scope.

    Variable uses are visited in document order, so the stack at the next
    use continues from the previous one instead of rescanning from the top
    of the message (which made a large prompt quadratic).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.scope = -1
        self.offset = 0
        self.pos = 0  # where the next scan resumes
        self.stack: list[str] = []

    def at(self, scope_start: int, offset: int) -> list[str]:
        if scope_start != self.scope or offset < self.offset:
            self.scope, self.pos, self.stack = scope_start, scope_start, []
        last_end = self.pos
        for m in _TAG.finditer(self.text, self.pos, offset):
            last_end = m.end()
            if m.group(1):
                if m.group(2) in self.stack:
                    while self.stack and self.stack.pop() != m.group(2):
                        pass
            else:
                self.stack.append(m.group(2))
        # A tag cut off by ``offset`` can only start at the last "<" (tags hold
        # no "<"), so the next scan resumes there and still sees it whole.
        lt = self.text.rfind("<", last_end, offset)
        self.offset = offset
        self.pos = lt if lt != -1 else max(last_end, offset)
        return self.stack


def _inside_tags(text: str, open_tags: _OpenTags, segment_start: int, span: Span) -> bool:
    """Between an opening XML-style tag and its closing tag."""
    stack = open_tags.at(segment_start, span.start)
    return any(re.compile(rf"</{re.escape(name)}\s*>").search(text, span.end) for name in stack)


# A line that only delimits: a run of one punctuation character (`---`,
# `"""`, `#####`), alone or around a short title (`=== TEXT ===`).
_DELIMITER_LINE = LazyPattern(
    r"[ \t]*(?:([-=#*~_+<>|\"'`])\1{2,}(?:[ \t]*[^\n]{0,40}?[ \t]*\1{3,})?)[ \t]*"
)


def _between_delimiter_lines(text: str, span: Span, floor: int, ceiling: int) -> bool:
    """The nearest non-blank lines above and below the variable's line are delimiters."""
    start, end = _line(text, span)
    above_end = start - 1
    while above_end > floor:
        line_start = text.rfind("\n", floor, above_end) + 1 or floor
        line = text[line_start:above_end]
        if line.strip():
            if not _DELIMITER_LINE.fullmatch(line.rstrip("\r")):
                return False
            break
        above_end = line_start - 1
    else:
        return False
    below_start = end + 1
    while below_start < ceiling:
        nl = text.find("\n", below_start, ceiling)
        line_end = ceiling if nl == -1 else nl
        line = text[below_start:line_end]
        if line.strip():
            return bool(_DELIMITER_LINE.fullmatch(line.rstrip("\r")))
        below_start = line_end + 1
    return False


def _takes_no_instructions(ctx: CheckContext) -> bool:
    """An image or embedding model: the prompt is the input itself, nothing to inject into."""
    doc = ctx.document
    # The file's own model too: `--model` prices it as another, it stays an image prompt.
    names = [ctx.model_name, doc.model.name if doc.model else ""]
    pattern = option_pattern(
        ctx.options, ctx.rule.code, "non_chat_model_patterns", r"(?<![a-z0-9])", r"(?![a-z])"
    )
    if any(pattern.search(name) for name in names if name):
        return True
    apis = {str(a).lower() for a in ctx.options["non_chat_apis"]}
    model = (doc.frontmatter or {}).get("model")
    if isinstance(model, Mapping):
        for key in ("apiType", "api", "api_type"):
            value = model.get(key)
            if isinstance(value, str) and value.strip().lower() in apis:
                return True
    return False


def _message(doc: PromptDocument, offset: int) -> Segment | None:
    for segment in doc.segments:
        if segment.kind is SegmentKind.MESSAGE and segment.span.start <= offset < segment.span.end:
            return segment
    return None


# Dotprompt helpers whose arguments never become text of the prompt: a media
# part, a role or history marker, a named section.
_PART_HELPERS = LazyPattern(r"\{\{~?[ \t]*(?:media|role|history|section)\b")


def _part_helper(text: str, tag: Span) -> bool:
    return _PART_HELPERS.match(text, tag.start, tag.end) is not None


def _only_fields(doc: PromptDocument, message: Segment, tags: Sequence[TemplateTag]) -> bool:
    """A user turn holding nothing but variables and field labels is already delimited
    by the role boundary: there are no instructions in it to override."""
    text = doc.text
    content = message.content
    chars = list(text[content.start : content.end])
    for tag in tags:
        if content.start <= tag.span.start and tag.span.end <= content.end:
            for i in range(tag.span.start - content.start, tag.span.end - content.start):
                chars[i] = " "
    rest = _FIELD_LABEL.sub("", "".join(chars))
    return not re.search(r"[A-Za-z]{2,}", rest)


def _wrap(doc: PromptDocument, tag: Span, name: str) -> Fix:
    text = doc.text
    element = (
        re.sub(r"[^a-z0-9_]+", "_", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()).strip("_")
        or "input"
    )
    start, end = _line(text, tag)
    raw = text[tag.start : tag.end]
    if not text[start : tag.start].strip() and not text[tag.end : end].strip():
        indent = text[start : tag.start]
        edit = TextEdit(
            Span(start, end), f"{indent}<{element}>\n{indent}{raw}\n{indent}</{element}>"
        )
    else:
        edit = TextEdit(tag, f"<{element}>{raw}</{element}>")
    return Fix(f"Wrap `{raw}` in `<{element}>` tags", (edit,))


@register("undelimited-user-input", fills=("tag",))
def undelimited_user_input(ctx: CheckContext) -> Iterator[Hit]:
    """Delimiters (tags, fences, quotes) mark where the caller's text starts
    and stops, so instructions hidden in it read as data. VS Code prompt
    files are skipped: the person typing `${input:x}` runs the prompt."""
    doc = ctx.document
    if doc.syntax is TemplateSyntax.VSCODE or _takes_no_instructions(ctx):
        return
    # Names (or parts of names) of variables that usually hold free text someone
    # else wrote: the rule's `input_names` option.
    wanted = {str(n).lower() for n in ctx.options["input_names"]}
    text = doc.text
    reported: set[str] = set()
    starts = [tag.span.start for tag in doc.tags]
    if any(a > b for a, b in itertools.pairwise(starts)):
        starts = []  # not in start order: _tag_of walks every tag
    reach = list(itertools.accumulate((tag.span.end for tag in doc.tags), max))
    open_tags = _OpenTags(text)
    triples = _TripleQuotes(text)
    declared = doc.declared
    for use in doc.used:
        if use.name in reported or not (_words(use.name) & wanted):
            continue
        kind = declared[use.name].declared_type if use.name in declared else None
        if doc.format is PromptFormat.PROMPTY and (kind or "").lower() in RICH_KINDS:
            continue  # expanded into messages or content parts, never pasted as text
        found = _tag_of(doc, use, starts, reach)
        if found is not None and found.kind != "expr":
            continue  # a block ({{#each items}}, {% for %}) is not an interpolation
        tag = found.span if found is not None else use.span
        if doc.format is PromptFormat.DOTPROMPT and _part_helper(text, tag):
            continue  # {{media url=...}} adds a content part; nothing is pasted as text
        segment = doc.segment_at(tag.start)
        if segment is not None and segment.kind in (
            SegmentKind.DATA,
            SegmentKind.CODE,
            SegmentKind.EXAMPLE,
            SegmentKind.COMMENT,
        ):
            continue
        if _quoted(text, tag, triples) or not _block_position(text, tag):
            continue
        message = _message(doc, tag.start)
        if message is not None and message.role == "user" and _only_fields(doc, message, doc.tags):
            continue
        scope_start = message.content.start if message is not None else doc.body_span.start
        if _inside_tags(text, open_tags, scope_start, tag):
            continue
        scope_end = message.span.end if message is not None else doc.body_span.end
        if _between_delimiter_lines(text, tag, scope_start, scope_end):
            continue
        reported.add(use.name)
        raw = text[tag.start : tag.end]
        yield Hit(
            tag,
            {"tag": raw},
            fixes=(_wrap(doc, tag, use.name),),
            data={"variable": use.name},
        )
