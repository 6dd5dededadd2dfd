"""The report as JSON: every number the other formats show, for scripts and dashboards."""

from __future__ import annotations

from typing import Any

from promptwise.escalation.breakeven import BreakEven, OptionCost
from promptwise.escalation.evidence import PromptEvidence
from promptwise.escalation.history import CaseHistory
from promptwise.escalation.render.outline import REPORT_CASES


def _case(case: CaseHistory) -> dict[str, Any]:
    record = case.latest_failure or case.latest
    return {
        "case": case.case,
        "title": case.title,
        "category": case.category,
        "category_source": case.category_source,
        "category_reasons": list(case.category_reasons),
        "remedy": case.remedy.value,
        "failing_now": case.failing_now,
        "failed_versions": case.failed_versions,
        "streak": case.streak,
        "first_failed": case.first_failed.index if case.first_failed else None,
        "fixed_at": case.fixed_at.index if case.fixed_at else None,
        "failing_since": case.since.index if case.since else None,
        "regressed": case.regressed,
        "edits_near_subject": case.targeted,
        "edits_known": case.targeted_of,
        "statuses": ["not-run" if s is None else ("pass" if s else "fail") for s in case.statuses],
        "input": case.latest.input,
        "expected": case.latest.expected,
        "output": record.output,
        "reason": record.reason,
        "log": str(record.location),
    }


def _option(option: OptionCost, data: BreakEven) -> dict[str, Any]:
    return {
        "name": option.name,
        "model": option.model,
        "input_tokens": option.input_tokens,
        "output_tokens": option.output_tokens,
        "cost_per_call": option.per_call,
        "fixed_cost_per_day": option.fixed_per_day,
        "cost_per_day": {str(v): option.per_day(v) for v in data.volumes},
        "price_row": {
            "id": option.row.id,
            "origin": option.row.origin,
            "source": option.row.source,
            "as_of": option.row.as_of,
            "input": option.row.input,
            "output": option.row.output,
            "training": option.row.training,
            "fine_tuned": option.row.fine_tuned,
        },
    }


def as_json(ev: PromptEvidence) -> dict[str, Any]:
    advice = ev.advice
    history = ev.history
    data = ev.break_even
    cost: dict[str, Any] | None = None
    if data is not None:
        cost = {
            "calls_per_day": data.calls_per_day,
            "volumes": list(data.volumes),
            "options": [_option(o, data) for o in data.options],
            "few_shot_tokens_removed": data.few_shot_tokens,
            "training": None
            if data.training is None
            else {
                "examples": data.training.examples,
                "examples_basis": data.training.examples_basis,
                "tokens_per_example": data.training.tokens_per_example,
                "epochs": data.training.epochs,
                "price_per_million": data.training.price_per_million,
                "cost": data.training.cost,
                "retrain_days": data.training.retrain_days,
                "cost_per_day": data.training.per_day,
            },
            "break_even_vs_prompt": data.vs_prompt,
            "break_even_vs_rag": data.vs_rag,
            "notes": list(data.notes),
        }
    listed = history.largest(history.cases, REPORT_CASES)
    return {
        "path": ev.path,
        "verdict": advice.verdict.value,
        "headline": advice.headline,
        "summary": advice.summary,
        "recommendations": [
            {
                "remedy": r.remedy.value,
                "categories": list(r.categories),
                "cases": [c.title for c in r.cases[:REPORT_CASES]],
                "text": r.text,
                "first_step": r.first_step,
            }
            for r in advice.recommendations
        ],
        "threshold": advice.threshold,
        "min_experiments": advice.min_experiments,
        "experiments": advice.experiments,
        "versions": [
            {
                "iteration": v.index,
                "key": v.key,
                "label": v.label,
                "timestamp": v.timestamp,
                "results": v.results,
                "failures": v.failures,
            }
            for v in history.versions
        ],
        "matched_by": ev.matched_by,
        "edited_since_last_eval": ev.edited_since_last_eval,
        "cases": [_case(c) for c in listed],
        "cases_omitted": len(history.cases) - len(listed),
        "persistent": [c.title for c in history.largest(history.persistent, REPORT_CASES)],
        "persistent_count": len(history.persistent),
        "data_readiness": {
            "in_logs": advice.readiness.in_logs,
            "in_dataset": advice.readiness.in_dataset,
            "dataset": advice.readiness.dataset,
            "level": advice.readiness.level.value,
            "text": advice.readiness.sentence(),
        },
        "cost": cost,
        "cost_note": ev.cost_note,
        "sources": list(history.sources),
        "warnings": [
            {"location": str(w.location), "message": w.message, "count": w.count}
            for w in ev.warnings
        ],
    }
