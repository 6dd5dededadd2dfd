"""PW902: knowledge cases still fail after the iteration threshold; consider RAG."""

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


@register("escalate-to-rag", fills=("count", "s", "iterations", "threshold", "cases", "cost"))
def escalate_to_rag(ctx: CheckContext) -> Iterator[Hit]:
    evidence = evidence_of(ctx)
    if evidence is None:
        return
    from promptwise.escalation.categories import Remedy

    advice = evidence.advice
    rec = advice.recommends(Remedy.RAG)
    if rec is None:
        return
    cases = rec.cases
    worst = max(c.failed_versions for c in cases)
    yield Hit(
        first_body_line(ctx.document),
        {
            "count": str(len(cases)),
            "s": "s" if len(cases) != 1 else "",
            "iterations": iteration_range(cases),
            "threshold": str(advice.threshold),
            "cases": case_names(cases),
            "cost": cost_phrase(evidence, "rag"),
        },
        related=related_failures(evidence, cases),
        data={"remedy": "rag", "cases": [c.title for c in cases], "iterations": worst},
    )
