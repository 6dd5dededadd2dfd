"""The promptfoo fixture: 35 iterations of a support FAQ prompt (see tests/data/promptfoo).

Two knowledge cases and a style case fail in every iteration; the empty-question
case is fixed by a prompt rule at iteration 12 and the JSON case at iteration 8.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from promptwise.escalation import PromptEvidence, Remedy, Verdict
from tests.escalation.conftest import (
    EMPTY,
    JSON_CASE,
    KNOWLEDGE,
    STYLE,
    evidence,
    titles,
)


def _by_title(ev: PromptEvidence) -> dict[str, Any]:
    return {c.title: c for c in ev.history.cases}


def test_knowledge_and_style_cases_persist_over_35_versions() -> None:
    ev = evidence(logs=("results/*.json",))
    assert len(ev.history.versions) == 35
    assert ev.history.experiments == 35  # prompt versions; 175 case results
    assert titles(ev.history.persistent) == {*KNOWLEDGE, STYLE}
    for case in ev.history.persistent:
        assert case.failed_versions == 35
        assert case.streak == 35
        assert case.first_failed is not None and case.first_failed.index == 1
    cases = _by_title(ev)
    assert {cases[t].category for t in KNOWLEDGE} == {"knowledge"}
    assert cases[STYLE].category == "style"


def test_escalation_recommends_rag_for_knowledge_and_fine_tuning_for_style() -> None:
    ev = evidence(logs=("results/*.json",))
    advice = ev.advice
    assert advice.verdict is Verdict.ESCALATE
    rag = advice.recommends(Remedy.RAG)
    tune = advice.recommends(Remedy.FINE_TUNE)
    assert rag is not None and titles(rag.cases) == set(KNOWLEDGE)
    assert tune is not None and titles(tune.cases) == {STYLE}
    assert tune.categories == ("style",)
    # The support prompt has no worked example: examples come first, then fine-tuning
    # (structured output is named for format failures only).
    assert tune.first_step is not None and tune.first_step.startswith("First, worked examples")
    assert "structured output" not in tune.first_step
    assert tune.text.startswith("Then fine-tune for style")
    assert "Collect data first" in tune.text  # 2 labeled examples, far below 50
    assert ev.advice.summary == (
        "3 cases failing for 35 iterations — knowledge → consider RAG; "
        "style → add worked examples, then consider fine-tuning"
    )
    assert advice.headline.startswith("Escalate: 3 cases still failing after 35 iterations")


def test_empty_question_and_json_cases_were_fixed_by_prompt_rules() -> None:
    ev = evidence(logs=("results/*.json",))
    cases = _by_title(ev)
    assert titles(ev.history.resolved) == {EMPTY, JSON_CASE}
    empty, envelope = cases[EMPTY], cases[JSON_CASE]
    assert not empty.failing_now and not envelope.failing_now
    assert empty.fixed_at is not None and empty.fixed_at.index == 12
    assert envelope.fixed_at is not None and envelope.fixed_at.index == 8
    assert empty.failed_versions == 11 and envelope.failed_versions == 7
    assert empty.category == "edge-case" and envelope.category == "format"


def test_first_29_iterations_escalate_nothing_but_advise_with_29(first_29: Path) -> None:
    ev = evidence(logs=(str(first_29 / "*.json"),))
    advice = ev.advice
    assert len(ev.history.versions) == 29
    assert advice.verdict is Verdict.KEEP_PROMPTING
    assert advice.recommendations == ()
    assert not any(item.escalate for item in advice.cases)
    assert titles(c.case for c in advice.cases) == {*KNOWLEDGE, STYLE}
    for item in advice.cases:
        assert "failing for 29 iterations" in item.action
    assert ev.advice.summary is not None and "29" in ev.advice.summary
    assert "29" in advice.headline and "below the 30-iteration threshold" in advice.headline


def test_database_and_json_files_give_the_same_analysis() -> None:
    def projection(ev: PromptEvidence) -> tuple[Any, ...]:
        history = ev.history
        return (
            [(v.index, v.key, v.timestamp, v.results, v.failures) for v in history.versions],
            sorted(
                (
                    c.case,
                    c.category,
                    c.category_source,
                    c.statuses,
                    c.failed_versions,
                    c.fixed_at.index if c.fixed_at else None,
                )
                for c in history.cases
            ),
            history.experiments,
            history.labeled_examples,
            ev.advice.verdict,
            ev.advice.headline,
            ev.advice.summary,
        )

    from_json = evidence(logs=("results/*.json",))
    from_db = evidence(promptfoo_db="promptfoo.db")
    assert projection(from_json) == projection(from_db)
    both = evidence(logs=("results/*.json",), promptfoo_db="promptfoo.db")
    assert both.history.experiments == 35  # the same evals read twice count once


def test_a_changed_threshold_changes_the_outcome(first_29: Path) -> None:
    assert (
        evidence(logs=("results/*.json",), iteration_threshold=35).advice.verdict
        is Verdict.ESCALATE
    )
    higher = evidence(logs=("results/*.json",), iteration_threshold=36)
    assert higher.advice.verdict is Verdict.KEEP_PROMPTING
    assert "escalate at 36" in (higher.advice.summary or "")
    lower = evidence(logs=(str(first_29 / "*.json"),), iteration_threshold=20, min_experiments=20)
    assert lower.advice.verdict is Verdict.ESCALATE


def test_too_few_experiments_make_escalation_premature() -> None:
    ev = evidence(logs=("results/*.json",), min_experiments=200)
    assert ev.advice.verdict is Verdict.PREMATURE
    assert ev.advice.recommendations == ()
    assert "only 35 experiments" in ev.advice.headline


def test_versions_are_hashes_of_the_template_text_in_time_order() -> None:
    ev = evidence(logs=("results/*.json",))
    versions = ev.history.versions
    assert len({v.key for v in versions}) == 35
    stamps = [v.timestamp or 0.0 for v in versions]
    assert stamps == sorted(stamps) and all(stamps)
    first = versions[0].template or ""
    assert first.startswith("You are the support assistant") and "Revision" not in first
    assert "Revision 35" in (versions[-1].template or "")
    assert ev.current_version is versions[-1]  # the prompt file holds iteration 35's text
    assert not ev.edited_since_last_eval


def test_logs_are_tied_to_the_file_by_text_else_by_path_suffix(first_29: Path) -> None:
    assert evidence(logs=("results/*.json",)).matched_by == "text"
    older = evidence(logs=(str(first_29 / "*.json"),))
    # The logged path is /tmp/pfdev/prompts/support_faq.txt, from another machine; the
    # file has moved on since iteration 29, so only the end of the path ties them.
    assert older.matched_by == "path suffix"
    assert older.edited_since_last_eval
