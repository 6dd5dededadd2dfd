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


@register("escalate-to-fine-tuning")
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
        data = f"collect data first ({ready.total:,} labeled examples; 50–200 needed)"
    elif ready.level is Readiness.MEASURABLE:
        data = f"{ready.total:,} labeled examples: enough for a measurable gain, not production"
    else:
        data = f"{ready.total:,} labeled examples: enough for production"
    first = "try structured output / JSON mode first, then " if "format" in rec.categories else ""
    kinds = "/".join(rec.categories)
    yield Hit(
        first_body_line(ctx.document),
        f"{len(cases)} {kinds} case{'s' if len(cases) != 1 else ''} failing for "
        f"{iteration_range(cases)} iterations (threshold {advice.threshold}): {case_names(cases)}; "
        f"{first}consider fine-tuning — {data}{cost_phrase(evidence, 'fine-tune')}",
        related=related_failures(evidence, cases),
        data={
            "remedy": "fine-tune",
            "cases": [c.title for c in cases],
            "readiness": ready.level.value,
        },
    )
