"""PW9xx findings: where they sit, what they say, their quick fixes, and their docs."""

from __future__ import annotations

import json
from pathlib import Path

from promptwise.analysis import Analysis, analyze, analyze_text
from promptwise.config import Settings
from promptwise.document.parse import parse_document
from promptwise.escalation import logs_for
from promptwise.findings import apply_edits
from promptwise.rules.checks import first_body_line
from promptwise.rules.loader import load_rules
from tests.escalation.conftest import KNOWLEDGE, PROMPT, STYLE, settings

RULES = {r.code: r for r in load_rules().rules if r.code.startswith("PW9")}


def _analyse(s: Settings, text: str | None = None, path: Path = PROMPT) -> Analysis:
    doc = parse_document(text if text is not None else path.read_text(), str(path))
    return analyze(doc, s, logs=logs_for(doc, s))


def _codes(analysis: Analysis) -> list[str]:
    return [f.code for f in analysis.findings if f.code.startswith("PW9")]


def test_past_the_threshold_rag_and_fine_tuning_are_warnings_at_the_top() -> None:
    analysis = _analyse(settings(logs=("results/*.json",)))
    found = {f.code: f for f in analysis.findings if f.code.startswith("PW9")}
    assert sorted(found) == ["PW902", "PW903"]
    top = first_body_line(analysis.document)
    for finding in found.values():
        assert finding.span == top and finding.severity.value == "warning"
    rag, tune = found["PW902"], found["PW903"]
    assert rag.message.startswith("2 knowledge cases failing for 35 iterations (threshold 30)")
    assert all(name in rag.message for name in KNOWLEDGE) and "consider RAG" in rag.message
    assert "+$3.75/day at 1,000 calls" in rag.message
    assert f"`{STYLE}`" in tune.message and "consider fine-tuning" in tune.message
    assert "collect data first" in tune.message
    assert "structured output" not in tune.message
    assert rag.related and rag.related[0].path.startswith("results/iter35.json")


def test_below_the_threshold_each_case_gets_pw901_with_two_fixes(first_29: Path) -> None:
    analysis = _analyse(settings(logs=(str(first_29 / "*.json"),)))
    hits = [f for f in analysis.findings if f.code.startswith("PW9")]
    assert {f.code for f in hits} == {"PW901"}
    assert len(hits) == 3
    for finding in hits:
        assert "has failed for 29 iterations (since iteration 1)" in finding.message
        assert finding.severity.value == "info"
        example, rule = finding.fixes
        assert example.title.startswith("Add case `") and "worked example" in example.title
        assert rule.title.startswith("Add a rule for case `")
        assert not any(fix.safe for fix in finding.fixes)
    refund = next(f for f in hits if "refund window" in f.message)
    example, rule = refund.fixes
    text = analysis.document.text
    with_example = apply_edits(text, example.edits)
    assert (
        "<example>\nQuestion: How long is the refund window?\nAnswer: 45 days\n</example>"
    ) in with_example  # the expected output as the test states it (`icontains: 45 days`)
    assert "${1:45 days}" in example.edits[0].new_text  # selected, to type a fuller answer
    with_rule = apply_edits(text, rule.edits)
    assert (
        'When the input is "How long is the refund window?", the reply must include "45 days".'
    ) in with_rule
    style = next(f for f in hits if "no apology" in f.message)
    assert 'Never write "sorry" in a reply.' in apply_edits(text, style.fixes[1].edits)
    assert refund.data["input"] == "How long is the refund window?"


def test_the_example_fix_follows_the_prompts_own_examples(first_29: Path) -> None:
    s = settings(logs=(str(first_29 / "*.json"),))
    tagged = (
        "Answer the customer question below.\n\n<example>\nQuestion: Do you ship?\n"
        "Answer: Yes, to 40 countries.\n</example>\n\nQuestion: {{question}}\n"
    )
    analysis = _analyse(s, tagged)
    refund = next(f for f in analysis.findings if f.code == "PW901" and "refund" in f.message)
    result = apply_edits(tagged, refund.fixes[0].edits)
    assert result.count("<example>") == 2
    assert result.index("How long is the refund window?") > result.index("Do you ship?")
    assert result.rstrip().endswith("Question: {{question}}")


