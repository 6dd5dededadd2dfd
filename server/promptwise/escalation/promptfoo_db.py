"""Reader for promptfoo's local database (``~/.promptfoo/promptfoo.db``).

The database holds every eval ever run, so the whole iteration history is
there with no export step. It belongs to promptfoo and may be open in a
running promptfoo, so it is opened read-only through a ``mode=ro`` URI. When
no write-ahead log sits beside it (no promptfoo is writing), it is opened
``immutable=1`` as well: a read-only reader of a WAL database would otherwise
create ``-shm``/``-wal`` files in the user's folder, and reading must never
write. If a normal read-only open fails (locked, read-only folder) the
immutable open is the fallback, with a warning that results may be incomplete.

promptfoo's schema changes between versions. Columns are discovered with
``PRAGMA table_info`` and only known ones are selected, by name; a missing
optional column degrades to a warning, a missing essential one skips the
table with a warning, and a file that is not SQLite or has no ``evals``
table is reported as not a promptfoo database. Newer databases keep one row
per result in ``eval_results``; older ones kept the whole results document in
``evals.results``, which is read like a JSON export.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from promptwise.escalation.categories import checked_category
from promptwise.escalation.promptfoo import (
    EvalContext,
    eval_context,
    json_loads,
    records_of_document,
    result_record,
)
from promptwise.escalation.records import (
    EvalRecord,
    LogLocation,
    Warnings,
    parse_timestamp,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
_EVAL_COLUMNS = ("id", "created_at", "config", "prompts", "results", "description")
_RESULT_COLUMNS = (
    "eval_id",
    "prompt_idx",
    "test_idx",
    "test_case",
    "success",
    "grading_result",
    "response",
    "error",
    "provider",
    "failure_reason",
    "created_at",
    "prompt",
)
_BATCH = 500


def is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def _connect(path: Path, immutable: bool) -> sqlite3.Connection:
    uri = "file:" + quote(str(path.resolve()), safe="/:\\") + "?mode=ro"
    if immutable:
        uri += "&immutable=1"
    connection = sqlite3.connect(uri, uri=True, timeout=0.5, check_same_thread=False)
    connection.execute("PRAGMA query_only = 1")
    connection.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
    return connection


def open_readonly(path: Path, warnings: Warnings, name: str) -> sqlite3.Connection | None:
    """A read-only connection, falling back to an immutable one when locked."""
    where = LogLocation(name)
    quiet = not Path(f"{path}-wal").exists()
    try:
        return _connect(path, immutable=quiet)
    except sqlite3.DatabaseError as exc:
        message = str(exc).lower()
        if "not a database" in message or "malformed" in message or "encrypted" in message:
            warnings.add(where, f"not a readable SQLite database ({exc}); skipped", "notdb")
            return None
        first = exc
    try:
        connection = _connect(path, immutable=True)
    except sqlite3.DatabaseError as exc:
        warnings.add(where, f"cannot open the database read-only ({first}; {exc}); skipped", "open")
        return None
    warnings.add(
        where,
        f"database could not be opened normally ({first}); read without "
        "locking, so an eval being written right now may be missing",
        "lock",
    )
    return connection


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    rows = connection.execute(f'PRAGMA table_info("{table}")').fetchall()
    return {str(row[1]) for row in rows}


def read_promptfoo_db(
    path: Path, warnings: Warnings, *, display: str | None = None
) -> Iterator[EvalRecord]:
    """Yield every result in a promptfoo database, row by row."""
    name = display or str(path)
    where = LogLocation(name)
    connection = open_readonly(path, warnings, name)
    if connection is None:
        return
    try:
        yield from _read(connection, path, name, warnings)
    except sqlite3.DatabaseError as exc:
        warnings.add(
            where,
            f"reading the database failed ({exc}); results after this point are missing",
            "read",
        )
    finally:
        connection.close()


def _read(
    connection: sqlite3.Connection, path: Path, name: str, warnings: Warnings
) -> Iterator[EvalRecord]:
    where = LogLocation(name)
    tables = {
        str(row[0])
        for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if "evals" not in tables:
        warnings.add(where, "not a promptfoo database (no `evals` table); skipped", "foreign")
        return
    have = _columns(connection, "evals")
    if "id" not in have:
        warnings.add(
            where, "table `evals` has no `id` column (unknown promptfoo version); skipped", "schema"
        )
        return
    for column in ("created_at", "config", "prompts"):
        if column not in have:
            warnings.add(
                where,
                f"table `evals` has no `{column}` column (different promptfoo "
                "version); read without it",
                f"evals.{column}",
            )
    base = str(path.parent)
    selected = [c for c in _EVAL_COLUMNS if c in have]
    sql = "SELECT " + ", ".join(f'"{c}"' for c in selected) + " FROM evals ORDER BY rowid"
    contexts: dict[str, EvalContext] = {}
    legacy: list[tuple[str, Any, float | None, Any]] = []
    for row in connection.execute(sql):
        values = dict(zip(selected, row, strict=True))
        eval_id = str(values["id"])
        config = json_loads(values.get("config"))
        stamp = parse_timestamp(values.get("created_at"))
        prompts = json_loads(values.get("prompts"))
        if isinstance(prompts, list) and prompts:
            contexts[eval_id] = eval_context(
                run=eval_id,
                timestamp=stamp,
                config=config,
                prompts=prompts,
                base=base,
                where=LogLocation(name, None),
                warnings=warnings,
            )
        else:
            legacy.append((eval_id, values.get("results"), stamp, config))
    if "eval_results" in tables:
        yield from _result_rows(connection, contexts, name, warnings)
    elif contexts:
        warnings.add(
            where,
            "no `eval_results` table (different promptfoo version); evals "
            "without stored results skipped",
            "eval_results",
        )
    for eval_id, results, stamp, config in legacy:
        document = json_loads(results)
        if isinstance(document, Mapping) and isinstance(document.get("results"), list):
            yield from records_of_document(
                {"results": document, "config": config, "evalId": eval_id},
                name,
                base,
                warnings,
                run=eval_id,
                timestamp=stamp,
            )
        elif isinstance(document, Mapping) and "results" in document:
            yield from records_of_document(
                {**document, "config": config, "evalId": eval_id},
                name,
                base,
                warnings,
                run=eval_id,
                timestamp=stamp,
            )


def _result_rows(
    connection: sqlite3.Connection,
    contexts: Mapping[str, EvalContext],
    name: str,
    warnings: Warnings,
) -> Iterator[EvalRecord]:
    have = _columns(connection, "eval_results")
    if "eval_id" not in have or not have & {"success", "grading_result"}:
        warnings.add(
            LogLocation(name),
            "table `eval_results` lacks `eval_id`, or both "
            "`success` and `grading_result` (unknown promptfoo version); its rows "
            "are skipped",
            "schema",
        )
        return
    for column in ("test_case", "success", "grading_result", "prompt_idx"):
        if column not in have:
            warnings.add(
                LogLocation(name),
                f"table `eval_results` has no `{column}` column "
                "(different promptfoo version); read without it",
                f"eval_results.{column}",
            )
    selected = [c for c in _RESULT_COLUMNS if c in have]
    sql = (
        "SELECT rowid, "
        + ", ".join(f'"{c}"' for c in selected)
        + " FROM eval_results ORDER BY rowid"
    )
    cursor = connection.execute(sql)
    while True:
        batch = cursor.fetchmany(_BATCH)
        if not batch:
            break
        for row in batch:
            rowid = int(row[0])
            values = dict(zip(selected, row[1:], strict=True))
            location = LogLocation(name, rowid, "eval_results row")
            ctx = contexts.get(str(values.get("eval_id")))
            if ctx is None:
                warnings.add(
                    location, "result of an eval with no prompts recorded; skipped", "orphan"
                )
                continue
            result = {
                "promptIdx": values.get("prompt_idx", 0),
                "testIdx": values.get("test_idx"),
                "testCase": json_loads(values.get("test_case")) or {},
                "success": values.get("success"),
                "gradingResult": json_loads(values.get("grading_result")),
                "response": json_loads(values.get("response")),
                "error": values.get("error"),
                "provider": json_loads(values.get("provider")),
                "failureReason": values.get("failure_reason"),
                "prompt": json_loads(values.get("prompt")),
            }
            record = result_record(result, ctx, location, rowid)
            if isinstance(record, str):
                warnings.add(location, record, record)
            elif record is not None:
                yield checked_category(record, warnings)
