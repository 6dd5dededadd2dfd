"""Every input the advisor is handed: read, or refused with a message (issue 15, Inputs)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from promptwise.escalation import EscalationStore, Verdict
from tests.cli.test_cli import run
from tests.conftest import DATA
from tests.escalation.conftest import PROMPT, RESULTS, evidence_with, settings

SENTIMENT = DATA / "promptfoo-sentiment"


def _project(tmp_path: Path) -> Path:
    shutil.copytree(PROMPT.parent, tmp_path / "prompts")
    (tmp_path / "evals").mkdir()
    return tmp_path


def test_promptfoo_results_jsonl_is_read(tmp_path: Path) -> None:
    """`promptfoo eval -o results.jsonl` (real promptfoo 0.121.20 output): one result a line."""
    (tmp_path / "evals").mkdir()
    shutil.copy(SENTIMENT / "jsonl" / "iter01.jsonl", tmp_path / "evals" / "run.jsonl")
    (tmp_path / "prompts").mkdir()
    prompt = tmp_path / "prompts" / "sentiment.txt"
    prompt.write_text(
        "Classify the sentiment of the customer review as positive, negative or neutral.\n"
        "Reply with the label only.\nReview: {{review}}\n"
    )
    found = EscalationStore(settings(tmp_path, logs=("evals/*.jsonl",))).logs_for(str(prompt))
    assert found is not None and not found.warnings
    assert found.matched_by.startswith("path")
    history = found.history
    assert len(history.versions) == 1 and history.results == 5
    assert {c.title for c in history.persistent} == {
        "sarcastic praise",
        "review in German",
        "delivery note",
    }


def test_gzipped_exports_and_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    for source in RESULTS:
        data = source.read_bytes()
        if source.name.endswith(("1.json", "3.json")):
            (tmp_path / "results" / (source.name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (tmp_path / "results" / source.name).write_bytes(b"\xef\xbb\xbf" + data)
    shutil.copy(PROMPT, tmp_path / "p.txt")
    ev = evidence_with(
        settings(tmp_path, logs=("results/*.json", "results/*.json.gz")), tmp_path / "p.txt"
    )
    assert ev.history.experiments == 35 and not ev.warnings
    assert ev.advice.verdict is Verdict.ESCALATE


def test_a_native_log_with_a_byte_order_mark_and_gzip(tmp_path: Path) -> None:
    rows = [{"prompt": "p.txt", "version": v, "case": "c", "passed": False} for v in (1, 2, 3)]
    text = "".join(json.dumps(r) + "\n" for r in rows).encode("utf-8")
    (tmp_path / "a.jsonl").write_bytes(b"\xef\xbb\xbf" + text)
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(text.replace(b'"c"', b'"d"')))
    (tmp_path / "p.txt").write_text("Answer briefly.\n")
    ev = evidence_with(settings(tmp_path, logs=("a.jsonl", "b.jsonl.gz")), tmp_path / "p.txt")
    assert not ev.warnings
    assert {c.case for c in ev.history.cases} == {"c", "d"}


def test_deeply_nested_json_is_a_clear_warning_in_advise_and_check(tmp_path: Path) -> None:
    project = _project(tmp_path)
    deep = "[" * 100_000 + "]" * 100_000
    (project / "evals" / "deep.json").write_text('{"results": ' + deep + "}")
    (project / "evals" / "deep.jsonl").write_text('{"case": ' + deep + "}\n")
    (project / "promptwise.yaml").write_text('escalation:\n  logs: ["evals/*"]\n')
    for command in ("advise", "check"):
        code, out, err = run(command, "prompts/support_faq.txt", cwd=project)
        assert "internal error" not in err and "RecursionError" not in err + out, command
        assert code in (0, 1), (command, err)
        if command == "advise":  # `check` names broken logs only when they are about the file
            assert "evals/deep.jsonl:1: line is JSON nested too deeply to read" in err
            assert "evals/deep.json" in err and "nested too deeply" in err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--logs", "evals/*.json"), "evals/*.json: `escalation.logs` entry matches no file"),
        (("--logs", "evals"), "names a folder with no log in it"),
        (("--promptfoo-db", "missing.db"), "names a file that does not exist"),
    ],
)
def test_nothing_to_read_is_a_message_and_exit_2(
    tmp_path: Path, flags: tuple[str, ...], message: str
) -> None:
    project = _project(tmp_path)
    code, out, err = run("advise", "prompts/support_faq.txt", *flags, cwd=project)
    assert code == 2 and out == ""
    assert "error: no failure log to read: " in err and message in err


def test_a_folder_of_logs_is_read(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for source in RESULTS:
        shutil.copy(source, project / "evals" / source.name)
    code, out, err = run("advise", "prompts/support_faq.txt", "--logs", "evals", cwd=project)
    assert code == 0, err
    assert "Escalate: 3 cases still failing after 35 iterations" in out


def test_promptfoo_0_43_output_is_read(tmp_path: Path) -> None:
    """Real output of promptfoo 0.43.1 (`kit/promptfooconfig-0.43.yaml`): no eval id, no
    `testCase` on a result, the prompts in the table head, bare prompt paths."""
    shutil.copy(SENTIMENT / "v0.43" / "iter01.json", tmp_path / "iter01.json")
    (tmp_path / "prompts").mkdir()
    prompt = tmp_path / "prompts" / "sentiment.txt"
    prompt.write_text(
        "Classify the sentiment of the customer review as positive, negative or neutral.\n"
        "Reply with the label only.\nReview: {{review}}\n"
    )
    found = EscalationStore(settings(tmp_path, logs=("iter01.json",))).logs_for(str(prompt))
    assert found is not None and not found.warnings
    assert found.matched_by.startswith("path")
    cases = {c.title: c for c in found.history.cases}
    assert set(cases) == {"clear praise", "sarcastic praise", "review in German"}
    assert cases["review in German"].failing_now
    assert cases["review in German"].category == "behaviour"
    assert found.history.versions[0].template is not None  # the template, from the head
