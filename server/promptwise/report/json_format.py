"""The JSON report: a stable, documented interface for other tools.

Positions are 0-based ``{line, character}`` with ``character`` in UTF-16
code units, exactly as LSP's default, so editors and bots can use them
without conversion. Snippet placeholders in fixes are replaced by their
defaults.
"""

from __future__ import annotations

import json
from typing import Any

from promptwise.document.text import LineIndex, Span
from promptwise.findings import Finding
from promptwise.report.model import CheckReport


def _range(lines: LineIndex, span: Span) -> dict[str, dict[str, int]]:
    rng = lines.range(span, "utf-16")
    return {"start": {"line": rng.start.line, "character": rng.start.character},
            "end": {"line": rng.end.line, "character": rng.end.character}}


def finding_json(path: str, lines: LineIndex, finding: Finding) -> dict[str, Any]:
    item: dict[str, Any] = {
        "path": path,
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "range": _range(lines, finding.span),
    }
    if finding.fix is not None:
        item["fix"] = {
            "title": finding.fix.title,
            "safe": finding.fix.safe,
            "edits": [{"range": _range(lines, e.span), "new_text": e.plain_text}
                      for e in finding.fix.edits],
        }
    if finding.related:
        item["related"] = [
            {"path": r.path, "message": r.message,
             **({"range": _range(lines, r.span)} if r.span is not None and r.path == path
                else {"line": r.line} if r.line is not None else {})}
            for r in finding.related
        ]
    return item


def render_json(report: CheckReport, *, color: bool = False) -> str:
    del color
    findings = []
    for file in sorted(report.files, key=lambda f: f.path):
        for finding in sorted(file.findings, key=lambda f: (f.span.start, f.span.end, f.code)):
            findings.append(finding_json(file.path, file.lines, finding))
    return json.dumps({"version": report.version, "findings": findings,
                       "summary": report.summary}, indent=2, ensure_ascii=False) + "\n"
