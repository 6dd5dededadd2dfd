"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Every rule of the run is described (help text and URI from the rule's own
page), results carry 1-based regions in UTF-16 columns (SARIF's default
column kind, declared on the run) and a partial fingerprint built from the
rule, the path and the flagged text, so an alert survives lines moving
above it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import PurePosixPath
from typing import Any

from promptwise.document.text import LineIndex, Span
from promptwise.findings import Severity
from promptwise.report.model import CheckReport
from promptwise.rules.model import Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/promptwise/promptwise"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note",
          Severity.HINT: "note"}


def _region(lines: LineIndex, span: Span) -> dict[str, int]:
    """1-based region; an empty span is an insertion point (end column = start column)."""
    rng = lines.range(span, "utf-16")
    return {"startLine": rng.start.line + 1, "startColumn": rng.start.character + 1,
            "endLine": rng.end.line + 1, "endColumn": rng.end.character + 1}


def _descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.docs.what.strip()},
        "help": {"text": rule.render_docs(), "markdown": rule.render_markdown()},
        "helpUri": rule.docs_url,
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["prompt", rule.family, rule.name], "precision": "high"
                       if rule.family == "PW0" else "medium"},
    }


def _location(path: str) -> dict[str, Any]:
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute():
        return {"uri": "file://" + posix}
    return {"uri": posix[2:] if posix.startswith("./") else posix, "uriBaseId": "%SRCROOT%"}


def render_sarif(report: CheckReport, *, color: bool = False) -> str:
    del color
    used = sorted({f.code for _, f in report.findings})
    codes = sorted(set(report.rules) | set(used))
    index = {code: i for i, code in enumerate(codes)}
    rules = []
    for code in codes:
        rule = report.rules.get(code)
        if rule is not None:
            rules.append(_descriptor(rule))
        else:
            rules.append({"id": code, "shortDescription": {"text": code}})
    results = []
    for file in sorted(report.files, key=lambda f: f.path):
        seen: Counter[str] = Counter()
        for finding in sorted(file.findings, key=lambda f: (f.span.start, f.code)):
            flagged = file.text[finding.span.start : finding.span.end]
            key = f"{finding.code}\x00{file.path}\x00{flagged}"
            seen[key] += 1
            fingerprint = hashlib.sha256(f"{key}\x00{seen[key]}".encode()).hexdigest()[:32]
            result: dict[str, Any] = {
                "ruleId": finding.code,
                "ruleIndex": index[finding.code],
                "level": _LEVEL[finding.severity],
                "message": {"text": finding.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": _location(file.path),
                    "region": _region(file.lines, finding.span),
                }}],
                "partialFingerprints": {"promptwiseFindingHash/v1": fingerprint},
            }
            if finding.fix is not None:
                result["fixes"] = [{
                    "description": {"text": finding.fix.title},
                    "artifactChanges": [{
                        "artifactLocation": _location(file.path),
                        "replacements": [{
                            "deletedRegion": _region(file.lines, edit.span),
                            "insertedContent": {"text": edit.plain_text},
                        } for edit in finding.fix.edits],
                    }],
                }]
            results.append(result)
    sarif = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "promptwise",
                "version": report.version,
                "semanticVersion": report.version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"
