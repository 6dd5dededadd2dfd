"""JUnit XML: one test case per checked file, failing when the file has findings.

Why this shape: CI dashboards (GitLab's test report, Jenkins' JUnit plugin,
Azure DevOps) count and list test cases, so one case per file gives a count
that means something ("28 tests, 3 failed" = 3 of 28 prompt files need work)
and a list as long as the file list. Each failing case carries exactly one
``<failure>``: the common JUnit schema allows one per test case, and Jenkins
and GitLab show only the first of several. Its ``message`` is the count by
severity, its ``type`` the codes involved, and its body one line per finding
(``path:line:col: CODE [severity] message``), which both dashboards show as
the failure's details.

Text is XML-escaped by ElementTree; characters XML 1.0 cannot carry at all
(most C0 controls, lone surrogates) are replaced first, so any message or
path still yields a document every parser accepts.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

from promptwise.findings import Severity
from promptwise.report.json_format import files_in_order, findings_in_order
from promptwise.report.model import CheckReport, FileReport

SUITE_NAME = "promptwise"
CASE_NAME = "promptwise check"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Replace what XML 1.0 cannot represent, even escaped, with U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _failure_message(file: FileReport) -> str:
    counts = Counter(finding.severity for finding in file.findings)
    parts = [f"{counts[s]} {s.value}" for s in Severity if counts[s]]
    noun = "finding" if len(file.findings) == 1 else "findings"
    return f"{len(file.findings)} {noun} ({', '.join(parts)})"


def _failure_details(file: FileReport) -> str:
    lines = []
    for finding in findings_in_order(file):
        pos = file.lines.position(finding.span.start)
        lines.append(
            f"{file.path}:{pos.line + 1}:{pos.character + 1}: "
            f"{finding.code} [{finding.severity.value}] {finding.message}"
        )
    return "\n".join(lines)


def _testcase(suite: ET.Element, file: FileReport) -> bool:
    """Add the file's test case; True when it failed."""
    case = ET.SubElement(suite, "testcase", {"classname": xml_safe(file.path), "name": CASE_NAME})
    if not file.findings:
        return False
    codes = sorted({finding.code for finding in file.findings})
    failure = ET.SubElement(
        case,
        "failure",
        {"message": xml_safe(_failure_message(file)), "type": ", ".join(codes)},
    )
    failure.text = xml_safe(_failure_details(file))
    return True


def render_junit(report: CheckReport) -> str:
    """One ``<testsuite>`` with a ``<testcase>`` per file, as UTF-8 XML text."""
    suite = ET.Element("testsuite", {"name": SUITE_NAME})
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "version", "value": report.version})
    ET.SubElement(properties, "property", {"name": "findings", "value": str(len(report.findings))})
    failed = sum(_testcase(suite, file) for file in files_in_order(report))
    suite.set("tests", str(len(report.files)))
    suite.set("failures", str(failed))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    ET.indent(suite)
    body = ET.tostring(suite, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
