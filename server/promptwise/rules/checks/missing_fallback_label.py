"""PW302: a closed label set with no label for input that fits none of them."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.document.text import Span
from promptwise.findings import Fix, TextEdit
from promptwise.rules import features
from promptwise.rules.checks import CheckContext, Hit, register


@register("missing-fallback-label")
def missing_fallback_label(ctx: CheckContext) -> Iterator[Hit]:
    """With no way out, off-topic or ambiguous input is forced into a real
    label, and those forced labels look exactly like correct ones."""
    doc = ctx.document
    profile = features.profile(doc)
    labels = profile.label_set
    if profile.kind is not features.TaskKind.CLASSIFICATION or labels is None:
        return
    if profile.fallback_label is not None:
        return
    shown = ", ".join(f"`{label}`" for label in labels.labels[:6])
    fixes: tuple[Fix, ...] = ()
    if labels.declared:
        at = labels.span.end
        fixes = (
            Fix(
                "Add a fallback label",
                (TextEdit(Span(at, at), " (or ${1:unknown} if none of them fits)", snippet=True),),
            ),
        )
    where = "" if labels.declared else " (seen in the examples)"
    yield Hit(
        labels.span,
        f"closed label set{where} {shown} has no fallback; add a label such as "
        "`unknown` for input that fits none of them",
        fixes=fixes,
        data={"labels": list(labels.labels)},
    )
