"""PW9xx: what the failure logs say about this prompt, as findings CI can gate on.

The evidence comes from the escalation stage (``CheckContext.escalation``,
a :class:`promptwise.escalation.PromptEvidence`); without logs that mention
the file these checks say nothing. Findings sit on the first line of the
prompt because they are about the prompt as a whole.

* PW901: a case keeps failing but has not reached the threshold (or too
  few experiments are logged): put it into the prompt. Two quick fixes.
* PW902: knowledge cases past the threshold: consider RAG.
* PW903: behaviour cases past the threshold: consider fine-tuning (after
  structured output, for format).
* PW904: log records were skipped, so the counts may be low.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from promptwise.findings import Fix, Related
from promptwise.pricing.cost import format_usd
from promptwise.rules.checks import CheckContext, Hit, first_body_line, register

if TYPE_CHECKING:
    from promptwise.escalation.evidence import PromptEvidence
    from promptwise.escalation.history import CaseHistory


def _evidence(ctx: CheckContext) -> PromptEvidence | None:
    evidence: Any = ctx.escalation
    if evidence is None or not hasattr(evidence, "advice") or not hasattr(evidence, "history"):
        return None
    return evidence  # type: ignore[no-any-return]


def _related(
    evidence: PromptEvidence, cases: tuple[CaseHistory, ...] | list[CaseHistory]
) -> tuple[Related, ...]:
    out = []
    for case in cases[:5]:
        record = case.latest_failure or case.latest
        where = record.location
        line = where.line if where.table is None else None
        out.append(Related(f"latest failure of `{case.title}`", where.path, line=line))
    return tuple(out)


def _names(cases: tuple[CaseHistory, ...]) -> str:
    from promptwise.escalation.advice import shown

    names = [f"`{shown(c.title)}`" for c in cases[:3]]
    if len(cases) > 3:
        names.append(f"{len(cases) - 3} more")
    return ", ".join(names)


def _case_data(case: CaseHistory) -> dict[str, object]:
    return {
        "case": case.case,
        "title": case.title,
        "category": case.category,
        "failed_versions": case.failed_versions,
        "input": case.latest.input,
        "expected": case.latest.expected,
    }


@register("escalation-failing-case")
def failing_case(ctx: CheckContext) -> Iterator[Hit]:
    evidence = _evidence(ctx)
    if evidence is None:
        return
    from promptwise.escalation.advice import Verdict, shown
    from promptwise.escalation.categories import Remedy
    from promptwise.escalation.fixes import example_fix, rule_fix

    advice = evidence.advice
    anchor = first_body_line(ctx.document)
    premature = advice.verdict is Verdict.PREMATURE
    for item in advice.cases:
        case = item.case
        n = case.failed_versions
        since = case.first_failed.index if case.first_failed else 1
        title = shown(case.title)
        if item.escalate and not premature and case.remedy is not Remedy.PROMPT:
            continue  # PW902 / PW903 speak for it
        if item.escalate and not premature:
            message = (
                f"case `{title}` ({case.category}) has failed for {n} iterations; "
                "neither RAG nor fine-tuning fixes this kind of failure: rework the "
                "prompt (steps, chain-of-thought, guardrails) or try a stronger model"
            )
        elif item.escalate:
            message = (
                f"case `{title}` has failed for {n} iterations, but only "
                f"{advice.experiments} experiments are logged (the method asks for "
                f"{advice.min_experiments}+ before escalating); add it to the prompt as "
                "a worked example or an explicit rule"
            )
        else:
            message = (
                f"case `{title}` has failed for {n} iteration{'s' if n != 1 else ''} "
                f"(since iteration {since}); add it to the prompt as a worked example or "
                f"an explicit rule (escalate at {advice.threshold})"
            )
        fixes: list[Fix] = []
        for make in (example_fix, rule_fix):
            fix = make(ctx.document, case)
            if fix is not None:
                fixes.append(fix)
        yield Hit(
            anchor,
            message,
            fixes=tuple(fixes),
            related=_related(evidence, [case]),
            data=_case_data(case),
        )


def _cost_phrase(evidence: PromptEvidence, option: str) -> str:
    data = evidence.break_even
    if data is None:
        return ""
    calls = data.calls_per_day
    if option == "rag":
        extra = data.rag.per_day(calls) - data.prompt.per_day(calls)
        return f" (+{format_usd(extra)}/day at {calls:,} calls)"
    if data.fine_tuned is None:
        return ""
    from promptwise.escalation.breakeven import round_volume

    if data.vs_prompt is not None:
        return f"; on cost it pays above {round_volume(data.vs_prompt):,} calls/day"
    return "; on cost alone it never pays for this prompt"


@register("escalation-rag")
def consider_rag(ctx: CheckContext) -> Iterator[Hit]:
    evidence = _evidence(ctx)
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
        f"{len(cases)} knowledge case{'s' if len(cases) != 1 else ''} failing for "
        f"{_span(cases)} iterations (threshold {advice.threshold}): {_names(cases)}; the "
        f"model lacks facts no prompt edit supplies — consider RAG"
        f"{_cost_phrase(evidence, 'rag')}",
        related=_related(evidence, cases),
        data={"remedy": "rag", "cases": [c.title for c in cases], "iterations": worst},
    )


@register("escalation-fine-tune")
def consider_fine_tuning(ctx: CheckContext) -> Iterator[Hit]:
    evidence = _evidence(ctx)
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
        f"{_span(cases)} iterations (threshold {advice.threshold}): {_names(cases)}; "
        f"{first}consider fine-tuning — {data}{_cost_phrase(evidence, 'fine-tune')}",
        related=_related(evidence, cases),
        data={
            "remedy": "fine-tune",
            "cases": [c.title for c in cases],
            "readiness": ready.level.value,
        },
    )


def _span(cases: tuple[CaseHistory, ...]) -> str:
    counts = sorted({c.failed_versions for c in cases})
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"


@register("escalation-log-warnings")
def skipped_records(ctx: CheckContext) -> Iterator[Hit]:
    evidence = _evidence(ctx)
    if evidence is None or not evidence.warnings:
        return
    skipped = sum(w.count for w in evidence.warnings)
    first = evidence.warnings[0]
    line = first.location.line if first.location.table is None else None
    yield Hit(
        first_body_line(ctx.document),
        f"{skipped:,} failure-log record{'s' if skipped != 1 else ''} or file"
        f"{'s' if skipped != 1 else ''} could not be read, so iteration counts may be "
        f"low; first: {first}",
        related=(Related(first.message, first.location.path, line=line),),
        data={"skipped": skipped, "warnings": [str(w) for w in evidence.warnings[:20]]},
    )
