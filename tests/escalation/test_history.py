"""History that cannot be fooled (issue 15): each input here flipped the verdict once."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from promptwise.escalation import EscalationStore, PromptEvidence, Verdict
from promptwise.escalation import store as store_module
from promptwise.escalation.render import render
from tests.escalation.conftest import (
    KNOWLEDGE,
    PROMPT,
    RESULTS,
    evidence_with,
    settings,
)


@pytest.fixture(autouse=True)
def _fresh_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "RESCAN_SECONDS", 0.0)


def _native(
    tmp_path: Path, rows: Sequence[Mapping[str, object]], **escalation: Any
) -> PromptEvidence:
    prompt = tmp_path / "p.txt"
    prompt.write_text("Answer briefly.\n")
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return evidence_with(settings(tmp_path, logs=("log.jsonl",), **escalation), prompt)


def _row(version: object, case: str, passed: bool, **more: object) -> dict[str, object]:
    return {"prompt": "p.txt", "version": version, "case": case, "passed": passed, **more}


def _promptfoo(path: Path, source: Path, eval_id: str, stamp: str) -> None:
    """A copy of a real promptfoo export, re-run as another eval at another time."""
    data = json.loads(source.read_text(encoding="utf-8"))
    data["evalId"] = eval_id
    data["results"]["timestamp"] = stamp
    data["metadata"]["evaluationCreatedAt"] = stamp
    path.write_text(json.dumps(data), encoding="utf-8")


def test_a_record_without_its_timestamp_stays_where_the_log_put_it(tmp_path: Path) -> None:
    day = 86_400
    rows = [_row(v, "c", v < 6, timestamp=1_767_225_600 + v * day) for v in range(1, 6)]
    rows.append(_row(6, "c", False))  # the latest version's record has no timestamp
    ev = _native(tmp_path, rows, min_experiments=1)
    assert [v.label for v in ev.history.versions] == ["1", "2", "3", "4", "5", "6"]
    (case,) = ev.history.cases
    assert case.statuses == (True, True, True, True, True, False)
    assert case.failing_now and case.since is not None and case.since.index == 6


def test_going_back_to_an_earlier_prompt_is_a_new_iteration(tmp_path: Path) -> None:
    rows = [_row("A", "c", False), _row("B", "c", True), _row("A", "c", False)]
    ev = _native(tmp_path, rows, min_experiments=1)
    assert [v.label for v in ev.history.versions] == ["A", "B", "A"]
    assert ev.history.versions[2].repeats == 1
    (case,) = ev.history.cases
    assert case.statuses == (False, True, False) and case.failing_now  # the latest eval counts


def test_a_log_grouped_by_case_is_not_mistaken_for_reverts(tmp_path: Path) -> None:
    rows = [_row(v, case, False) for case in ("c", "d") for v in (1, 2, 3)]
    ev = _native(tmp_path, rows, min_experiments=1)
    assert [v.label for v in ev.history.versions] == ["1", "2", "3"]
    assert {c.failed_versions for c in ev.history.cases} == {3}


def test_promptfoo_revert_a_b_a_counts_the_latest_eval(tmp_path: Path) -> None:
    prompt = _fixture_copy(tmp_path, results=False)
    _promptfoo(tmp_path / "results" / "1.json", RESULTS[0], "e1", "2026-01-01T00:00:00Z")
    _promptfoo(tmp_path / "results" / "2.json", RESULTS[11], "e2", "2026-01-02T00:00:00Z")
    _promptfoo(tmp_path / "results" / "3.json", RESULTS[0], "e3", "2026-01-03T00:00:00Z")
    ev = evidence_with(settings(tmp_path, logs=("results/*.json",), min_experiments=1), prompt)
    assert len(ev.history.versions) == 3
    assert ev.history.versions[0].key == ev.history.versions[2].key
    cases = {c.title: c for c in ev.history.cases}
    # `empty question` fails with iteration 1's text and passes with iteration 12's:
    # going back to the first text brings the failure back.
    empty = cases["empty question (edge case)"]
    assert empty.statuses == (False, True, False) and empty.failing_now
    assert empty.failed_versions == 2 and empty.regressed


def test_a_rerun_of_the_same_text_is_not_an_iteration(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    shutil.copy(PROMPT, tmp_path / "p.txt")
    for i, source in enumerate(RESULTS, 1):
        shutil.copy(source, tmp_path / "results" / f"{i:02}.json")
    # Iteration 35's text evaluated twice more, as separate evals.
    _promptfoo(tmp_path / "results" / "36.json", RESULTS[-1], "x1", "2026-12-01T00:00:00Z")
    _promptfoo(tmp_path / "results" / "37.json", RESULTS[-1], "x2", "2026-12-02T00:00:00Z")
    ev = evidence_with(settings(tmp_path, logs=("results/*.json",)), tmp_path / "p.txt")
    assert ev.history.experiments == 35
    assert ev.history.results == 185
    assert {c.failed_versions for c in ev.history.persistent} == {35}


def test_a_subset_latest_eval_keeps_the_persistent_failures(tmp_path: Path) -> None:
    rows = [_row(v, case, False) for v in range(1, 31) for case in ("hard", "other")]
    rows.append(_row(31, "other", True))  # the latest eval ran only one test
    ev = _native(tmp_path, [{**r, "category": "knowledge"} for r in rows])
    cases = {c.case: c for c in ev.history.cases}
    assert cases["hard"].statuses[-1] is None
    assert cases["hard"].failing_now and cases["hard"].failed_versions == 30
    assert [c.case for c in ev.history.persistent] == ["hard"]
    assert ev.advice.verdict is Verdict.ESCALATE


def test_a_single_regression_after_a_passing_streak(tmp_path: Path) -> None:
    rows = [_row(v, "c", v != 1 and v != 40) for v in range(1, 41)]
    ev = _native(tmp_path, rows)
    (case,) = ev.history.cases
    assert case.failed_versions == 2 and case.regressed
    assert case.since is not None and case.since.index == 40
    report = render(ev, "text")
    assert "regressed at iteration 40" in report
    assert "failing since iteration 1" not in report
    assert ev.advice.verdict is Verdict.KEEP_PROMPTING


def test_experiments_are_prompt_versions_not_case_runs(tmp_path: Path) -> None:
    rows = [_row(v, f"case {n}", False) for v in range(1, 11) for n in range(10)]
    ev = _native(tmp_path, rows, iteration_threshold=5, min_experiments=20)
    assert ev.history.experiments == 10 and ev.history.results == 100
    assert ev.advice.verdict is Verdict.PREMATURE  # 100 case-runs are still 10 experiments
    assert "only 10 experiments" in ev.advice.headline


# ------------------------------------------------------------------ matching


def _fixture_copy(tmp_path: Path, results: bool = True) -> Path:
    """The 35 real promptfoo evals (unless not wanted) and the prompt file."""
    (tmp_path / "results").mkdir()
    for source in RESULTS if results else ():
        shutil.copy(source, tmp_path / "results" / source.name)
    (tmp_path / "prompts").mkdir()
    prompt = tmp_path / "prompts" / "support_faq.txt"
    prompt.write_text(PROMPT.read_text(encoding="utf-8"), encoding="utf-8")
    return prompt


def test_path_text_and_suffix_matches_are_combined(tmp_path: Path) -> None:
    prompt = _fixture_copy(tmp_path)
    # One native record names the file by its path; promptfoo's records are found by
    # text (the file is the last evaluated version) and by the end of their CI path.
    native = _row("hotfix", "refund window (knowledge)", False, category="knowledge")
    native["prompt"] = "prompts/support_faq.txt"
    native["timestamp"] = "2027-01-01T00:00:00Z"
    (tmp_path / "native.jsonl").write_text(json.dumps(native) + "\n")
    config = settings(tmp_path, logs=("results/*.json", "native.jsonl"))
    found = EscalationStore(config).logs_for(str(prompt))
    assert found is not None
    assert found.matched_by == "path and text"
    assert len(found.history.versions) == 36  # not 1
    refund = next(c for c in found.history.cases if c.title == KNOWLEDGE[0])
    assert refund.failed_versions == 36


def test_suffix_matching_never_crosses_packages_of_a_monorepo(tmp_path: Path) -> None:
    rows = []
    for package in ("billing", "support"):
        folder = tmp_path / "packages" / package / "prompts"
        folder.mkdir(parents=True)
        (folder / "answer.txt").write_text(f"You answer {package} questions.\n")
        rows += [
            {
                "prompt": f"/ci/checkout/packages/{package}/prompts/answer.txt",
                "version": v,
                "case": f"{package} case",
                "passed": False,
            }
            for v in range(1, 4)
        ]
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    store = EscalationStore(settings(tmp_path, logs=("log.jsonl",)))
    for package in ("billing", "support"):
        found = store.logs_for(str(tmp_path / "packages" / package / "prompts" / "answer.txt"))
        assert found is not None and found.matched_by == "path suffix"
        assert [c.case for c in found.history.cases] == [f"{package} case"]


def test_the_report_counts_the_edits_near_each_failing_case(tmp_path: Path) -> None:
    prompt = _fixture_copy(tmp_path)
    ev = evidence_with(settings(tmp_path, logs=("results/*.json",)), prompt)
    cases = {c.title: c for c in ev.history.persistent}
    # Every revision line says "keep a confident tone"; none mentions refunds or warranties.
    assert (cases[KNOWLEDGE[0]].targeted, cases[KNOWLEDGE[0]].targeted_of) == (0, 34)
    assert cases["no apology tone (style)"].targeted == 34
    report = render(ev, "text")
    assert "edits near it" in report and "0 of 34" in report
    data = json.loads(render(ev, "json"))
    (first,) = [c for c in data["cases"] if c["title"] == KNOWLEDGE[0]] or [None]
    assert first is not None and first["edits_near_subject"] == 0


def test_without_prompt_text_the_edits_are_not_guessed(tmp_path: Path) -> None:
    ev = _native(tmp_path, [_row(v, "c", False) for v in range(1, 4)])
    (case,) = ev.history.cases
    assert case.targeted is None
    assert "—" in render(ev, "text")
