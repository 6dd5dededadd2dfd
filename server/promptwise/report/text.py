"""Human-readable output: ``path:line:col: CODE message``, the line, a caret.

Columns are 1-based and counted in characters, as people and most editors'
"go to line:column" expect. Colour only when asked (a TTY without NO_COLOR).
"""

from __future__ import annotations

from promptwise.findings import Severity
from promptwise.report.model import CheckReport, FileReport

_COLORS = {
    Severity.ERROR: "\x1b[31m",
    Severity.WARNING: "\x1b[33m",
    Severity.INFO: "\x1b[36m",
    Severity.HINT: "\x1b[2m",
}
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


def _caret(line: str, start_col: int, end_col: int) -> str:
    """Spaces (tabs kept) up to the start, then carets over the span on this line."""
    prefix = "".join("\t" if ch == "\t" else " " for ch in line[:start_col])
    width = max(1, min(end_col, len(line)) - start_col)
    return prefix + "^" * width


def render_text(report: CheckReport, *, color: bool = False) -> str:
    out: list[str] = []
    for file in report.files:
        out.extend(_file(file, color))
    summary = report.summary
    total = int(summary["findings"])  # type: ignore[call-overload]
    by = summary["by_severity"]
    assert isinstance(by, dict)
    if total:
        files = summary["files_with_findings"]
        noun = "finding" if total == 1 else "findings"
        counts = ", ".join(_plural(n, word) for n, word in (
            (by["error"], "error"), (by["warning"], "warning"), (by["info"] + by["hint"], "info")))
        out.append(f"Found {total} {noun} ({counts}) in {files} of {summary['files']} files.")
    else:
        out.append(f"All checked: {summary['files']} files, no findings.")
    return "\n".join(out) + "\n"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 or word == "info" else f"{count} {word}s"


def _file(file: FileReport, color: bool) -> list[str]:
    lines: list[str] = []
    for finding in sorted(file.findings, key=lambda f: (f.span.start, f.code)):
        start = file.lines.position(finding.span.start)
        end = file.lines.position(finding.span.end)
        where = f"{file.path}:{start.line + 1}:{start.character + 1}:"
        code = finding.code
        if color:
            where = f"{_BOLD}{where}{_RESET}"
            code = f"{_COLORS[finding.severity]}{_BOLD}{code}{_RESET}"
        lines.append(f"{where} {code} {finding.message}")
        source = file.lines.line_text(start.line) if file.text else ""
        if source.strip():
            end_col = end.character if end.line == start.line else len(source)
            caret = _caret(source, start.character, end_col)
            gutter = f"{start.line + 1:>5} | "
            blank = " " * (len(gutter) - 2) + "| "
            if color:
                caret = f"{_COLORS[finding.severity]}{caret}{_RESET}"
                gutter, blank = f"{_DIM}{gutter}{_RESET}", f"{_DIM}{blank}{_RESET}"
            lines.append(gutter + source)
            lines.append(blank + caret)
        if finding.fix is not None:
            lines.append(f"      = fix: {finding.fix.title}")
        lines.append("")
    return lines
