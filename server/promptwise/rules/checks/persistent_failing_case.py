"""PW901: a logged case keeps failing; put it into the prompt before escalating."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.findings import Fix
from promptwise.rules.checks import CheckContext, Hit, first_body_line, register
from promptwise.rules.checks.escalation import case_data, evidence_of, related_failures


@register(
    "persistent-failing-case",
    variants={
        # Past the threshold, but neither RAG nor fine-tuning would fix it.
        "no_remedy": ("case", "category", "iterations"),
        # Past the threshold, with too few experiments logged to escalate.
        "premature": ("case", "iterations", "experiments", "min_experiments"),
        # Below the threshold: the case belongs in the prompt.
        "below_threshold": ("case", "iterations", "s", "since", "threshold"),
    },
)
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
        start = case.since or case.first_failed  # the current failing streak
        since = start.index if start else 1
        title = shown(case.title)
        if item.escalate and not premature and case.remedy is not Remedy.PROMPT:
            continue  # PW902 / PW903 speak for it
        args = {"case": title, "iterations": str(n)}
        if item.escalate and not premature:
            variant = "no_remedy"
            args["category"] = f"{case.category}"
        elif item.escalate:
            variant = "premature"
            args.update(
                experiments=str(advice.experiments), min_experiments=str(advice.min_experiments)
            )
        else:
            variant = "below_threshold"
            args.update(s="s" if n != 1 else "", since=str(since), threshold=str(advice.threshold))
        fixes: list[Fix] = []
        for make in (example_fix, rule_fix):
            fix = make(ctx.document, case)
            if fix is not None:
                fixes.append(fix)
        yield Hit(
            anchor,
            args,
            variant,
            fixes=tuple(fixes),
            related=related_failures(evidence, [case]),
            data=case_data(case),
        )
