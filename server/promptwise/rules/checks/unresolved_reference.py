"""PW020: a reference to another file that leads nowhere (see ``promptwise.project``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

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
