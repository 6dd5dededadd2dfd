"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

What code scanning needs, and why each piece is here:

* Every rule of the run is described, not only the ones that fired, so an
  alert's page can show the rule's help even for runs that dismissed others;
  the help text and markdown are the rule's own page (``promptwise rules``).
* Regions are 1-based, with columns in UTF-16 code units: SARIF's default
  ``columnKind``, declared on the run so no consumer has to guess.
* Paths stay relative to where promptwise ran (the repository root in CI),
  tagged ``uriBaseId: %SRCROOT%``; code scanning resolves them against the
  checkout. ``originalUriBaseIds`` says what ``%SRCROOT%`` is, with an
  absolute URI only when the caller passes one (a report should not depend on
  the machine it was written on).
* ``partialFingerprints`` hash the rule, the path, the flagged text and which
  occurrence of that text it is, never the line number, so an alert keeps its
  identity (and its dismissal) when lines are added above it. GitHub computes
  its own ``primaryLocationLineHash`` on upload; we do not imitate that key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from promptwise.document.text import LineIndex, Span
from promptwise.findings import Finding, Related, Severity
from promptwise.report.json_format import files_in_order, findings_in_order
from promptwise.report.model import CheckReport, FileReport
from promptwise.rules.families import family_of
from promptwise.rules.model import Rule

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/promptwise/promptwise"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "promptwiseFinding/v1"

LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.HINT: "note",
}

_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?"
)


def rule_name(kebab: str) -> str:
    """``unmeasured-length`` -> ``UnmeasuredLength``: SARIF names are identifiers."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", kebab) if part)


def _prose(text: str) -> str:
    """Reflow YAML block text: join wrapped lines, keep paragraph breaks."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _descriptor(rule: Rule) -> dict[str, Any]:
    # Tags group rules in code scanning's filters, by family.
    family = family_of(rule.code)
    tags = ["prompt", family.tag if family is not None else "other"]
    if rule.status != "stable":
        tags.append(rule.status)
    if rule.fixable:
        tags.append("fixable")
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule_name(rule.name),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _prose(rule.docs.what) or rule.summary},
        "help": {"text": rule.render_docs(), "markdown": rule.render_markdown()},
    }
    # A user rule's docs URL is a file:// path on the machine that ran the check;
    # useless (and revealing) once uploaded, so only web pages are linked.
    if rule.docs_url.startswith(("https://", "http://")):
        descriptor["helpUri"] = rule.docs_url
    descriptor["defaultConfiguration"] = {"level": LEVELS[rule.severity]}
    descriptor["properties"] = {"tags": tags}
    return descriptor


def _stand_in_descriptor(finding: Finding) -> dict[str, Any]:
    """For a code the report has no rule for (a rule folder that went away)."""
    title = finding.name or finding.code
    return {
        "id": finding.code,
        "name": rule_name(title),
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "help": {"text": f"{finding.code} ({title})"},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {"tags": ["prompt"]},
    }


def _quote(path: str, safe: str) -> str:
    """Percent-encode the path's bytes; a name that was not UTF-8 keeps its own bytes."""
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no stand-in for a byte
        raw = path.encode("utf-8", "backslashreplace")
    return quote(raw, safe=safe)


def artifact_uri(path: str) -> tuple[str, bool]:
    """The path as a URI reference, and whether it is relative to ``%SRCROOT%``.

    Backslashes become slashes and ``./`` prefixes go, so the same file gets
    the same URI (and fingerprint) from any shell; characters that are not
    allowed in a URI are percent-encoded, and so is each byte of a file name
    that is not valid UTF-8 (``caf%E9.prompt``), as RFC 3986 allows.
    """
    windows = PureWindowsPath(path)
    if windows.drive and windows.is_absolute():
        absolute = windows.as_posix()
        if absolute.startswith("//"):  # UNC: \\server\share\file -> file://server/share/file
            return "file:" + _quote(absolute, "/"), False
        return "file:///" + _quote(absolute, "/:"), False
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute():
        return "file://" + _quote(posix, "/"), False
    while posix.startswith("./"):
        posix = posix[2:]
    return _quote(posix, "/"), True


