"""Categories, version order and case histories from native logs; the report renderers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from promptwise.escalation import PromptEvidence, Verdict
from promptwise.escalation.categories import CATEGORY_TABLE, canonical, infer, table_markdown
from promptwise.escalation.records import Assertion
from promptwise.escalation.render import render
from promptwise.escalation.render.chart import svg
from promptwise.escalation.render.json_format import as_json
from promptwise.escalation.render.markdown import hover as hover_markdown
from tests.escalation.conftest import evidence, evidence_with, settings


def _log(
    tmp_path: Path, rows: Sequence[Mapping[str, object]], text: str = "Answer briefly.\n"
) -> PromptEvidence:
    prompt = tmp_path / "p.txt"
    prompt.write_text(text)
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return evidence_with(settings(tmp_path, logs=("log.jsonl",)), prompt)


# ---------------------------------------------------------------- categories


@pytest.mark.parametrize(
    ("kind", "empty", "expected"),
    [
        ("icontains", False, "knowledge"),
        ("factuality", False, "knowledge"),
        ("context-faithfulness", False, "knowledge"),
        ("not-icontains", False, "style"),
        ("llm-rubric", False, "style"),
        ("is-json", False, "format"),
        ("regex", False, "format"),
        ("json-schema", False, "format"),
        ("icontains", True, "edge-case"),  # "contains" on an empty input tests its handling
        ("javascript", False, "reasoning"),
        ("moderation", False, "safety"),
    ],
)
def test_categories_from_assertion_types(kind: str, empty: bool, expected: str) -> None:
    found = infer(
        stated=None,
        description="a test",
        assertions=[Assertion(kind, "x", False)],
        reason=None,
        empty_input=empty,
    )
    assert found == (expected, "assertion" if found[0] != "edge-case" else "input")


def test_category_evidence_order() -> None:
    checks = [Assertion("is-json", None, False)]
    assert infer(
        stated="Facts", description="x (style)", assertions=checks, reason=None, empty_input=False
    ) == ("knowledge", "log")
    assert infer(
        stated=None, description="x (style)", assertions=checks, reason=None, empty_input=False
    ) == ("style", "description")
    assert infer(
        stated=None,
        description=None,
        assertions=[],
        reason="The answer hallucinated a policy",
        empty_input=False,
    ) == ("knowledge", "reason")
    assert infer(
        stated=None,
        description=None,
        assertions=[],
        reason="tone too apologetic",
        empty_input=False,
    ) == ("style", "reason")
    assert infer(stated=None, description=None, assertions=[], reason=None, empty_input=False) == (
        "other",
        "default",
    )
    assert canonical("Edge Case") == "edge-case" and canonical("nonsense") is None


def test_the_fixture_cases_infer_the_same_categories_without_their_tags() -> None:
    ev = evidence(logs=("results/*.json",))
    for case in ev.history.cases:
        record = case.latest_failure or case.latest
        inferred, _ = infer(
            stated=None,
            description=None,
            assertions=record.assertions,
            reason=record.reason,
            empty_input=all(not v for _, v in record.variables),
        )
        assert inferred == case.category, case.title


def test_the_category_table_is_one_table() -> None:
    names = [c.name for c in CATEGORY_TABLE]
    assert len(names) == len(set(names))
    kinds = [k for c in CATEGORY_TABLE for k in c.assertion_types]
    assert len(kinds) == len(set(kinds)), "an assertion type is in two categories"
    markdown = table_markdown()
    assert markdown.count("\n") == len(CATEGORY_TABLE) + 1


# --------------------------------------------------------------- native logs


def test_numeric_versions_without_timestamps_keep_log_order(tmp_path: Path) -> None:
    rows = [{"prompt": "p.txt", "version": v, "case": "c", "passed": v >= 3} for v in (1, 2, 3, 4)]
    ev = _log(tmp_path, rows)
    assert [v.label for v in ev.history.versions] == ["1", "2", "3", "4"]
    (case,) = ev.history.cases
    assert case.statuses == (False, False, True, True)
    assert case.fixed_at is not None and case.fixed_at.index == 3
    assert ev.advice.verdict is Verdict.CLEAN and ev.advice.summary is None


def test_timestamps_order_versions_and_the_latest_run_counts(tmp_path: Path) -> None:
    rows = [
        {
            "prompt": "p.txt",
            "version": "b",
            "case": "c",
            "passed": False,
            "timestamp": "2025-01-02T00:00:00Z",
        },
        {
            "prompt": "p.txt",
            "version": "a",
            "case": "c",
            "passed": False,
            "timestamp": "2025-01-01T00:00:00Z",
        },
        {
            "prompt": "p.txt",
            "version": "b",
            "case": "c",
            "passed": True,
            "timestamp": "2025-01-03T00:00:00Z",
        },  # a re-run of version b that passed
        {"prompt": "p.txt", "version": "b", "case": "d", "passed": False, "timestamp": 1735776000},
    ]
    ev = _log(tmp_path, rows)
    assert [v.label for v in ev.history.versions] == ["a", "b"]
    cases = {c.case: c for c in ev.history.cases}
    assert cases["c"].statuses == (False, True)
    assert cases["d"].statuses == (None, False)
    assert cases["d"].failed_versions == 1 and cases["d"].first_failed.index == 2  # type: ignore[union-attr]
    assert ev.history.experiments == 2  # prompt versions, not case-runs


def test_labeled_examples_count_distinct_inputs_with_an_answer(tmp_path: Path) -> None:
    rows = [
        {
            "prompt": "p.txt",
            "version": v,
            "case": f"c{i}",
            "passed": i == 0,
            "input": f"question {i}",
            "expected": "x" if i == 1 else None,
            "output": "fine",
        }
        for v in (1, 2)
        for i in range(3)
    ]
    ev = _log(tmp_path, rows)
    assert ev.history.labeled_examples == 2  # c0 passed with an output, c1 has a reference


def test_format_failures_name_structured_output_first(tmp_path: Path) -> None:
    rows = [
        {"prompt": "p.txt", "version": v, "case": case, "passed": False, "assertion": kind}
        for v in range(1, 41)
        for case, kind in (("envelope", "is-json"), ("tone", "llm-rubric"))
    ]
    ev = _log(tmp_path, rows)
    (rec,) = ev.advice.recommendations
    assert rec.categories == ("format", "style")
    assert rec.first_step is not None and "structured output" in rec.first_step
    # "Answer briefly." shows no example and states no format: both are said, in order.
    assert rec.first_step.index("worked examples") < rec.first_step.index("State the output")
    assert (
        ev.advice.summary
        == "2 cases failing for 40 iterations — format/style → add worked examples, then "
        "consider fine-tuning"
    )


# ------------------------------------------------------------------ reports


HOSTILE = "evil `case` <script>alert(1)</script> | [x](javascript:alert(1)) **bold**"


def test_log_text_is_never_markup(tmp_path: Path) -> None:
    rows = [
        {
            "prompt": "p.txt",
            "version": v,
            "case": HOSTILE,
            "passed": False,
            "reason": "<img src=x onerror=alert(1)> | pipe",
            "category": "knowledge",
        }
        for v in range(1, 41)
    ]
    rows += [{"prompt": "p.txt", "version": v, "case": "ok", "passed": True} for v in range(1, 41)]
    ev = _log(tmp_path, rows)
    markdown = render(ev, "markdown")
    # Inside a code span, markup is shown as text; everywhere else it must be escaped.
    prose = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", markdown)
    assert not re.search(r"(?<!\\)<(?:script|img)", prose)
    assert "](javascript:" not in prose and "**bold**" not in prose
    for line in markdown.splitlines():
        if line.startswith("| `evil"):
            assert line.count(" | ") == 5  # the pipes from the log are escaped
    html = render(ev, "html")
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    hover = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", hover_markdown(ev))
    assert not re.search(r"(?<!\\)<(?:script|img)", hover)


def test_the_renderers_over_the_evidence_the_language_server_shows() -> None:
    ev = evidence(logs=("results/*.json",))
    assert ev.advice.summary and ev.advice.summary.splitlines() == [ev.advice.summary]
    assert render(ev, "markdown").startswith("# Escalation advice:")
    assert json.loads(render(ev, "json")) == json.loads(json.dumps(as_json(ev)))
    hover = hover_markdown(ev)
    assert "Failing in the latest version (iteration 35)" in hover
    assert "passing since iteration 12" in hover and "passing since iteration 8" in hover
    assert len(ev.history.persistent) == 3
    for case in ev.history.persistent:
        assert case.latest.input and case.latest_failure is not None


def test_the_chart_marks_the_break_even() -> None:
    ev = evidence(logs=("results/*.json",), fine_tune_model="gpt-4o-mini")
    assert ev.break_even is not None and ev.break_even.vs_prompt is not None
    chart = svg(ev.break_even)
    root = ET.fromstring(chart)
    assert root.tag.endswith("svg")
    assert len(re.findall(r"<polyline", chart)) == len(ev.break_even.options)
    assert "fine-tuning cheaper than prompt only above" in chart
    assert "you: 1,000/day" in chart


def test_the_readme_shows_the_category_table_as_the_code_has_it() -> None:
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert table_markdown() in readme
