"""Counting the labeled examples in ``escalation.dataset``.

Fine-tuning advice is only honest when it says how much data there is. The
dataset is counted, never loaded: JSON Lines and CSV/TSV are read line by
line (one example per object line or data row), a JSON file counts the
items of its top-level list (or of its ``examples``/``tests``/``data``
list). Anything unreadable is a warning and counts as unknown.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from promptwise.escalation.records import MAX_JSON_BYTES, LogLocation, Warnings


def count_examples(path: Path, warnings: Warnings, display: str | None = None) -> int | None:
    name = display or str(path)
    where = LogLocation(name)
    if not path.is_file():
        warnings.add(where, "`escalation.dataset` names a file that does not exist", "dataset")
        return None
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".ndjson"):
            return _count_jsonl(path)
        if suffix in (".csv", ".tsv"):
            return _count_csv(path, "\t" if suffix == ".tsv" else ",")
        if suffix == ".json":
            return _count_json(path, warnings, name)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        warnings.add(where, f"cannot count the dataset's examples ({exc})", "dataset")
        return None
    warnings.add(
        where, "dataset format not recognised (use .jsonl, .json, .csv or .tsv)", "dataset"
    )
    return None


def _count_jsonl(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        for raw in handle:
            text = raw.strip()
            if text.startswith(b"{"):
                count += 1
    return count


def _count_csv(path: Path, delimiter: str) -> int:
    with path.open("r", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        rows = sum(1 for row in reader if any(cell.strip() for cell in row))
    return max(rows - 1, 0)  # the header row


def _count_json(path: Path, warnings: Warnings, name: str) -> int | None:
    if path.stat().st_size > MAX_JSON_BYTES:
        warnings.add(
            LogLocation(name), "dataset JSON file too large to count; use JSON Lines", "dataset"
        )
        return None
    with path.open("rb") as handle:
        try:
            data = json.load(handle)
        except json.JSONDecodeError as exc:
            warnings.add(
                LogLocation(name, exc.lineno), f"dataset is not valid JSON ({exc.msg})", "dataset"
            )
            return None
        except ValueError:  # an integer with more digits than Python converts
            warnings.add(LogLocation(name), "dataset holds a number too long to read", "dataset")
            return None
    if isinstance(data, dict):
        for key in ("examples", "tests", "data", "items", "rows"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if isinstance(data, list):
        return len(data)
    warnings.add(LogLocation(name), "dataset JSON holds no list of examples", "dataset")
    return None
