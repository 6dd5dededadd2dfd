"""PW904: failure-log records could not be read, so iteration counts may be low."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.findings import Related
from promptwise.rules.checks import CheckContext, Hit, first_body_line, register
from promptwise.rules.checks.escalation import evidence_of


@register("skipped-log-records", fills=("count", "s", "first"))
def skipped_log_records(ctx: CheckContext) -> Iterator[Hit]:
    evidence = evidence_of(ctx)
    if evidence is None or not evidence.warnings:
        return
    skipped = sum(w.count for w in evidence.warnings)
    first = evidence.warnings[0]
    line = first.location.line if first.location.table is None else None
    yield Hit(
        first_body_line(ctx.document),
        {"count": f"{skipped:,}", "s": "s" if skipped != 1 else "", "first": f"{first}"},
        related=(Related(first.message, first.location.path, line=line),),
        data={"skipped": skipped, "warnings": [str(w) for w in evidence.warnings[:20]]},
    )
