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

Each check is in the module named after its rule; this module holds what
they share: reading the evidence, naming cases, pointing at log lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from promptwise.findings import Related
from promptwise.pricing.cost import format_usd
from promptwise.rules.checks import CheckContext

if TYPE_CHECKING:
    from promptwise.escalation.evidence import PromptEvidence
    from promptwise.escalation.history import CaseHistory


def evidence_of(ctx: CheckContext) -> PromptEvidence | None:
    return ctx.escalation


def related_failures(
    evidence: PromptEvidence, cases: tuple[CaseHistory, ...] | list[CaseHistory]
) -> tuple[Related, ...]:
    out = []
    for case in cases[:5]:
        record = case.latest_failure or case.latest
        where = record.location
        line = where.line if where.table is None else None
        out.append(Related(f"latest failure of `{case.title}`", where.path, line=line))
    return tuple(out)


def case_names(cases: tuple[CaseHistory, ...]) -> str:
    from promptwise.escalation.advice import shown

    names = [f"`{shown(c.title)}`" for c in cases[:3]]
    if len(cases) > 3:
        names.append(f"{len(cases) - 3} more")
    return ", ".join(names)


def case_data(case: CaseHistory) -> dict[str, object]:
    return {
        "case": case.case,
        "title": case.title,
        "category": case.category,
        "failed_versions": case.failed_versions,
        "input": case.latest.input,
        "expected": case.latest.expected,
    }


def cost_phrase(evidence: PromptEvidence, option: str) -> str:
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


def iteration_range(cases: tuple[CaseHistory, ...]) -> str:
    counts = sorted({c.failed_versions for c in cases})
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
