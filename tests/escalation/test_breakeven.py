"""The cost comparison, checked by hand on a prompt with one few-shot example.

Prompt: 38 tokens (o200k), of which the <example> block is 20, so the fine-tuned
prompt is 18 tokens. Output: 12 tokens (`expected_output_tokens`). Prices (USD per
1M tokens), from an inline table: input 2, output 8; fine-tuned input 1, output 4,
training 20. RAG adds 1,000 tokens per call; 3 epochs; retrained every 30 days.

    prompt only  (38 x 2 + 12 x 8) / 1M          = 172 / 1M  = $0.000172 per call
    RAG          ((38 + 1000) x 2 + 12 x 8) / 1M = 2172 / 1M = $0.002172 per call
    fine-tuned   (18 x 1 + 12 x 4) / 1M          = 66 / 1M   = $0.000066 per call
    training     500 examples x (18 + 12) tokens x 3 epochs x 20 / 1M = $0.90
                 / 30 days = $0.03 a day
    break-even vs prompt only: 0.03 / (0.000172 - 0.000066) = 283.02 calls a day
    break-even vs RAG:         0.03 / (0.002172 - 0.000066) = 14.245 calls a day
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from promptwise.analysis import analyze
from promptwise.config import EscalationSettings, Settings
from promptwise.document.parse import parse_document
from promptwise.escalation import EscalationStore, PromptEvidence
from promptwise.escalation.breakeven import SAME, SMALL, round_volume
from promptwise.escalation.render import render
from tests.escalation.conftest import evidence_with

PROMPT = """Classify the support ticket below as billing, shipping or other.

<example>
Ticket: I was charged twice for one order.
Label: billing
</example>

