"""Reader for the native failure log: JSON Lines, one eval result per line.

Any harness can write it (see the README)::

    {"prompt": "prompts/support.prompty", "version": 7, "case": "refund window",
     "passed": false, "category": "knowledge", "input": "How long is the refund window?",
     "expected": "45 days", "output": "30 days", "reason": "wrong policy",
     "timestamp": "2025-11-28T10:00:00Z"}

Required: ``prompt`` (path of the prompt file, relative to the config file's
folder or to the log's folder, or absolute), ``version`` (iteration number or
prompt hash), ``case`` and ``passed``. Optional: ``category``, ``input`` (text
or an object of template variables), ``expected``, ``output``, ``reason``,
``timestamp`` (ISO 8601 or epoch seconds) and ``assertion`` (a check type or
list of them, e.g. ``is-json``, used to infer a missing category).

The file is read line by line, never whole, so its size does not matter;
a line that is not a JSON object, lacks a required field or is longer than
:data:`MAX_LINE_BYTES` is skipped with a counted warning naming the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from promptwise.escalation.categories import checked_category
from promptwise.escalation.records import (
    Assertion,
    EvalRecord,
    LogLocation,
    PromptRef,
    Warnings,
    clip,
    input_of,
    json_lines,
    parse_timestamp,
    text_variables,
    without_bom,
)

MAX_LINE_BYTES = 16 * 1024 * 1024
_REQUIRED = ("prompt", "version", "case", "passed")


def looks_native(first_line: bytes) -> bool:
    """Is this the first line of a native log (rather than a promptfoo JSON document)?"""
    try:
        data = json.loads(without_bom(first_line))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return isinstance(data, dict) and "case" in data and "passed" in data


def read_native(
    path: Path, warnings: Warnings, *, display: str | None = None, max_line: int = MAX_LINE_BYTES
) -> Iterator[EvalRecord]:
    """Yield the records of one native log, streaming it."""
    name = display or str(path)
    base = str(path.parent)
    for where, line_no, data in json_lines(path, name, warnings, max_line):
        record = _record(data, where, base, line_no)
        if isinstance(record, str):
            warnings.add(where, record, record)
        else:
            yield checked_category(record, warnings)


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, float)):
        text = str(value).strip()
        return text or None
    return None


def _record(data: dict[str, Any], where: LogLocation, base: str, seq: int) -> EvalRecord | str:
    missing = [key for key in _REQUIRED if data.get(key) is None]
    if missing:
        return "missing field " + ", ".join(f"`{k}`" for k in missing) + "; record skipped"
    prompt = data["prompt"]
    if not isinstance(prompt, str) or not prompt.strip():
        return "`prompt` must be the path of the prompt file; record skipped"
    version = _scalar_text(data["version"])
    case = _scalar_text(data["case"])
    if version is None:
        return "`version` must be a number or text; record skipped"
    if case is None:
        return "`case` must be a number or text; record skipped"
    passed = data["passed"]
    if isinstance(passed, int) and not isinstance(passed, bool) and passed in (0, 1):
        passed = bool(passed)
    if not isinstance(passed, bool):
        return "`passed` must be true or false; record skipped"
    raw_input = data.get("input")
    variables = text_variables(raw_input) if isinstance(raw_input, dict) else ()
    text_input = input_of(variables) if variables else clip(raw_input)
    kinds = data.get("assertion")
    if isinstance(kinds, str):
        kinds = [kinds]
    assertions = (
        tuple(Assertion(str(k), None, passed) for k in kinds if isinstance(k, str))
        if isinstance(kinds, list)
        else ()
    )
    category = data.get("category")
    return EvalRecord(
        prompt=PromptRef(path=prompt.strip(), base=base),
        version=version,
        version_label=version,
        case=case[:500],
        title=case[:500],
        passed=passed,
        location=where,
        category=category.strip() if isinstance(category, str) and category.strip() else None,
        assertions=assertions,
        reason=clip(data.get("reason")),
        input=text_input,
        variables=variables,
        expected=clip(data.get("expected")),
        output=clip(data.get("output")),
        timestamp=parse_timestamp(data.get("timestamp")),
        seq=seq,
    )
