"""The JSON report: the stable, documented interface for other tools.

Shape (keys always in this order; optional keys are left out, never null)::

    {"version": "<promptwise version>",
     "findings": [{"path", "code", "name", "severity", "message",
                   "range": {"start": {"line", "character"}, "end": {...}},
                   "fix"?: {"title", "safe", "edits": [{"range", "new_text"}]},
                   "related"?: [{"path", "message", "range"?}]}],
     "summary": {...}}

Positions are 0-based with ``character`` in UTF-16 code units, LSP's default,
so editor integrations and review bots can use them without converting.
Snippet placeholders in fixes are replaced by their defaults, because a
consumer applying the edit outside an editor has no tab stops to offer.

This module also defines the one order every renderer lists findings in
(path, then position, then code), so that all formats agree and two runs over
the same files produce byte-identical output whatever the worker scheduling.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from promptwise.document.text import LineIndex, Span
from promptwise.findings import Finding, Related
from promptwise.report.model import CheckReport, FileReport


def files_in_order(report: CheckReport) -> list[FileReport]:
    """The report's files by path, so output does not depend on scheduling."""
    return sorted(report.files, key=lambda file: file.path)


def findings_in_order(file: FileReport) -> list[Finding]:
    """A file's findings by position, then code (then message, to break ties)."""
    return sorted(file.findings, key=lambda f: (f.span.start, f.span.end, f.code, f.message))


def lsp_range(lines: LineIndex, span: Span) -> dict[str, dict[str, int]]:
    """A span as an LSP-shaped range in UTF-16 units."""
    rng = lines.range(span, "utf-16")
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def _line_range(line: int) -> dict[str, dict[str, int]]:
    # Related.line is 1-based (like ``file:line``); JSON ranges are 0-based.
    point = {"line": max(0, line - 1), "character": 0}
    return {"start": dict(point), "end": dict(point)}


def _related(item: Related, files: Mapping[str, FileReport]) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": item.path, "message": item.message}
    target = files.get(item.path)
    if item.span is not None and target is not None:
        entry["range"] = lsp_range(target.lines, item.span)
    elif item.line is not None:
        entry["range"] = _line_range(item.line)
    return entry


def finding_json(
    file: FileReport, finding: Finding, files: Mapping[str, FileReport] | None = None
) -> dict[str, Any]:
    """One finding in the documented shape; ``files`` resolves related spans elsewhere."""
    item: dict[str, Any] = {
        "path": file.path,
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "range": lsp_range(file.lines, finding.span),
    }
    fix = finding.fix
    if fix is not None:
        item["fix"] = {
            "title": fix.title,
            "safe": fix.safe,
            "edits": [
                {"range": lsp_range(file.lines, edit.span), "new_text": edit.plain_text}
                for edit in fix.edits
            ],
        }
    if finding.related:
        known = files if files is not None else {file.path: file}
        item["related"] = [_related(r, known) for r in finding.related]
    return item


def render_json(report: CheckReport) -> str:
    """The whole report as pretty-printed JSON (UTF-8 text, not ASCII-escaped)."""
    ordered = files_in_order(report)
    by_path = {file.path: file for file in ordered}
    findings = [
        finding_json(file, finding, by_path)
        for file in ordered
        for finding in findings_in_order(file)
    ]
    document = {"version": report.version, "findings": findings, "summary": report.summary}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