Ticket: {{ticket}}
"""
PRICES = {
    "models": [
        {
            "id": "acme-chat",
            "provider": "acme",
            "input": 2.0,
            "output": 8.0,
            "context_window": 100_000,
            "encoding": "o200k_base",
            "approximate": False,
            "source": "test table",
            "as_of": "2025-01-01",
            "fine_tune": {"training": 20.0, "input": 1.0, "output": 4.0},
        }
    ]
}


def _evidence(tmp_path: Path, dataset: int | None = None) -> PromptEvidence:
    return evidence_with(_settings(tmp_path, dataset), tmp_path / "classify.prompt.md")


def _settings(tmp_path: Path, dataset: int | None = None) -> Settings:
    """The prompt, its log (and dataset) written to ``tmp_path``; settings to price them."""
    prompt = tmp_path / "classify.prompt.md"
    prompt.write_text(PROMPT, encoding="utf-8")
    log = tmp_path / "evals.jsonl"
    rows = [
        {
            "prompt": "classify.prompt.md",
            "version": v,
            "case": "double charge",
            "passed": False,
            "input": "charged twice",
            "expected": "billing",
        }
        for v in range(1, 4)
    ]
    log.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    escalation = EscalationSettings(
        logs=("evals.jsonl",), rag_context_tokens=1000, epochs=3, retrain_days=30
    )
    if dataset is not None:
        data = tmp_path / "train.jsonl"
        data.write_text(
            "".join('{"input": "x", "output": "y"}\n' for _ in range(dataset)), encoding="utf-8"
        )
        escalation = dataclasses.replace(escalation, dataset="train.jsonl")
    return Settings(
        root=str(tmp_path),
        model="acme-chat",
        expected_output_tokens=12,
        calls_per_day=1000,
        pricing=(PRICES,),
        escalation=escalation,
    )


def test_break_even_arithmetic_by_hand(tmp_path: Path) -> None:
    data = _evidence(tmp_path).break_even
    assert data is not None
    assert (data.prompt.input_tokens, data.prompt.output_tokens) == (38, 12)
    assert data.few_shot_tokens == 20
    assert data.fine_tuned is not None and data.fine_tuned.input_tokens == 18
    assert data.rag.input_tokens == 1038
    assert data.prompt.per_call == pytest.approx(0.000172)
    assert data.rag.per_call == pytest.approx(0.002172)
    assert data.fine_tuned.per_call == pytest.approx(0.000066)
    training = data.training
    assert training is not None
    assert (training.examples, training.tokens_per_example, training.epochs) == (500, 30, 3)
    assert training.cost == pytest.approx(0.90)
    assert training.per_day == pytest.approx(0.03)
    assert data.vs_prompt == pytest.approx(283.0189, rel=1e-5)
    assert data.vs_rag == pytest.approx(14.2450, rel=1e-4)
    assert data.vs_prompt is not None and round_volume(data.vs_prompt) == 290
    # Daily cost at the user's volume and at the three reference volumes.
    assert data.volumes == (1000, 20_000, 200_000, 2_000_000)
    assert data.prompt.per_day(20_000) == pytest.approx(3.44)
    assert data.rag.per_day(20_000) == pytest.approx(43.44)
    assert data.fine_tuned.per_day(20_000) == pytest.approx(1.35)
    assert data.fine_tuned.per_day(1000) == pytest.approx(0.096)
    assert data.cheapest(100).name == "prompt only"
    assert data.cheapest(2_000_000).name == "fine-tuned"
    # Every number names its price row.
    assert data.prompt.row.id == "acme-chat" and data.prompt.row.origin == "config"
    assert data.fine_tuned.row.fine_tuned and data.fine_tuned.row.training == 20.0


def test_a_dataset_larger_than_the_production_minimum_is_what_gets_trained(tmp_path: Path) -> None:
    ev = _evidence(tmp_path, dataset=800)
    assert ev.advice.readiness.in_dataset == 800
    training = ev.break_even.training if ev.break_even else None
    assert training is not None
    # 1 labeled input in the log (the same case in 3 versions) + 800 in the dataset.
    assert training.examples == 801
    assert training.cost == pytest.approx(801 * 30 * 3 * 20 / 1e6)


def test_fine_tuning_that_costs_more_per_call_never_breaks_even_against_the_prompt() -> None:
    from tests.escalation.conftest import evidence

    ev = evidence(logs=("results/*.json",))  # gpt-4o: tuned calls cost 1.5x
    data = ev.break_even
    assert data is not None
    same = next(t for t in data.tuned if t.option.name == SAME)
    assert same.option.model == "ft:gpt-4o" and same.vs_prompt is None
    assert "Fine-tuned `ft:gpt-4o`: **never pays on cost against prompt only**" in render(
        ev, "markdown"
    )


def test_fine_tuning_is_priced_on_the_cheapest_tunable_model_of_the_provider() -> None:
    from tests.escalation.conftest import evidence

    ev = evidence(logs=("results/*.json",))
    data = ev.break_even
    assert data is not None and data.fine_tuned is not None
    # The cheapest tuned OpenAI call that fits; the same-model row is kept beside it.
    assert data.fine_tuned.model == "ft:gpt-4.1-nano"
    assert [t.option.name for t in data.tuned] == [SMALL, SAME]
    # The reduced prompt: the task line and the question line, not 521 tokens.
    assert data.fine_tuned.input_tokens < 30 < data.prompt.input_tokens
    # The task's real output length: the median of the logged outputs, not 400.
    assert data.prompt.output_tokens == data.fine_tuned.output_tokens < 40
    assert "median of 5 logged outputs" in data.output_basis
    assert data.vs_prompt is not None
    report = render(ev, "text")
    assert "1,000 (default calls_per_day)" in report and "(yours)" not in report
    for volume in ("20,000", "200,000", "2,000,000"):
        assert f"  {volume}  " in report
    assert (
        "bundled price table, source https://openai.com/api/pricing/, prices as of 2025-11-01"
        in report
    )


def test_a_model_without_a_published_training_price_is_priced_without_it(tmp_path: Path) -> None:
    from tests.escalation.conftest import evidence_with
    from tests.escalation.conftest import settings as make

    table = tmp_path / "prices.yaml"
    table.write_text(
        "models:\n"
        "  - id: acme-tiny\n"
        "    provider: openai\n"
        "    input: 0.01\n"
        "    output: 0.02\n"
        "    context_window: 8000\n"
        "    fine_tune: {training: null, input: 0.01, output: 0.02}\n"
        "    source: https://example.invalid/acme\n"
        '    as_of: "2026-01-01"\n'
    )
    config = make(logs=("results/*.json",)).replace(pricing=(str(table),))
    ev = evidence_with(config)
    data = ev.break_even
    assert data is not None and data.fine_tuned is not None
    assert data.fine_tuned.model == "ft:acme-tiny"
    assert data.training is not None and data.training.price_per_million is None
    assert data.training.cost == 0 and data.vs_prompt is not None
    report = render(ev, "text")
    assert "no published training price" in report
    assert "break-even is shown without the training cost" in report


def test_an_unknown_model_gives_a_note_instead_of_costs() -> None:
    from tests.escalation.conftest import FIXTURE, PROMPT
    from tests.escalation.conftest import settings as make

    settings = make(logs=("results/*.json",)).replace(model="no-such-model-x")
    ev = evidence_with(settings, PROMPT)
    assert ev.break_even is None
    assert ev.cost_note is not None and "no-such-model-x" in ev.cost_note
    assert FIXTURE.is_dir()


def test_the_evidence_prices_the_tokens_and_model_the_analysis_counted(tmp_path: Path) -> None:
    """Built inside ``analyze`` from its counts: the advice and the cost lens agree."""
    settings = _settings(tmp_path)
    prompt = tmp_path / "classify.prompt.md"
    document = parse_document(prompt.read_text(encoding="utf-8"), str(prompt))
    logs = EscalationStore(settings).logs_for(str(prompt), document=document)
    analysis = analyze(document, settings, logs=logs)
    assert analysis.escalation is not None and analysis.escalation.model == "acme-chat"
    data = analysis.escalation.break_even
    assert data is not None and data.prompt.input_tokens == analysis.tokens.total
    assert data.prompt.output_tokens == analysis.output_tokens
    assert analysis.cost is not None
    assert data.prompt.per_call == pytest.approx(analysis.cost.cost_per_call)
