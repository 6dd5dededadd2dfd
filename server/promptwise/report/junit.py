"""JUnit XML: one test case per checked file, one failure per finding.

CI dashboards (GitLab, Jenkins, Azure DevOps) list test cases by class and
name; a case per file keeps the list as long as the file list and shows each
finding under the file it belongs to, with its position in the failure text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from promptwise.report.model import CheckReport


def render_junit(report: CheckReport, *, color: bool = False) -> str:
    del color
    findings = sum(len(f.findings) for f in report.files)
    suite = ET.Element("testsuite", {
        "name": "promptwise",
        "tests": str(len(report.files)),
        "failures": str(sum(1 for f in report.files if f.findings)),
        "errors": "0",
        "skipped": "0",
    })
    suite.set("findings", str(findings))
    for file in report.files:
        case = ET.SubElement(suite, "testcase", {"classname": file.path, "name": "promptwise"})
        for finding in sorted(file.findings, key=lambda f: (f.span.start, f.code)):
            pos = file.lines.position(finding.span.start)
            failure = ET.SubElement(case, "failure", {
                "message": f"{finding.code} {finding.message}",
                "type": finding.code,
            })
            failure.text = (f"{file.path}:{pos.line + 1}:{pos.character + 1}: {finding.code} "
                            f"[{finding.severity.value}] {finding.message}")
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + \
        ET.tostring(suite, encoding="unicode") + "\n"
