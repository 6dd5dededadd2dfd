"""PW903: behaviour cases still fail after the iteration threshold; consider fine-tuning."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.rules.checks import CheckContext, Hit, first_body_line, register
from promptwise.rules.checks.escalation import (
    case_names,
    cost_phrase,
    evidence_of,
    iteration_range,
    related_failures,
)

_FILLS = ("count", "categories", "s", "iterations", "threshold", "cases", "format_first")


@register(
    "escalate-to-fine-tuning",
    # One message per state of the training data.
    variants={
        "collect": (*_FILLS, "examples", "cost"),
        "measurable": (*_FILLS, "examples", "cost"),
        "production": (*_FILLS, "examples", "cost"),
    },
)
def escalate_to_fine_tuning(ctx: CheckContext) -> Iterator[Hit]:
    evidence = evidence_of(ctx)
    if evidence is None:
        return
    from promptwise.escalation.advice import Readiness
    from promptwise.escalation.categories import Remedy

    advice = evidence.advice
    rec = advice.recommends(Remedy.FINE_TUNE)
    if rec is None:
        return
    cases = rec.cases
    ready = advice.readiness
    if ready.level is Readiness.COLLECT:
        variant = "collect"
    elif ready.level is Readiness.MEASURABLE:
        variant = "measurable"
    else:
        variant = "production"
    # Format failures are often fixed by structured output alone; say so first.
    first = "try structured output / JSON mode first, then " if "format" in rec.categories else ""
    yield Hit(
        first_body_line(ctx.document),
        {
            "count": str(len(cases)),
            "categories": "/".join(rec.categories),
            "s": "s" if len(cases) != 1 else "",
            "iterations": iteration_range(cases),
            "threshold": str(advice.threshold),
            "cases": case_names(cases),
            "format_first": first,
            "examples": f"{ready.total:,}",
            "cost": cost_phrase(evidence, "fine-tune"),
        },
        variant,
        related=related_failures(evidence, cases),
        data={
            "remedy": "fine-tune",
            "cases": [c.title for c in cases],
            "readiness": ready.level.value,
        },
    )
