"""Bad input never crashes: each problem is skipped with a counted warning naming file and line."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptwise.escalation.native import read_native
from promptwise.escalation.promptfoo import read_promptfoo_json
from promptwise.escalation.promptfoo_db import read_promptfoo_db
from promptwise.escalation.records import EvalRecord, Warnings
from tests.escalation.conftest import DB, RESULTS


def _native(**fields: object) -> str:
    base: dict[str, object] = {"prompt": "p.txt", "version": 1, "case": "c", "passed": False}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not None})


def _read(reader: object, path: Path, **kwargs: object) -> tuple[list[EvalRecord], Warnings]:
    warnings = Warnings()
    records = list(reader(path, warnings, **kwargs))  # type: ignore[operator]
    return records, warnings


def test_native_log_reads_every_field(tmp_path: Path) -> None:
    log = tmp_path / "evals.jsonl"
    log.write_text(
        _native(
            version=7,
            case="refund",
            category="knowledge",
            input={"question": "How long?"},
            expected="45 days",
            output="30 days",
            reason="wrong policy",
            timestamp="2025-11-28T10:00:00Z",
            assertion="icontains",
        )
        + "\n"
    )
    records, warnings = _read(read_native, log)
    assert len(warnings) == 0
    (record,) = records
    assert (record.version, record.case, record.passed) == ("7", "refund", False)
    assert record.category == "knowledge" and record.input == "How long?"
    assert record.variables == (("question", "How long?"),)
    assert record.expected == "45 days" and record.output == "30 days"
    assert record.timestamp == 1764324000.0
    assert record.assertions[0].type == "icontains"
    assert str(record.location) == f"{log}:1"


def test_bad_native_lines_are_counted_and_named(tmp_path: Path) -> None:
    log = tmp_path / "evals.jsonl"
    lines = [
        _native(),  # 1: fine
        "[1, 2, 3]",  # 2: not an object
        '"text"',  # 3: not an object
        _native(passed=None),  # 4: missing passed
        _native(case=None, version=None),  # 5: missing two fields
        _native(passed="yes"),  # 6: passed not a boolean
        "",  # 7: blank, ignored
        _native(case="ok", passed=True),  # 8: fine
        '{"prompt": "p.txt", "version": 2, "case": "c", "pas',  # 9: truncated
    ]
    log.write_text("\n".join(lines))
    records, warnings = _read(read_native, log)
    assert [r.case for r in records] == ["c", "ok"]
    found = {w.message: w for w in warnings.items()}
    not_object = [w for w in found.values() if "not an object" in w.message]
    assert sum(w.count for w in not_object) == 2
    assert not_object[0].location.line == 2
    missing = found["missing field `passed`; record skipped"]
    assert missing.location.line == 4
    assert any(w.location.line == 5 and "`version`, `case`" in w.message for w in found.values())
    assert any(w.location.line == 9 and "not valid JSON" in w.message for w in found.values())
    assert any(w.location.line == 6 and "true or false" in w.message for w in found.values())
    assert str(warnings.items()[0]).startswith(f"{log}:2: ")


def test_a_line_too_long_is_skipped_without_loading_it(tmp_path: Path) -> None:
    log = tmp_path / "big.jsonl"
    with log.open("w") as handle:
        handle.write(_native(case="before") + "\n")
        handle.write(_native(case="huge", output="x" * 300_000) + "\n")
        handle.write(_native(case="after") + "\n")
    records, warnings = _read(read_native, log, max_line=100_000)
    assert [r.case for r in records] == ["before", "after"]
    (warning,) = warnings.items()
    assert warning.location.line == 2 and "longer than 100,000 bytes" in warning.message


def test_big_logs_are_streamed(tmp_path: Path) -> None:
    log = tmp_path / "many.jsonl"
    with log.open("w") as handle:
        for i in range(20_000):
            handle.write(_native(version=i % 40, case=f"case {i % 50}", passed=i % 3 == 0) + "\n")
    warnings = Warnings()
    stream = read_native(log, warnings)
    assert isinstance(stream, Iterator)  # a generator: nothing is read before it is asked for
    first = next(stream)
    assert first.case == "case 0"
    assert sum(1 for _ in stream) == 19_999


def test_truncated_promptfoo_json_is_a_warning(tmp_path: Path) -> None:
    broken = tmp_path / "results.json"
    broken.write_bytes(RESULTS[0].read_bytes()[:5000])
    records, warnings = _read(read_promptfoo_json, broken)
    assert records == []
    (warning,) = warnings.items()
    assert "not valid JSON" in warning.message and warning.location.line is not None


def test_oversized_promptfoo_json_is_skipped_with_advice(tmp_path: Path) -> None:
    records, warnings = _read(read_promptfoo_json, RESULTS[0], max_bytes=1000)
    assert records == []
    assert "promptfoo_db" in warnings.items()[0].message


def test_promptfoo_results_with_missing_fields(tmp_path: Path) -> None:
    data = json.loads(RESULTS[0].read_text())
    items = data["results"]["results"]
    del items[0]["success"], items[0]["gradingResult"]  # no pass/fail at all
    items[1] = "not an object"
    del items[2]["testCase"]["description"]  # identified by its vars instead
    items[3]["failureReason"] = 2  # a provider error is not a test outcome
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    records, warnings = _read(read_promptfoo_json, path)
    assert len(records) == 2
    assert records[0].case.startswith("vars:")
    assert records[0].title == "vars question='Do you ship abroad?'"
    messages = {w.message for w in warnings.items()}
    assert "result has no pass/fail (`success`); skipped" in messages
    assert "result is not an object; skipped" in messages
    assert "result is a provider error, not a test outcome; skipped" in messages
    assert all(w.location.table == "result" for w in warnings.items())


def test_not_a_promptfoo_document(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"hello": "world"}')
    records, warnings = _read(read_promptfoo_json, path)
    assert records == [] and "not a promptfoo results file" in warnings.items()[0].message


# ------------------------------------------------------------------ database


def _drop_columns(path: Path, table: str, columns: set[str], add: str = "") -> None:
    """Rebuild ``table`` without ``columns`` (indexes on them go too), plus ``add``."""
    with sqlite3.connect(path) as db:
        keep = [
            row[1] for row in db.execute(f"PRAGMA table_info({table})") if row[1] not in columns
        ]
        names = ", ".join(keep)
        db.execute(f"CREATE TABLE rebuilt AS SELECT rowid AS rowid_, {names} FROM {table}")
        db.execute(f"DROP TABLE {table}")
        db.execute(f"CREATE TABLE {table} ({names}{', ' + add if add else ''})")
        db.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM rebuilt ORDER BY rowid_")
        db.execute("DROP TABLE rebuilt")


def test_the_database_is_read_read_only(tmp_path: Path) -> None:
    copy = tmp_path / "promptfoo.db"
    shutil.copy(DB, copy)
    before = copy.read_bytes()
    records, warnings = _read(read_promptfoo_db, copy)
    assert len(records) == 175 and len(warnings) == 0
    assert copy.read_bytes() == before
    # Reading never writes beside the user's database (no -shm, -wal or -journal).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["promptfoo.db"]


def test_a_locked_database_is_read_without_locks(tmp_path: Path) -> None:
    copy = tmp_path / "promptfoo.db"
    shutil.copy(DB, copy)
    holder = sqlite3.connect(copy)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        records, warnings = _read(read_promptfoo_db, copy)
    finally:
        holder.rollback()
        holder.close()
    assert len(records) == 175
    assert any("without locking" in w.message for w in warnings.items())


def test_a_database_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy(DB, folder / "promptfoo.db")
    folder.chmod(0o555)
    try:
        records, _ = _read(read_promptfoo_db, folder / "promptfoo.db")
    finally:
        folder.chmod(0o755)
    assert len(records) == 175


def test_a_newer_schema_with_missing_and_extra_columns(tmp_path: Path) -> None:
    copy = tmp_path / "promptfoo.db"
    shutil.copy(DB, copy)
    _drop_columns(copy, "eval_results", {"grading_result"}, add="shiny_new_thing TEXT")
    _drop_columns(copy, "evals", {"config"})
    records, warnings = _read(read_promptfoo_db, copy)
    assert len(records) == 175  # pass/fail still comes from `success`
    messages = " ".join(w.message for w in warnings.items())
    assert "no `grading_result` column" in messages and "no `config` column" in messages


def test_a_schema_without_the_essential_columns(tmp_path: Path) -> None:
    copy = tmp_path / "promptfoo.db"
    shutil.copy(DB, copy)
    _drop_columns(copy, "eval_results", {"success"})
    records, warnings = _read(read_promptfoo_db, copy)
    assert len(records) == 175  # pass/fail from the grading result instead
    _drop_columns(copy, "eval_results", {"grading_result"})
    records, warnings = _read(read_promptfoo_db, copy)
    assert records == []
    assert "lacks `eval_id`, or both `success` and `grading_result`" in warnings.items()[-1].message


def test_an_old_database_keeps_results_inside_evals(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    document = json.loads(RESULTS[0].read_text())
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE evals (id TEXT PRIMARY KEY, created_at INTEGER, "
            "description TEXT, results TEXT, config TEXT)"
        )
        db.execute(
            "INSERT INTO evals VALUES (?, ?, ?, ?, ?)",
            (
                "eval-1",
                1795903773745,
                "old",
                json.dumps(document["results"]),
                json.dumps(document["config"]),
            ),
        )
    records, warnings = _read(read_promptfoo_db, path)
    assert len(records) == 5
    assert [w.message for w in warnings.items()] == [
        "table `evals` has no `prompts` column (different promptfoo version); read without it"
    ]
    assert records[0].run == "eval-1" and records[0].timestamp == 1795903773.745


@pytest.mark.parametrize(
    "content", [b"", b"SQLite format 3\x00" + b"\x00" * 200, b"definitely not sqlite" * 100]
)
def test_foreign_or_corrupt_database_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "promptfoo.db"
    path.write_bytes(content)
    records, warnings = _read(read_promptfoo_db, path)
    assert records == [] and len(warnings) == 1


def test_a_sqlite_database_that_is_not_promptfoos(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE things (id INTEGER)")
    records, warnings = _read(read_promptfoo_db, path)
    assert records == []
    assert "not a promptfoo database" in warnings.items()[0].message
