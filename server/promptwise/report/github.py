"""GitHub Actions workflow commands: one annotation per finding.

``::error file=F,line=L,col=C,endLine=..,endColumn=..,title=CODE name::message``
with ``warning`` for warnings and ``notice`` for info and hints (the three
levels the runner has). Values are escaped the way the runner unescapes them
(``%``, CR and LF everywhere; ``:`` and ``,`` too inside properties), so a
message with a newline or a path with a comma cannot end the command early.

Columns are 1-based UTF-16 code units, the unit of the JavaScript runner and
of the SARIF output, and the end column is exclusive. GitHub only accepts
columns on single-line annotations, so a finding that spans lines gives its
lines alone.
"""

from __future__ import annotations

from promptwise.findings import Finding, Severity
from promptwise.report.escape import printable
from promptwise.report.json_format import files_in_order, findings_in_order
from promptwise.report.model import CheckReport, FileReport

COMMANDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.HINT: "notice",
}


def escape_data(value: str) -> str:
    """Escape a command's message (the text after ``::``)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a property value, where ``:`` and ``,`` are separators."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(file: FileReport, finding: Finding) -> str:
    """One finding as one workflow command line."""
    rng = file.lines.range(finding.span, "utf-16")
    props = [f"file={escape_property(printable(file.path))}", f"line={rng.start.line + 1}"]
    if rng.start.line == rng.end.line:
        props.append(f"col={rng.start.character + 1}")
    props.append(f"endLine={rng.end.line + 1}")
    if rng.start.line == rng.end.line:
        props.append(f"endColumn={rng.end.character + 1}")
    title = printable(f"{finding.code} {finding.name}".strip())
    props.append(f"title={escape_property(title)}")
    message = printable(finding.message, keep="\n\r")  # the runner's %0A keeps lines
    return f"::{COMMANDS[finding.severity]} {','.join(props)}::{escape_data(message)}"


def render_github(report: CheckReport) -> str:
    """Annotations only: a clean run prints nothing, so the log stays quiet."""
    lines = [
        annotation(file, finding)
        for file in files_in_order(report)
        for finding in findings_in_order(file)
    ]
    return "".join(line + "\n" for line in lines)
