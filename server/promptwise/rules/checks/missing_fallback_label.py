"""PW302: a closed label set with no label for input that fits none of them."""

from __future__ import annotations

import re
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
    at = labels.span.end
    # A list the fallback can be appended to, where the list ends its phrase:
    # in "decide whether to accept or reject the feedback" the words after
    # the list belong to it, and a parenthesis there would split the phrase.
    if labels.declared and labels.listed and _ends_phrase(ctx.document.text, at):
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


# Words that open the object of verbs chosen between ("accept or reject the
# feedback"): the labels are actions on what follows.
_OBJECT_OPENING = re.compile(
    r"[ \t]+(?:the|a|an|this|that|these|those|its|their|his|her|your|our|it|them)\b", re.I
)


def _ends_phrase(text: str, at: int) -> bool:
    """Whether the words after the label list ending at ``at`` do not belong
    to it: labels that are verbs taking an object ("accept or reject the
    feedback") would be split by a parenthesis appended after them."""
    return _OBJECT_OPENING.match(text, at) is None
