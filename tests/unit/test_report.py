"""Renderers: text, JSON, SARIF (schema-validated), GitHub annotations, JUnit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from promptwise.document.text import Span
from promptwise.findings import Finding, Fix, Severity, TextEdit
from promptwise.report import render
from promptwise.report.github import escape_data, escape_property
from promptwise.report.model import CheckReport, FileReport
from promptwise.rules.loader import load_rules
from tests.conftest import DATA

TEXT = "Intro\n\tTab then 😀中 brief answer\nlast line\n"


def finding(code: str = "PW202", start: int | None = None, word: str = "brief",
            severity: Severity = Severity.WARNING, fix: bool = True) -> Finding:
    start = TEXT.index(word) if start is None else start
    span = Span(start, start + len(word))
    fixes = (Fix("Replace `brief`", (TextEdit(span, "in at most ${1:N} sentences", snippet=True),),
                 safe=False),) if fix else ()
    return Finding(code=code, name="unmeasured-length", severity=severity,
                   message="`brief` has no measure", span=span, path="p/a.txt", fixes=fixes)


def report(*findings: Finding, extra_clean: bool = True) -> CheckReport:
    files = [FileReport("p/a.txt", TEXT, tuple(findings))]
    if extra_clean:
        files.append(FileReport("p/clean.prompty", "system:\nHi\n", ()))
    return CheckReport(tuple(files), load_rules().by_code(), "9.9.9")


def test_text_output_with_caret_under_tabs_and_wide_characters() -> None:
    out = render(report(finding()), "text")
    lines = out.splitlines()
    assert lines[0] == "p/a.txt:2:14: PW202 `brief` has no measure"
    source, caret = lines[1], lines[2]
    assert source.endswith("\tTab then 😀中 brief answer")
    assert caret.endswith("\t" + " " * 12 + "^^^^^")
    assert lines[3] == "      = fix: Replace `brief`"
    assert lines[-1] == "Found 1 finding (0 errors, 1 warning, 0 info) in 1 of 2 files."
    assert "\x1b[" not in out
    assert "\x1b[" in render(report(finding()), "text", color=True)


def test_text_output_clean() -> None:
    assert render(report(), "text") == "All checked: 2 files, no findings.\n"


def test_json_output_uses_lsp_positions() -> None:
    data = json.loads(render(report(finding(), finding("PW201", word="Intro", fix=False)), "json"))
    assert data["version"] == "9.9.9"
    first, second = data["findings"]
    assert first["code"] == "PW201" and first["range"]["start"] == {"line": 0, "character": 0}
    assert "fix" not in first
    assert second["range"] == {"start": {"line": 1, "character": 14},  # 😀 is 2 UTF-16 units
                               "end": {"line": 1, "character": 19}}
    assert second["fix"]["edits"][0]["new_text"] == "in at most N sentences"
    assert second["fix"]["safe"] is False
    assert list(second) == ["path", "code", "name", "severity", "message", "range", "fix"]
    assert data["summary"]["findings"] == 2 and data["summary"]["by_code"] == {"PW201": 1,
                                                                                "PW202": 1}


def _sarif_schema() -> dict:
    return json.loads((DATA / "sarif-2.1.0-schema.json").read_text())


def test_sarif_is_valid_and_usable_by_code_scanning() -> None:
    data = json.loads(render(report(finding(), finding("PW000", start=0, word="", fix=False,
                                                       severity=Severity.ERROR)), "sarif"))
    jsonschema.Draft4Validator(_sarif_schema()).validate(data)
    run = data["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["columnKind"] == "utf16CodeUnits"
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    brief = next(r for r in run["results"] if r["ruleId"] == "PW202")
    region = brief["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 2, "startColumn": 15, "endLine": 2, "endColumn": 20}
    assert brief["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "p/a.txt", "uriBaseId": "%SRCROOT%"}
    assert brief["level"] == "warning"
    rule = rules[brief["ruleIndex"]]
    assert rule["helpUri"].endswith("PW202-unmeasured-length.yaml") or rule["helpUri"]
    assert "help" in rule and rule["help"]["markdown"]
    assert brief["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"] == {
        "text": "in at most N sentences"}


def test_sarif_fingerprints_are_stable_and_distinct() -> None:
    one = json.loads(render(report(finding(), finding("PW201", word="Intro")), "sarif"))
    moved_text = "New first line\n" + TEXT
    moved = CheckReport((FileReport("p/a.txt", moved_text, (
        Finding("PW202", "x", Severity.WARNING, "m", Span(moved_text.index("brief"),
                                                          moved_text.index("brief") + 5)),)),),
        load_rules().by_code(), "9.9.9")
    two = json.loads(render(moved, "sarif"))
    prints = {r["ruleId"]: r["partialFingerprints"] for r in one["runs"][0]["results"]}
    assert prints["PW202"] == two["runs"][0]["results"][0]["partialFingerprints"]
    assert prints["PW202"] != prints["PW201"]


def test_sarif_empty_report_is_valid() -> None:
    data = json.loads(render(report(), "sarif"))
    jsonschema.Draft4Validator(_sarif_schema()).validate(data)
    assert data["runs"][0]["results"] == []


def test_github_annotations_and_escaping() -> None:
    odd = Finding("PW204", "hedge", Severity.INFO, "50% off,\nreally: yes", Span(0, 5),
                  path="p/a.txt")
    out = render(report(finding(), odd), "github").splitlines()
    assert out[0] == ("::notice file=p/a.txt,line=1,col=1,endLine=1,endColumn=6,"
                      "title=PW204 hedge::50%25 off,%0Areally: yes")
    assert out[1].startswith("::warning file=p/a.txt,line=2,col=14,")
    assert escape_property("a,b:c%") == "a%2Cb%3Ac%25"
    assert escape_data("a\r\nb") == "a%0D%0Ab"
    assert render(report(), "github") == ""


def test_junit_counts_and_escaping() -> None:
    tricky = Finding("PW201", "x", Severity.WARNING, "use <b> & \"quotes\"", Span(0, 5),
                     path="p/a.txt")
    root = ET.fromstring(render(report(finding(), tricky), "junit"))
    assert root.tag == "testsuite" and root.get("tests") == "2" and root.get("failures") == "1"
    cases = root.findall("testcase")
    assert [c.get("classname") for c in cases] == ["p/a.txt", "p/clean.prompty"]
    failures = cases[0].findall("failure")
    assert len(failures) == 2 and failures[0].get("type") == "PW201"
    assert "use <b> & \"quotes\"" in failures[0].get("message")
    assert not cases[1].findall("failure")


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_every_format_handles_an_empty_run(fmt: str) -> None:
    empty = CheckReport((), load_rules().by_code(), "1")
    render(empty, fmt)