def _artifact_location(path: str) -> dict[str, str]:
    uri, relative = artifact_uri(path)
    return {"uri": uri, "uriBaseId": SRCROOT} if relative else {"uri": uri}


def _region(lines: LineIndex, span: Span) -> dict[str, int]:
    """1-based region in UTF-16 columns; an empty span is an insertion point."""
    rng = lines.range(span, "utf-16")
    return {
        "startLine": rng.start.line + 1,
        "startColumn": rng.start.character + 1,
        "endLine": rng.end.line + 1,
        "endColumn": rng.end.character + 1,
    }


def fingerprint(code: str, path: str, flagged: str, occurrence: int) -> str:
    """Identity of a finding that survives lines moving: no line or column in it."""
    uri, _ = artifact_uri(path)
    key = "\x00".join((code, uri, flagged, str(occurrence)))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _related_location(index: int, item: Related, files: dict[str, FileReport]) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact_location(item.path)}
    target = files.get(item.path)
    if item.span is not None and target is not None:
        physical["region"] = _region(target.lines, item.span)
    elif item.line is not None:
        physical["region"] = {"startLine": max(1, item.line)}
    return {"id": index, "physicalLocation": physical, "message": {"text": item.message}}


def _result(
    file: FileReport,
    finding: Finding,
    rule_index: int,
    occurrence: int,
    files: dict[str, FileReport],
) -> dict[str, Any]:
    flagged = file.text[finding.span.start : finding.span.end]
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact_location(file.path),
                    "region": _region(file.lines, finding.span),
                }
            }
        ],
        "partialFingerprints": {
            FINGERPRINT_KEY: fingerprint(finding.code, file.path, flagged, occurrence)
        },
    }
    if finding.related:
        result["relatedLocations"] = [
            _related_location(i, item, files) for i, item in enumerate(finding.related, 1)
        ]
    if finding.fixes:
        result["fixes"] = [
            {
                "description": {"text": fix.title},
                "artifactChanges": [
                    {
                        "artifactLocation": _artifact_location(file.path),
                        "replacements": [
                            {
                                "deletedRegion": _region(file.lines, edit.span),
                                "insertedContent": {"text": edit.plain_text},
                            }
                            for edit in fix.edits
                        ],
                    }
                ],
            }
            for fix in finding.fixes
        ]
    return result


def _driver(report: CheckReport, rules: list[dict[str, Any]]) -> dict[str, Any]:
    driver: dict[str, Any] = {"name": "promptwise"}
    if report.version:
        driver["version"] = report.version
        if _SEMVER.fullmatch(report.version):
            driver["semanticVersion"] = report.version
    driver["informationUri"] = INFORMATION_URI
    driver["rules"] = rules
    return driver


def render_sarif(report: CheckReport, *, srcroot: str | None = None) -> str:
    """The report as one SARIF run.

    ``srcroot``, an absolute ``file://`` URI ending in ``/``, pins what
    ``%SRCROOT%`` means; without it the base is described, not located.
    """
    descriptors: dict[str, dict[str, Any]] = {
        code: _descriptor(rule) for code, rule in report.rules.items()
    }
    for _, finding in report.findings:
        if finding.code not in descriptors:
            descriptors[finding.code] = _stand_in_descriptor(finding)
    codes = sorted(descriptors)
    rule_index = {code: i for i, code in enumerate(codes)}

    ordered = files_in_order(report)
    by_path = {file.path: file for file in ordered}
    results = []
    for file in ordered:
        seen: Counter[tuple[str, str]] = Counter()
        for finding in findings_in_order(file):
            flagged = file.text[finding.span.start : finding.span.end]
            occurrence = seen[finding.code, flagged]
            seen[finding.code, flagged] += 1
            results.append(_result(file, finding, rule_index[finding.code], occurrence, by_path))

    root: dict[str, Any] = {
        "description": {"text": "The directory promptwise was run in (the repository root in CI)."}
    }
    if srcroot is not None:
        root = {"uri": srcroot if srcroot.endswith("/") else srcroot + "/", **root}
    run: dict[str, Any] = {
        "tool": {"driver": _driver(report, [descriptors[code] for code in codes])},
        "originalUriBaseIds": {SRCROOT: root},
        "results": results,
        "columnKind": "utf16CodeUnits",
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
