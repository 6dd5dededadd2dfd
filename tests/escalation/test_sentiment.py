"""A sentiment classifier with no examples, 32 real promptfoo iterations (issue 15, done-when).

Sarcastic praise and a German review fail in every version. The checks are
`icontains "negative"`: a label, not a fact, so the advice is worked examples
first, then fine-tuning — never RAG — and it escalates at 30 iterations, not 29.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from promptwise.escalation import PromptEvidence, Remedy, Verdict
from promptwise.escalation.breakeven import SMALL
from promptwise.escalation.render import render
from tests.conftest import DATA
from tests.escalation.conftest import evidence_with, settings

FIXTURE = DATA / "promptfoo-sentiment"
PROMPT = FIXTURE / "prompts" / "sentiment.txt"
RESULTS = sorted((FIXTURE / "results").glob("iter*.json"))
FAILING = {"sarcastic praise", "review in German"}


def _evidence(folder: Path = FIXTURE, **escalation: object) -> PromptEvidence:
    return evidence_with(settings(folder, logs=("results/*.json",), **escalation), PROMPT)


def _first(tmp_path: Path, count: int) -> Path:
    (tmp_path / "results").mkdir()
    for path in RESULTS[:count]:
        shutil.copy(path, tmp_path / "results" / path.name)
    return tmp_path


def test_the_fixture_is_32_real_promptfoo_evals() -> None:
    assert len(RESULTS) == 32
    ev = _evidence()
    assert ev.history.experiments == 32
    assert {c.title for c in ev.history.persistent} == FAILING
    assert all(c.failed_versions == 32 for c in ev.history.persistent)


def test_label_checks_on_sarcasm_and_another_language_are_behaviour_not_knowledge() -> None:
    cases = {c.title: c for c in _evidence().history.persistent}
    for title in FAILING:
        assert cases[title].category == "behaviour", title
        assert cases[title].remedy is Remedy.FINE_TUNE
    german = " ".join(cases["review in German"].category_reasons)
    assert "expects the label `negative`, which the prompt names" in german
    assert "the model answered `neutral`" in german
    assert "the input is in German; the prompt shows only English" in german
    sarcasm = " ".join(cases["sarcastic praise"].category_reasons)
    assert "the model answered `positive`" in sarcasm


def test_the_advice_is_examples_first_then_fine_tuning_never_rag() -> None:
    ev = _evidence()
    advice = ev.advice
    assert advice.verdict is Verdict.ESCALATE
    assert advice.recommends(Remedy.RAG) is None
    (rec,) = advice.recommendations
    assert rec.remedy is Remedy.FINE_TUNE and rec.categories == ("behaviour",)
    assert rec.first_step is not None and rec.first_step.startswith("First, worked examples")
    report = render(ev, "markdown")
    assert "RAG for" not in advice.headline and "worked examples first" in advice.headline
    assert report.index("First, worked examples") < report.index("Then fine-tune for behaviour")
    assert "it expects the label `negative`, which the prompt names" in report


@pytest.mark.parametrize(
    ("count", "verdict"), [(29, Verdict.KEEP_PROMPTING), (30, Verdict.ESCALATE)]
)
def test_it_escalates_at_30_iterations_not_29(tmp_path: Path, count: int, verdict: Verdict) -> None:
    ev = _evidence(_first(tmp_path, count))
    assert ev.history.experiments == count
    assert ev.advice.verdict is verdict
    if verdict is Verdict.KEEP_PROMPTING:
        assert "below the 30-iteration threshold" in ev.advice.headline


def test_a_small_tuned_model_breaks_even_well_below_2_000_000_calls_a_day() -> None:
    ev = _evidence()
    data = ev.break_even
    assert data is not None and data.fine_tuned is not None
    small = data.tuned[0]
    assert small.option.name == SMALL and small.option.model == "ft:gpt-4.1-nano"
    # One-word labels: the logged outputs give the output length, not the 400 default.
    assert data.prompt.output_tokens == 1
    assert small.vs_prompt is not None and small.vs_prompt < 2_000_000
    assert small.option.per_day(2_000_000) < data.prompt.per_day(2_000_000) / 10
    report = render(ev, "text")
    assert "fine-tuned (ft:gpt-4.1-nano)" in report
    assert "at 2,000,000 calls a day it saves" in report


def test_the_worked_example_fix_inserts_the_failing_input_and_its_label(tmp_path: Path) -> None:
    from promptwise.analysis import analyze
    from promptwise.document.parse import parse_document
    from promptwise.escalation import logs_for
    from promptwise.findings import apply_edits

    config = settings(_first(tmp_path, 29), logs=("results/*.json",))
    text = PROMPT.read_text(encoding="utf-8")
    document = parse_document(text, str(PROMPT))
    analysis = analyze(document, config, logs=logs_for(document, config))
    sarcasm = next(
        f for f in analysis.findings if f.code == "PW901" and "sarcastic praise" in f.message
    )
    example = sarcasm.fixes[0]
    result = apply_edits(text, example.edits)
    review = "Oh great, another update that deletes all my playlists. Just what I needed."
    assert f"{review}\n" in result
    after = result[result.index(review) + len(review) :]
    assert after.split("\n")[1].endswith(": negative")  # not `an answer that must include`
    assert "must include" not in result
