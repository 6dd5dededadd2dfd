"""Category from evidence (issue 15): stated, weighed, explained; echo results never count."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from promptwise.escalation import EscalationStore, PromptEvidence
from promptwise.escalation.categories import CaseEvidence, PromptShape, decide, language_of
from promptwise.escalation.records import Assertion
from promptwise.escalation.render import render
from tests.escalation.conftest import PROMPT, RESULTS, evidence_with, settings

CLASSIFIER = "Label the review as positive, negative or neutral.\nReview: {{review}}\n"


def _native(tmp_path: Path, rows: Sequence[Mapping[str, object]]) -> PromptEvidence:
    prompt = tmp_path / "p.txt"
    prompt.write_text(CLASSIFIER)
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return evidence_with(settings(tmp_path, logs=("log.jsonl",)), prompt)


def test_a_fact_the_prompt_lacks_is_knowledge_a_label_it_names_is_behaviour() -> None:
    shape = PromptShape(text=CLASSIFIER.lower(), labels=("positive", "negative", "neutral"))
    fact = CaseEvidence(assertions=(Assertion("icontains", "45 days", False),), output="30 days")
    label = CaseEvidence(assertions=(Assertion("icontains", "negative", False),), output="positive")
    assert decide(fact, shape).category == "knowledge"
    assert decide(fact, shape).reasons[0].startswith("it expects `45 days`, a fact")
    decision = decide(label, shape)
    assert (decision.category, decision.source) == ("behaviour", "expected")
    # Without the prompt, a short answer where another label was expected is still a mismatch.
    assert decide(label).category == "behaviour"


def test_the_language_of_an_input_the_prompt_never_shows() -> None:
    assert language_of("Das Gerät ist kaputt und der Kundendienst antwortet nicht.") == "German"
    assert language_of("Le produit est cassé et le service ne répond pas.") == "French"
    assert language_of("Это ужасный продукт") == "Cyrillic"
    assert language_of("The lid cracked and it is not fixed.") == "English"
    case = CaseEvidence(input="El producto no funciona y es muy caro para lo que es.")
    decision = decide(case, PromptShape(text="classify", language="English"))
    assert decision.category == "behaviour"
    assert "the input is in Spanish; the prompt shows only English" in decision.reasons


def test_a_stated_category_overrides_the_evidence_over_all_records(tmp_path: Path) -> None:
    rows = [
        {
            "prompt": "p.txt",
            "version": v,
            "case": "tricky",
            "passed": False,
            "assertion": "icontains",
            "expected": "negative",
            "output": "positive",
            **({"category": "knowledge"} if v == 1 else {}),  # stated once, on an old record
        }
        for v in range(1, 4)
    ]
    (case,) = _native(tmp_path, rows).history.cases
    assert (case.category, case.category_source) == ("knowledge", "log")


def test_an_unknown_category_spelling_is_a_warning_naming_the_line(tmp_path: Path) -> None:
    rows = [
        {"prompt": "p.txt", "version": 1, "case": "a", "passed": False, "category": "knowledge"},
        {"prompt": "p.txt", "version": 2, "case": "a", "passed": False, "category": "knowlege"},
    ]
    ev = _native(tmp_path, rows)
    (warning,) = [w for w in ev.warnings if "unknown category" in w.message]
    assert str(warning).startswith("log.jsonl:2: unknown category `knowlege`")
    assert "knowledge, format, style, behaviour" in warning.message
    (case,) = ev.history.cases
    assert case.category == "knowledge"  # decided over all records; the typo is not "other"


def test_promptfoo_metadata_category_overrides(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    data = json.loads(RESULTS[-1].read_text(encoding="utf-8"))
    for result in data["results"]["results"]:
        if result["testCase"]["description"].startswith("refund window"):
            result["testCase"]["metadata"] = {"category": "format"}
    (tmp_path / "results" / "r.json").write_text(json.dumps(data))
    shutil.copy(PROMPT, tmp_path / "p.txt")
    ev = evidence_with(settings(tmp_path, logs=("results/*.json",)), tmp_path / "p.txt")
    refund = next(c for c in ev.history.cases if c.title.startswith("refund window"))
    assert (refund.category, refund.category_source) == ("format", "log")


def test_the_echo_provider_is_not_a_model(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    data = json.loads(RESULTS[-1].read_text(encoding="utf-8"))
    echoed = json.loads(json.dumps(data))
    echoed["evalId"] = "echo-run"
    for result in echoed["results"]["results"]:
        result["provider"] = {"id": "echo", "label": "echo"}
        result["response"]["output"] = result["prompt"]["raw"]
        result["success"] = False
    (tmp_path / "results" / "real.json").write_text(json.dumps(data))
    (tmp_path / "results" / "echo.json").write_text(json.dumps(echoed))
    shutil.copy(PROMPT, tmp_path / "p.txt")
    config = settings(tmp_path, logs=("results/*.json",))
    found = EscalationStore(config).logs_for(str(tmp_path / "p.txt"))
    assert found is not None
    assert found.history.results == 5  # the real eval only
    assert found.history.labeled_examples == 2  # as without the echo run
    assert any("`echo` provider" in w.message for w in found.warnings)
    # A provider that hands the prompt back is caught by its output alone.
    for result in echoed["results"]["results"]:
        result["provider"] = {"id": "file://parrot.py"}
    (tmp_path / "results" / "echo.json").write_text(json.dumps(echoed))
    again = EscalationStore(config).logs_for(str(tmp_path / "p.txt"))
    assert again is not None and again.history.results == 5


def test_the_report_shows_why_each_case_has_its_category() -> None:
    from tests.escalation.conftest import evidence

    report = render(evidence(logs=("results/*.json",)), "markdown")
    assert "- `refund window (knowledge)` is knowledge: its description is tagged (knowledge)" in (
        report
    )
