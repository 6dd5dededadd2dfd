"""PW901: a logged case keeps failing; put it into the prompt before escalating."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.findings import Fix
from promptwise.rules.checks import CheckContext, Hit, first_body_line, register
from promptwise.rules.checks.escalation import case_data, evidence_of, related_failures


@register("persistent-failing-case")
def persistent_failing_case(ctx: CheckContext) -> Iterator[Hit]:
    evidence = evidence_of(ctx)
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
            related=related_failures(evidence, [case]),
            data=case_data(case),
        )
