"""PW302: a closed label set with no label for input that fits none of them."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.document.text import Span
from promptwise.findings import Fix, TextEdit
from promptwise.rules import judgements
from promptwise.rules.checks import CheckContext, Hit, register


@register(
    "missing-fallback-label", variants={"declared": ("labels",), "from_examples": ("labels",)}
)
def missing_fallback_label(ctx: CheckContext) -> Iterator[Hit]:
    """With no way out, off-topic or ambiguous input is forced into a real
    label, and those forced labels look exactly like correct ones."""
    profile = ctx.profile
    labels = profile.label_set
    if profile.kind is not judgements.TaskKind.CLASSIFICATION or labels is None:
        return
    if profile.fallback_label is not None:
        return
    shown = ", ".join(f"`{label}`" for label in labels.labels[:6])
    fixes: tuple[Fix, ...] = ()
    if labels.declared and labels.listed:  # a list the fallback can be appended to
        at = labels.span.end
        fixes = (
            Fix(
                "Add a fallback label",
                (TextEdit(Span(at, at), " (or ${1:unknown} if none of them fits)", snippet=True),),
            ),
        )
    yield Hit(
        labels.span,
        {"labels": shown},
        "declared" if labels.declared else "from_examples",
        fixes=fixes,
        data={"labels": list(labels.labels)},
    )
