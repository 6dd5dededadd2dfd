"""Finding logs from settings, caching them by file stamps, and tying results to files."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from promptwise.document.parse import parse_document
from promptwise.escalation import EscalationStore, logs_for
from promptwise.escalation import store as store_module
from tests.escalation.conftest import DB, PROMPT, RESULTS, settings


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _rows(
    prompt: str, versions: range, case: str = "c", passed: bool = False
) -> list[dict[str, object]]:
    return [{"prompt": prompt, "version": v, "case": case, "passed": passed} for v in versions]


@pytest.fixture(autouse=True)
def _fresh_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "RESCAN_SECONDS", 0.0)


def test_log_globs_resolve_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "logs" / "nested").mkdir(parents=True)
    (tmp_path / "prompts").mkdir()
    prompt = tmp_path / "prompts" / "a.txt"
    prompt.write_text("Say hi.\n")
    _write(tmp_path / "logs" / "nested" / "run1.jsonl", _rows("prompts/a.txt", range(1, 4)))
    store = EscalationStore(settings(tmp_path, logs=("logs/**/*.jsonl",)))
    assert [p.name for p in store.files()] == ["run1.jsonl"]
    found = store.logs_for(str(prompt))
    assert found is not None and found.matched_by == "path"
    assert len(found.history.versions) == 3
    assert store_module.watched_files(store.settings) == [(str(tmp_path), "logs/**/*.jsonl")]


def test_native_paths_relative_to_the_log_folder_also_match(tmp_path: Path) -> None:
    (tmp_path / "evals").mkdir()
    prompt = tmp_path / "evals" / "p.txt"
    prompt.write_text("Say hi.\n")
    _write(tmp_path / "evals" / "log.jsonl", _rows("p.txt", range(1, 3)))
    store = EscalationStore(
        settings(tmp_path / "elsewhere", logs=(str(tmp_path / "evals" / "*.jsonl"),))
    )
    found = store.logs_for(str(prompt))
    assert found is not None and found.matched_by == "path"


def test_a_pattern_matching_nothing_is_a_warning(tmp_path: Path) -> None:
    store = EscalationStore(settings(tmp_path, logs=("missing/*.jsonl",)))
    assert store.files() == []
    assert "matches no file" in store.warnings[0].message
    assert store.logs_for(str(tmp_path / "p.txt")) is None


def test_unrelated_prompts_get_no_evidence(tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("Something else entirely.\n")
    store = EscalationStore(settings(logs=("results/*.json",)))
    assert store.logs_for(str(other)) is None


def test_changed_logs_are_reread_and_unchanged_ones_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompt = tmp_path / "p.txt"
    prompt.write_text("Say hi.\n")
    log = tmp_path / "log.jsonl"
    _write(log, _rows("p.txt", range(1, 3)))
    store = EscalationStore(settings(tmp_path, logs=("log.jsonl",)))
    calls: list[Path] = []
    real = store_module.read_log

    def counting(path: Path, *args: object) -> object:
        calls.append(path)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module, "read_log", counting)
    first = store.logs_for(str(prompt))
    assert first is not None and len(first.history.versions) == 2
    assert store.logs_for(str(prompt)) is first  # cached: nothing re-read
    assert len(calls) == 1
    time.sleep(0.01)
    _write(log, _rows("p.txt", range(1, 6)))
    os.utime(log, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    second = store.logs_for(str(prompt))
    assert second is not None and len(second.history.versions) == 5
    assert len(calls) == 2
    store.invalidate()
    store.logs_for(str(prompt))
    assert len(calls) == 3


def test_promptfoo_db_auto_detects_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "pfhome"
    home.mkdir()
    shutil.copy(DB, home / "promptfoo.db")
    monkeypatch.setenv("PROMPTFOO_CONFIG_DIR", str(home))
    assert EscalationStore(settings(tmp_path)).files() == []
    auto = EscalationStore(settings(tmp_path, promptfoo_db="auto"))
    assert auto.files() == [home / "promptfoo.db"]
    db = (home / "promptfoo.db").as_posix()
    assert store_module.watched_files(auto.settings) == [("", db), ("", db + "-wal")]
    found = auto.logs_for(str(PROMPT))
    assert found is not None and found.history.experiments == 35


def test_auto_detection_defaults_to_the_home_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PROMPTFOO_CONFIG_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert store_module.default_promptfoo_db() == tmp_path / ".promptfoo" / "promptfoo.db"
    store = EscalationStore(settings(tmp_path, promptfoo_db="auto"))
    assert store.files() == [] and store.warnings == ()  # absent, and not asked for by path


def test_a_missing_explicit_database_is_a_warning(tmp_path: Path) -> None:
    store = EscalationStore(settings(tmp_path, promptfoo_db="nope/promptfoo.db"))
    assert store.files() == []
    assert "does not exist" in store.warnings[0].message


def test_a_file_that_is_no_log_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    store = EscalationStore(settings(tmp_path, logs=("notes.txt",)))
    assert "not a failure log" in store.warnings[0].message
    prompt = tmp_path / "p.txt"
    prompt.write_text("Say hi.\n")
    assert store.logs_for(str(prompt)) is None


def test_logs_from_another_checkout_match_by_path_suffix(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    for path in RESULTS[:5]:
        shutil.copy(path, results / path.name)
    moved = tmp_path / "repo" / "prompts" / "support_faq.txt"
    moved.parent.mkdir(parents=True)
    moved.write_text("An edited prompt that no eval has seen yet.\n")
    store = EscalationStore(settings(tmp_path, logs=("results/*.json",)))
    found = store.logs_for(str(moved))
    assert found is not None and found.matched_by == "path suffix"
    # A file with the same name in another folder is another prompt.
    stranger = tmp_path / "repo" / "other" / "support_faq.txt"
    stranger.parent.mkdir()
    stranger.write_text("Unrelated.\n")
    assert store.logs_for(str(stranger)) is None


def test_the_editor_text_is_used_for_matching_by_text(tmp_path: Path) -> None:
    unsaved = parse_document(PROMPT.read_text(), str(tmp_path / "scratch.txt"))
    found = logs_for(unsaved, settings(logs=("results/*.json",)))
    assert found is not None and found.matched_by == "text"


def test_logs_for_reads_nothing_without_configured_logs() -> None:
    doc = parse_document("Say hi.\n", "p.txt")
    assert logs_for(doc, settings(logs=())) is None


def test_the_logs_about_a_file_carry_its_history_and_current_version() -> None:
    store = EscalationStore(settings(logs=("results/*.json",)))
    found = store.logs_for(str(PROMPT), PROMPT.read_text())
    assert found is not None and found.matched_by == "text"
    assert found.history.ref.path == "/tmp/pfdev/prompts/support_faq.txt"
    assert len(found.history.versions) == 35
    assert found.current_version == found.history.versions[-1]  # the file is iteration 35
    edited = store.logs_for(str(PROMPT), PROMPT.read_text() + "One more rule.\n")
    assert edited is not None and edited.current_version is None
    assert edited.matched_by == "path suffix"  # no logged text equals the edited file


def test_the_dataset_and_the_database_journal_are_watched_too(tmp_path: Path) -> None:
    config = settings(
        tmp_path, logs=("evals/*.jsonl",), promptfoo_db="pf.db", dataset="train.jsonl"
    )
    root = str(tmp_path)
    assert store_module.watched_files(config) == [
        (root, "evals/*.jsonl"),
        (root, "pf.db"),
        (root, "pf.db-wal"),  # promptfoo writes new evals through SQLite's write-ahead log
        (root, "train.jsonl"),
    ]
