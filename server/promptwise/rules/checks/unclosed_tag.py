"""PW013: an XML-style block tag in the prompt is never closed, or closed by the wrong tag.

Prompts mark their parts with XML-style tags (``<instructions>``,
``<document>``, ``<example>``) because models are trained to read them as
boundaries. A block whose closing tag is missing or misspelt runs to the end
of the prompt as far as the model can tell: the instructions after it read
as part of the quoted document.

Only *block* tags are judged: an opening tag alone on its line. A tag inside
a sentence ("wrap the answer in <answer> tags") or a placeholder
("<your-name>") is prose, and the rule stays silent about it. Code blocks,
inline code, HTML comments, template tags, HTML void elements (``<br>``) and
HTML elements whose end tag is optional (``<p>``, ``<li>``) are skipped.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from promptwise.document import blockfacts
from promptwise.document.model import PromptDocument, PromptFormat, SegmentKind
from promptwise.document.text import Span
from promptwise.findings import Related
from promptwise.rules.checks import CheckContext, Hit, register
from promptwise.rules.judgements.prose import BLOCKWISE_FROM
from promptwise.rules.timed import LazyPattern

_TAG = LazyPattern(r"<(/?)([A-Za-z][\w.:-]*)((?:\s[^<>\n]*?)?)(/?)>")
_INLINE_CODE = LazyPattern(r"(`+)[^`\n]+?\1")
_HTML_COMMENT = LazyPattern(r"<!--.*?-->", re.S)
# Elements that never have an end tag, and those whose end tag HTML makes optional.
_SKIPPED = frozenset(
    """area base br col embed hr img input link meta source track wbr param keygen command
    p li dt dd tr td th option optgroup thead tbody tfoot colgroup rt rp html head body""".split()
)


@dataclass
class _Open:
    name: str
    span: Span
    block: bool  # alone on its line: a structural tag, not a word in a sentence


def _holes(doc: PromptDocument) -> list[Span]:
    """Where tags are not prompt structure: code, comments and template tags."""
    text = doc.text
    body = doc.body_span
    holes = [s.span for s in doc.flat_segments if s.kind in (SegmentKind.CODE, SegmentKind.COMMENT)]
    holes.extend(tag.span for tag in doc.tags)
    holes.extend(doc.comment_spans)
    # Inline code is block-local: a large prompt reads it per block, cached.
    body_spans = (body,) if body.end > body.start else ()
    for at, found in blockfacts.per_block(
        "inline code", _inline_code, text, body_spans, from_size=BLOCKWISE_FROM
    ):
        holes.extend(Span(at + s, at + e) for s, e in found)
    holes.extend(
        Span(m.start(), m.end()) for m in _HTML_COMMENT.finditer(text, body.start, body.end)
    )
    merged: list[Span] = []
    for span in sorted(holes):
        if merged and span.start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def _inline_code(
    text: str, spans: blockfacts.RelSpans, last: bool, argument: None = None
) -> tuple[tuple[int, int], ...]:
    return tuple((m.start(), m.end()) for s, e in spans for m in _INLINE_CODE.finditer(text, s, e))


class _Lines:
    """Where each line's text starts and ends, without its blanks; each line read once.

    Whether a tag stands alone on its line is asked for every tag; slicing the
    line each time would make one long line of tags quadratic.
    """

    def __init__(self, doc: PromptDocument) -> None:
        self._doc = doc
        self._bounds: dict[int, tuple[int, int, int]] = {}

    def bounds(self, offset: int) -> tuple[int, int, int]:
        """(first non-blank offset, end of the last non-blank, indent width) of the line."""
        lines = self._doc.lines
        line = lines.line_of(offset)
        found = self._bounds.get(line)
        if found is None:
            start, end = lines.line_start(line), lines.line_end(line)
            text = self._doc.text[start:end]
            body = text.lstrip()
            indent = text[: len(text) - len(body)]
            found = (start + len(indent), start + len(text.rstrip()), len(indent.expandtabs(4)))
            self._bounds[line] = found
        return found

    def alone(self, start: int, end: int) -> bool:
        """A block tag: nothing else on its line, and not indented like a markdown code block."""
        first, last, indent = self.bounds(start)
        return first == start and last == end and indent < 4


@register(
    "unclosed-tag",
    variants={
        "unclosed": ("tag",),
        "closed_by_outer": ("tag", "outer", "line"),
        "mismatched": ("tag", "open", "line"),
        "stray": ("tag",),
        "reopened": ("tag", "line"),
    },
)
def unclosed_tag(ctx: CheckContext) -> Iterator[Hit]:
    doc = ctx.document
    if doc.format is PromptFormat.CHAT:  # JSON/YAML syntax, not prose
        return
    text = doc.text
    lines = doc.lines
    holes = _holes(doc)
    starts = [h.start for h in holes]
    line_bounds = _Lines(doc)
    stack: list[_Open] = []
    where: dict[str, list[int]] = {}  # tag name -> its indexes on the stack

    def pop() -> _Open:
        item = stack.pop()
        where[item.name].pop()
        return item

    body = doc.body_span
    for m in _TAG.finditer(text, body.start, body.end):
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and holes[i].end > m.start():
            continue
        closing, name, _, self_closing = m.group(1), m.group(2), m.group(3), m.group(4)
        if self_closing or name.lower() in _SKIPPED:
            continue
        span = Span(m.start(), m.end())
        block = line_bounds.alone(m.start(), m.end())
        if not closing:
            if block and stack and stack[-1].block and stack[-1].name == name:
                # `<email>` ... `<email>`: the second one was meant to close the first.
                opened = pop()
                yield Hit(
                    span,
                    {"tag": name, "line": str(lines.line_of(opened.span.start) + 1)},
                    "reopened",
                    related=(Related(f"`<{name}>` is opened here", doc.path, opened.span),),
                )
                continue
            where.setdefault(name, []).append(len(stack))
            stack.append(_Open(name, span, block))
            continue
        if where.get(name):
            target = where[name][-1]
            while len(stack) > target + 1:
                inner = pop()
                if inner.block:
                    yield Hit(
                        inner.span,
                        {
                            "tag": inner.name,
                            "outer": name,
                            "line": str(lines.line_of(span.start) + 1),
                        },
                        "closed_by_outer",
                        related=(
                            Related(f"`</{name}>` closes the outer block here", doc.path, span),
                        ),
                    )
            pop()
            continue
        if not block:
            continue  # `</answer>` in a sentence is a word about tags, not a tag
        top = next((item for item in reversed(stack) if item.block), None)
        if top is not None:
            # Most likely a misspelt close of the innermost block: it closes that block,
            # so the block is not reported a second time as never closed.
            while stack and pop() is not top:
                pass
            yield Hit(
                span,
                {"tag": name, "open": top.name, "line": str(lines.line_of(top.span.start) + 1)},
                "mismatched",
                related=(Related(f"`<{top.name}>` is opened here", doc.path, top.span),),
            )
        else:
            yield Hit(span, {"tag": name}, "stray")
    for item in stack:
        if item.block:
            yield Hit(item.span, {"tag": item.name}, "unclosed")
