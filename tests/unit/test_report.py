"""Renderers: text, JSON, SARIF (schema-validated), GitHub annotations, JUnit.

Reports are built by hand so each expectation can be read off the input:
line 2 of ``TEXT`` starts with a tab and has an emoji (two UTF-16 units, two
terminal cells) and a CJK character (one unit, two cells) before ``brief``,
which makes code-point, UTF-16 and display columns all differ.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema
import pytest

from promptwise.document.text import Span
from promptwise.findings import Finding, Fix, Related, Severity, TextEdit
from promptwise.report import RENDERERS, render
from promptwise.report.github import escape_data, escape_property
from promptwise.report.model import CheckReport, FileReport
from promptwise.report.sarif import artifact_uri, rule_name
from promptwise.report.text import caret_line
from promptwise.rules.model import Rule, RuleDocs
from tests.conftest import DATA

PATH = "p/a.txt"
TEXT = "Intro line\n\tTab then 😀中 brief answer\nlast line\n"
BRIEF = TEXT.index("brief")
FORMATS = ["text", "json", "sarif", "github", "junit"]


def make_rule(
    code: str, name: str, severity: Severity = Severity.WARNING, *, builtin: bool = True
) -> Rule:
    docs = RuleDocs(
        what="Flags a length word\nwith no number.\n\nSecond paragraph.",
        why="The model cannot measure it.",
        example="Be brief.",
        better="Answer in at most 2 sentences.",
    )
    return Rule(
        code=code,
        name=name,
        severity=severity,
        summary=f"Summary of {name}",
        message="`{match}` has no measure",
        docs=docs,
        source=f"/rules/{code}-{name}.yaml",
        kind="existence",
        family=code[:3],
        builtin=builtin,
    )


RULES = {
    "PW201": make_rule("PW201", "vague-quantity"),
    "PW202": make_rule("PW202", "unmeasured-length", Severity.INFO),
    "PW203": make_rule("PW203", "subjective-quality"),  # never fires below
    "PW003": make_rule("PW003", "undefined-variable", Severity.ERROR),
}


def brief(
    code: str = "PW202",
    severity: Severity = Severity.WARNING,
    *,
    fix: bool = True,
    text: str = TEXT,
) -> Finding:
    start = text.index("brief")
    span = Span(start, start + len("brief"))
    fixes = (
        (
            Fix(
                "Replace `brief` with a number",
                (TextEdit(span, "in at most ${1:2} sentences", snippet=True),),
            ),
        )
        if fix
        else ()
    )
    return Finding(
        code=code,
        name="unmeasured-length",
        severity=severity,
        message="`brief` has no measure",
        span=span,
        path=PATH,
        fixes=fixes,
    )


def intro(code: str = "PW201", severity: Severity = Severity.ERROR) -> Finding:
    return Finding(
        code=code,
        name="vague-quantity",
        severity=severity,
        message="`Intro` is vague",
        span=Span(0, 5),
        path=PATH,
    )


def report(*findings: Finding, text: str = TEXT, clean: bool = True) -> CheckReport:
    files = [FileReport(PATH, text, tuple(findings))]
    if clean:
        files.append(FileReport("p/clean.prompty", "system:\nHi\n", ()))
    return CheckReport(tuple(files), RULES, "9.9.9")


EMPTY = CheckReport((), RULES, "9.9.9")


# --- text ---------------------------------------------------------------------------------


def test_text_header_quote_caret_fix_and_summary() -> None:
    lines = render(report(brief()), "text").splitlines()
    # Column 14 counts code points: tab, "Tab then " (9), emoji, CJK, space.
    assert lines[0] == "p/a.txt:2:14: PW202 `brief` has no measure"
    assert lines[1] == "2 | \tTab then 😀中 brief answer"
    # The tab is mirrored; "Tab then " is 9 cells, 😀 and 中 two cells each, then a space.
    assert lines[2] == "  | \t" + " " * 14 + "^^^^^"
    assert lines[3] == "  = fix: Replace `brief` with a number"
    assert lines[4] == ""
    assert lines[5] == "Found 1 finding (0 errors, 1 warning, 0 info) in 1 file."
    assert len(lines) == 6


def test_text_caret_lands_under_the_flagged_text_in_a_terminal() -> None:
    source = "\tTab then 😀中 brief answer"
    carets = caret_line(source, source.index("brief"), source.index("brief") + 5)

    # Expand tabs and wide characters the way a terminal does; columns must agree.
    def cells(s: str) -> int:
        return sum(2 if ch in "😀中" else 1 for ch in s.expandtabs(8))

    assert cells(carets.rstrip("^")) == cells(source[: source.index("brief")])
    assert caret_line("abc", 1, 1) == " ^"  # an empty span still gets one caret
    assert caret_line("a\u0301b", 0, 2) == "^"  # a combining accent takes no cell


def test_text_orders_files_and_findings_and_counts_severities() -> None:
    other = FileReport(
        "a/first.txt",
        "brief\n",
        (Finding("PW202", "unmeasured-length", Severity.HINT, "hint", Span(0, 5)),),
    )
    rep = CheckReport((*report(brief(), intro()).files, other), RULES, "1")
    lines = render(rep, "text").splitlines()
    headers = [line for line in lines if line.count(":") >= 3 and " PW" in line]
    assert headers == [
        "a/first.txt:1:1: PW202 hint",
        "p/a.txt:1:1: PW201 `Intro` is vague",
        "p/a.txt:2:14: PW202 `brief` has no measure",
    ]
    assert lines[-1] == ("Found 3 findings (1 error, 1 warning, 0 info, 1 hint) in 2 files.")


def test_text_colour_only_when_asked() -> None:
    plain = render(report(brief(), intro()), "text")
    assert "\x1b[" not in plain
    coloured = render(report(brief(), intro()), "text", color=True)
    assert "\x1b[1mp/a.txt:1:1:\x1b[0m" in coloured  # bold path
    assert "\x1b[31mPW201" in coloured  # red error code
    assert "\x1b[33mPW202" in coloured  # yellow warning code
    info = render(report(brief(severity=Severity.INFO)), "text", color=True)
    assert "\x1b[36mPW202" in info
    hint = render(report(brief(severity=Severity.HINT)), "text", color=True)
    assert "\x1b[2mPW202" in hint
    # Without the escapes, the coloured output is the plain one.
    import re

    assert re.sub(r"\x1b\[\d+m", "", coloured) == plain


def test_text_multiline_span_and_control_characters() -> None:
    text = "Be brief\x1b[2J now\nand more\n"
    start = text.index("brief")
    finding = Finding(
        "PW202",
        "unmeasured-length",
        Severity.WARNING,
        "two\nlines",
        Span(start, len(text) - 2),
        path=PATH,
    )
    lines = render(report(finding, text=text, clean=False), "text").splitlines()
    assert lines[0] == "p/a.txt:1:4: PW202 two lines"
    assert lines[1] == "1 | Be brief␛[2J now"  # the escape is shown, not obeyed
    assert lines[2] == "  |    " + "^" * len("brief␛[2J now")  # to the end of the first line


def test_text_windows_a_long_line_around_the_finding() -> None:
    text = "x" * 300 + " brief " + "y" * 300 + "\n"
    finding = brief(text=text, fix=False)
    lines = render(report(finding, text=text, clean=False), "text").splitlines()
    assert lines[0] == "p/a.txt:1:302: PW202 `brief` has no measure"
    shown, carets = lines[1][len("1 | ") :], lines[2][len("  | ") :]
    assert shown.startswith("…") and shown.endswith("…") and len(shown) < 110
    assert shown[carets.index("^") : carets.index("^") + 5] == "brief"


def test_text_blank_line_findings_have_no_quote() -> None:
    text = "first\n\nthird\n"
    finding = Finding("PW005", "empty-message", Severity.WARNING, "empty", Span(6, 6))
    lines = render(report(finding, text=text, clean=False), "text").splitlines()
    assert lines == [
        "p/a.txt:2:1: PW005 empty",
        "",
        "Found 1 finding (0 errors, 1 warning, 0 info) in 1 file.",
    ]


def test_text_clean_run() -> None:
    assert render(report(), "text") == "All checked: 2 files, no findings.\n"
    assert render(EMPTY, "text") == "All checked: 0 files, no findings.\n"


# --- json ---------------------------------------------------------------------------------


def test_json_structure_order_and_utf16_positions() -> None:
    data = json.loads(render(report(brief(), intro()), "json"))
    assert list(data) == ["version", "findings", "summary"]
    assert data["version"] == "9.9.9"
    first, second = data["findings"]
    assert first == {
        "path": PATH,
        "code": "PW201",
        "name": "vague-quantity",
        "severity": "error",
        "message": "`Intro` is vague",
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 5}},
    }
    assert list(second) == ["path", "code", "name", "severity", "message", "range", "fix"]
    # tab + "Tab then " + 😀 (two UTF-16 units) + 中 + space = 14 units; code points = 13.
    assert second["range"] == {
        "start": {"line": 1, "character": 14},
        "end": {"line": 1, "character": 19},
    }
    assert second["fix"] == {
        "title": "Replace `brief` with a number",
        "safe": False,
        "edits": [{"range": second["range"], "new_text": "in at most 2 sentences"}],
    }
    assert data["summary"]["findings"] == 2 and data["summary"]["files"] == 2
    assert data["summary"]["by_code"] == {"PW201": 1, "PW202": 1}


def test_json_sorts_by_path_position_code_and_resolves_related() -> None:
    twin = Finding(
        "PW201",
        "vague-quantity",
        Severity.WARNING,
        "same place",
        Span(0, 5),
        related=(
            Related("declared here", PATH, Span(BRIEF, BRIEF + 5)),
            Related("log record", "logs/evals.jsonl", line=3),
        ),
    )
    late = FileReport("a/z.txt", "x\n", (Finding("PW003", "u", Severity.ERROR, "m", Span(0, 1)),))
    rep = CheckReport((FileReport(PATH, TEXT, (brief(), twin, intro("PW003"))), late), RULES)
    data = json.loads(render(rep, "json"))
    order = [(f["path"], f["range"]["start"]["line"], f["code"]) for f in data["findings"]]
    assert order == [
        ("a/z.txt", 0, "PW003"),
        (PATH, 0, "PW003"),
        (PATH, 0, "PW201"),
        (PATH, 1, "PW202"),
    ]
    related = data["findings"][2]["related"]
    assert related[0] == {
        "path": PATH,
        "message": "declared here",
        "range": {"start": {"line": 1, "character": 14}, "end": {"line": 1, "character": 19}},
    }
    assert related[1]["range"]["start"] == {"line": 2, "character": 0}  # 1-based line 3


def test_json_empty_run() -> None:
    data = json.loads(render(EMPTY, "json"))
    assert data["findings"] == [] and data["summary"]["files"] == 0


# --- sarif --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    schema = json.loads((DATA / "sarif-2.1.0-schema.json").read_text(encoding="utf-8"))
    # The vendored OASIS schema declares draft-04; use whatever it declares.
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def sarif(rep: CheckReport) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(rep, "sarif"))
    return data


def test_sarif_is_schema_valid_and_fit_for_code_scanning(sarif_validator: Any) -> None:
    unknown = Finding("XX900", "user-rule", Severity.HINT, "from a user rule", Span(0, 0))
    data = sarif(report(brief(), intro(), unknown))
    sarif_validator.validate(data)
    assert data["version"] == "2.1.0" and data["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = data["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "promptwise" and driver["version"] == "9.9.9"
    assert driver["semanticVersion"] == "9.9.9" and driver["informationUri"].startswith("https")
    assert run["columnKind"] == "utf16CodeUnits"
    assert "%SRCROOT%" in run["originalUriBaseIds"]

    rules = driver["rules"]
    # Every rule of the run is described, fired or not, plus codes without a rule.
    assert [r["id"] for r in rules] == ["PW003", "PW201", "PW202", "PW203", "XX900"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    described = rules[[r["id"] for r in rules].index("PW202")]
    assert described["name"] == "UnmeasuredLength"
    assert described["shortDescription"] == {"text": "Summary of unmeasured-length"}
    assert described["fullDescription"]["text"] == (
        "Flags a length word with no number.\n\nSecond paragraph."
    )
    assert described["help"]["text"] == RULES["PW202"].render_docs()
    assert described["help"]["markdown"] == RULES["PW202"].render_markdown()
    assert described["helpUri"] == RULES["PW202"].docs_url
    assert described["defaultConfiguration"] == {"level": "note"}
    assert "prompt" in described["properties"]["tags"]

    by_code = {r["ruleId"]: r for r in run["results"]}
    result = by_code["PW202"]
    assert result["level"] == "warning"  # the finding's severity, not the rule default
    assert by_code["PW201"]["level"] == "error" and by_code["XX900"]["level"] == "note"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": PATH, "uriBaseId": "%SRCROOT%"}
    # 1-based, UTF-16 columns: 14 units before `brief`, so it starts in column 15.
    assert location["region"] == {"startLine": 2, "startColumn": 15, "endLine": 2, "endColumn": 20}
    (change,) = result["fixes"][0]["artifactChanges"]
    assert change["replacements"] == [
        {
            "deletedRegion": location["region"],
            "insertedContent": {"text": "in at most 2 sentences"},
        }
    ]
    assert by_code["XX900"]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": 1,
        "endLine": 1,
        "endColumn": 1,
    }


def test_sarif_fingerprints_stable_across_runs_and_line_moves() -> None:
    def prints(rep: CheckReport) -> dict[str, str]:
        return {
            r["ruleId"]: r["partialFingerprints"]["promptwiseFinding/v1"]
            for r in sarif(rep)["runs"][0]["results"]
        }

    once = prints(report(brief(), intro()))
    assert once == prints(report(brief(), intro()))  # same input, same fingerprints
    assert once["PW202"] != once["PW201"]
    moved_text = "A new first line\n\n" + TEXT
    moved = prints(report(brief(text=moved_text), text=moved_text))
    assert moved["PW202"] == once["PW202"]  # lines moved, the alert did not
    renamed = CheckReport((FileReport("p/b.txt", TEXT, (brief(),)),), RULES)
    assert prints(renamed)["PW202"] != once["PW202"]


def test_sarif_repeated_text_gets_distinct_fingerprints(sarif_validator: Any) -> None:
    text = "brief, then brief again\n"
    second = text.index("brief", 1)
    findings = (
        brief(text=text),
        Finding(
            "PW202",
            "unmeasured-length",
            Severity.WARNING,
            "`brief` has no measure",
            Span(second, second + 5),
            related=(Related("first one", PATH, Span(0, 5)),),
        ),
    )
    data = sarif(report(*findings, text=text))
    sarif_validator.validate(data)
    results = data["runs"][0]["results"]
    assert len({json.dumps(r["partialFingerprints"]) for r in results}) == 2
    assert results[1]["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": PATH, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 6},
            },
            "message": {"text": "first one"},
        }
    ]


def test_sarif_uris_and_names() -> None:
    assert artifact_uri("./p/a b.txt") == ("p/a%20b.txt", True)
    assert artifact_uri("p\\win.txt") == ("p/win.txt", True)
    assert artifact_uri("a:b.txt") == ("a%3Ab.txt", True)  # not a URI scheme
    assert artifact_uri("/abs/x.txt") == ("file:///abs/x.txt", False)
    assert artifact_uri("C:\\work\\x.txt") == ("file:///C:/work/x.txt", False)
    assert rule_name("unmeasured-length") == "UnmeasuredLength"


def test_sarif_user_rules_do_not_leak_local_paths(sarif_validator: Any) -> None:
    local = make_rule("PW201", "vague-quantity", builtin=False)
    rep = CheckReport((FileReport("/abs/a.txt", TEXT, (intro(),)),), {"PW201": local}, "0.1.dev0")
    data = sarif(rep)
    sarif_validator.validate(data)
    driver = data["runs"][0]["tool"]["driver"]
    assert "helpUri" not in driver["rules"][0]
    assert "semanticVersion" not in driver  # not a semantic version
    location = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "file:///abs/a.txt"}


def test_sarif_empty_run_is_valid(sarif_validator: Any) -> None:
    data = sarif(CheckReport((), {}, ""))
    sarif_validator.validate(data)
    assert data["runs"][0]["results"] == [] and data["runs"][0]["tool"]["driver"]["rules"] == []
    assert "version" not in data["runs"][0]["tool"]["driver"]


# --- github -------------------------------------------------------------------------------


def test_github_annotations() -> None:
    out = render(report(brief(), intro(), brief("PW203", Severity.INFO, fix=False)), "github")
    assert out.splitlines() == [
        "::error file=p/a.txt,line=1,col=1,endLine=1,endColumn=6,"
        "title=PW201 vague-quantity::`Intro` is vague",
        "::warning file=p/a.txt,line=2,col=15,endLine=2,endColumn=20,"
        "title=PW202 unmeasured-length::`brief` has no measure",
        "::notice file=p/a.txt,line=2,col=15,endLine=2,endColumn=20,"
        "title=PW203 unmeasured-length::`brief` has no measure",
    ]
    assert out.endswith("\n")


def test_github_escaping_and_multiline_spans() -> None:
    odd = Finding("PW204", "hedge", Severity.HINT, "50% off,\r\nreally: yes", Span(0, 15))
    rep = CheckReport((FileReport("dir,x/a:b.txt", TEXT, (odd,)),), RULES)
    (line,) = render(rep, "github").splitlines()
    # Columns only on single-line annotations; message keeps ':' and ','.
    assert line == (
        "::notice file=dir%2Cx/a%3Ab.txt,line=1,endLine=2,"
        "title=PW204 hedge::50%25 off,%0D%0Areally: yes"
    )
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    assert escape_data("100%\r\n:,") == "100%25%0D%0A:,"


def test_github_clean_run_prints_nothing() -> None:
    assert render(report(), "github") == ""
    assert render(EMPTY, "github") == ""


# --- junit --------------------------------------------------------------------------------


def test_junit_one_case_per_file_and_counts() -> None:
    tricky = Finding(
        "PW201", "vague-quantity", Severity.ERROR, 'use <b> & "quotes"\x07', Span(0, 5)
    )
    xml = render(report(brief(), tricky), "junit")
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    suite = ET.fromstring(xml)
    assert suite.tag == "testsuite" and suite.get("name") == "promptwise"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "0")
    cases = suite.findall("testcase")
    assert [c.get("classname") for c in cases] == [PATH, "p/clean.prompty"]
    (failure,) = cases[0].findall("failure")
    assert failure.get("message") == "2 findings (1 error, 1 warning)"
    assert failure.get("type") == "PW201, PW202"
    assert failure.text == (
        'p/a.txt:1:1: PW201 [error] use <b> & "quotes"\ufffd\n'
        "p/a.txt:2:14: PW202 [warning] `brief` has no measure"
    )
    assert not cases[1].findall("failure")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props == {"version": "9.9.9", "findings": "2"}


def test_junit_empty_run() -> None:
    suite = ET.fromstring(render(EMPTY, "junit"))
    assert (suite.get("tests"), suite.get("failures")) == ("0", "0")
    assert not suite.findall("testcase")


# --- every format -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_an_empty_run(fmt: str) -> None:
    out = render(EMPTY, fmt)
    assert isinstance(out, str)
    assert out == "" if fmt == "github" else out.endswith("\n")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_deterministic_and_order_independent(fmt: str) -> None:
    one = report(brief(), intro())
    shuffled = CheckReport(
        tuple(
            reversed([FileReport(f.path, f.text, tuple(reversed(f.findings))) for f in one.files])
        ),
        RULES,
        "9.9.9",
    )
    assert render(one, fmt) == render(one, fmt) == render(shuffled, fmt)


def test_registry_and_unknown_format() -> None:
    assert sorted(RENDERERS) == sorted(FORMATS)
    assert RENDERERS["json"](EMPTY) == render(EMPTY, "json")
    with pytest.raises(ValueError, match="unknown output format 'yaml'"):
        render(EMPTY, "yaml")
