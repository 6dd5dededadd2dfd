"""GitHub Actions workflow commands: one annotation per finding.

Values are escaped as the runner expects (``%``, CR and LF in messages;
additionally ``:`` and ``,`` in properties), so a message with a newline or
a path with a comma cannot break the command.
"""

from __future__ import annotations

from promptwise.findings import Severity
from promptwise.report.model import CheckReport

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice",
            Severity.HINT: "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render_github(report: CheckReport, *, color: bool = False) -> str:
    del color
    out: list[str] = []
    for file in report.files:
        for finding in sorted(file.findings, key=lambda f: (f.span.start, f.code)):
            start = file.lines.position(finding.span.start)
            end = file.lines.position(finding.span.end)
            props = [
                f"file={escape_property(file.path)}",
                f"line={start.line + 1}",
                f"col={start.character + 1}",
                f"endLine={end.line + 1}",
                f"endColumn={end.character + 1}",
                f"title={escape_property(f'{finding.code} {finding.name}')}",
            ]
            out.append(f"::{_COMMAND[finding.severity]} {','.join(props)}::"
                       f"{escape_data(finding.message)}")
    return "\n".join(out) + ("\n" if out else "")