def test_a_threshold_past_reasoning_case_stays_a_prompt_problem(tmp_path: Path) -> None:
    prompt = tmp_path / "math.txt"
    prompt.write_text("Solve the word problem below.\nProblem: {{problem}}\n")
    rows = [
        {
            "prompt": "math.txt",
            "version": v,
            "case": "trains",
            "passed": False,
            "category": "reasoning",
            "input": "Two trains...",
        }
        for v in range(1, 61)
    ]
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    analysis = _analyse(settings(tmp_path, logs=("log.jsonl",)), path=prompt)
    (finding,) = [f for f in analysis.findings if f.code.startswith("PW9")]
    assert finding.code == "PW901"
    assert "neither RAG nor fine-tuning" in finding.message


def test_premature_escalation_stays_pw901() -> None:
    analysis = _analyse(settings(logs=("results/*.json",), min_experiments=500))
    assert set(_codes(analysis)) == {"PW901"}
    assert all("only 35 experiments" in f.message for f in analysis.findings if f.code == "PW901")


def test_no_logs_no_findings() -> None:
    assert _codes(analyze_text(PROMPT.read_text(), str(PROMPT), Settings())) == []


def test_skipped_records_are_reported(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "broken.json").write_text('{"results": {"results": [')
    analysis = _analyse(
        settings(
            tmp_path,
            logs=(
                str(Path(__file__).parents[1] / "data" / "promptfoo" / "results" / "*.json"),
                "logs/*.json",
            ),
        )
    )
    (finding,) = [f for f in analysis.findings if f.code == "PW904"]
    assert "1 failure-log record or file could not be read" in finding.message
    assert "logs/broken.json:1" in finding.message


# -------------------------------------------------------------- rule docs


def test_every_pw9_rule_documents_itself() -> None:
    assert sorted(RULES) == ["PW901", "PW902", "PW903", "PW904"]
    for rule in RULES.values():
        page = rule.render_docs()
        assert "## What it does" in page and "## Use instead" in page
        assert rule.docs.options.strip()


def _docs_settings(tmp_path: Path, name: str, versions: int, case: str, category: str) -> Settings:
    rows = [
        {
            "prompt": name,
            "version": v,
            "case": case,
            "passed": False,
            "category": category,
            "input": "Do you ship abroad?",
        }
        for v in range(1, versions + 1)
    ]
    # A passing case too, so 40 versions log 80 experiments (over `min_experiments`).
    rows += [
        {"prompt": name, "version": v, "case": "greeting", "passed": True}
        for v in range(1, versions + 1)
    ]
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return settings(tmp_path, logs=("log.jsonl",))


def test_docs_examples_fire_given_logs(tmp_path: Path) -> None:
    cases = {"PW901": (12, "edge-case"), "PW902": (40, "knowledge"), "PW903": (40, "style")}
    for code, (versions, category) in cases.items():
        rule = RULES[code]
        folder = tmp_path / code
        folder.mkdir()
        s = _docs_settings(folder, rule.docs.filename, versions, "a case", category)
        analysis = _analyse(s, rule.docs.example, folder / rule.docs.filename)
        assert code in _codes(analysis), code


def test_pw904_docs_example_is_a_broken_log_and_better_is_not(tmp_path: Path) -> None:
    rule = RULES["PW904"]
    prompt = tmp_path / "prompts" / "ticket_summary.txt"
    prompt.parent.mkdir()
    prompt.write_text("Summarise the ticket below in two sentences.\nTicket: {{ticket}}\n")
    for name, log, fires in (("bad", rule.docs.example, True), ("good", rule.docs.better, False)):
        (tmp_path / f"{name}.jsonl").write_text(log)
        analysis = _analyse(settings(tmp_path, logs=(f"{name}.jsonl",)), path=prompt)
        assert ("PW904" in _codes(analysis)) is fires, name
