"""PW020: a reference to another file that leads nowhere (see ``promptwise.project``)."""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterator

from promptwise.document.model import PromptDocument
from promptwise.document.text import Span
from promptwise.project.files import Status
from promptwise.project.references import ReferenceKind
from promptwise.rules.checks import CheckContext, Hit, register


@register(
    "unresolved-reference",
    variants={
        "partial": ("name", "expected"),
        "file": ("target",),
        "link": ("target",),
        "outside": ("target",),
    },
)
def unresolved_reference(ctx: CheckContext) -> Iterator[Hit]:
    composition = ctx.composition
    if composition is None:
        return  # no workspace to resolve against (text from stdin, a docs example)
    for item in composition.unresolved:
        ref, resolution = item.reference, item.resolution
        if resolution.status is Status.MISSING and ref.target.endswith("/"):
            continue  # "save it in [/spec/](/spec/)": a folder to write to, not a file to read
        if resolution.status is Status.MISSING and _quoted(ctx.document, ref.span):
            continue  # 'links look like "See [name](docs/name.md)"': a sample of a format
        data: dict[str, object] = {"target": ref.target, "kind": ref.kind.value}
        if resolution.status is Status.OUTSIDE:
            yield Hit(ref.target_span, {"target": ref.target}, "outside", data=data)
        elif ref.kind is ReferenceKind.PARTIAL:
            expected = os.path.basename(resolution.path) if resolution.path else ref.target
            yield Hit(
                ref.target_span, {"name": ref.target, "expected": expected}, "partial", data=data
            )
        elif ref.kind in (ReferenceKind.FILE, ReferenceKind.COPILOT_FILE):
            yield Hit(ref.target_span, {"target": ref.target}, "file", data=data)
        else:
            yield Hit(ref.target_span, {"target": ref.target}, "link", data=data)


def _quoted(doc: PromptDocument, span: Span) -> bool:
    """Whether ``span`` lies inside one inline quotation of the prose."""
    quotes = doc.inline_quotes
    at = bisect.bisect_right(quotes, span.start, key=lambda q: q.start) - 1
    return at >= 0 and quotes[at].start <= span.start and span.end <= quotes[at].end
