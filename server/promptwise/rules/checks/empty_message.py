"""PW005: a role message has no content."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.document.model import SegmentKind
from promptwise.document.text import Span
from promptwise.rules.checks import CheckContext, Hit, register


@register("empty-message", fills=("role",))
def empty_message(ctx: CheckContext) -> Iterator[Hit]:
    doc = ctx.document
    comments = [*doc.comment_spans, *(s.span for s in doc.walk() if s.kind is SegmentKind.COMMENT)]
    for segment in doc.segments:
        if segment.kind is not SegmentKind.MESSAGE:
            continue
        if segment.value is not None:
            empty = not segment.value.strip()
        else:
            content = segment.content
            text = doc.text[content.start : content.end]
            for comment in comments:
                if content.covers(comment):
                    a, b = comment.start - content.start, comment.end - content.start
                    text = text[:a] + " " * (b - a) + text[b:]
            empty = not text.strip() or text.strip() in ("{{/role}}",)
        if empty:
            anchor = segment.header or (
                segment.span if len(segment.span) else Span(segment.span.start, segment.span.start)
            )
            role = segment.role or "message"
            yield Hit(anchor, {"role": role})
