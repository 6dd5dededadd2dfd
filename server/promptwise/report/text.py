"""Human-readable output: ``path:line:col: CODE message``, the line, a caret.

The header's line and column are 1-based and the column counts code points,
which is what people and most editors' "go to line:column" mean. The quoted
line and its caret line share a ``N | `` gutter (as ruff and rustc print
them); the caret line repeats every tab of the source and uses two spaces for
each wide (CJK, emoji) character, so the caret sits under the flagged text in
a terminal rather than merely at the right code-point count. Control
characters in the quoted line are shown as their Unicode pictures, so a stray
escape sequence or carriage return in a prompt cannot rewrite the terminal.

Colour is opt-in (``color=True``): the caller knows whether the output is a
TTY and whether ``NO_COLOR`` is set; this module never looks.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence

from promptwise.document.text import Span
from promptwise.findings import Finding, Severity
from promptwise.report.escape import printable
from promptwise.report.json_format import files_in_order, findings_in_order
from promptwise.report.model import CheckReport, FileReport
from promptwise.rules.secrets import mask_line

_SEVERITY_COLOR = {
    Severity.ERROR: "\x1b[31m",
    Severity.WARNING: "\x1b[33m",
    Severity.INFO: "\x1b[36m",
    Severity.HINT: "\x1b[2m",
}
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"

# Lines longer than this many code points are shown as a window around the
# finding; prompts stored as JSON often keep a whole message on one line.
_LONG_LINE = 120
_WINDOW = 100
_CONTEXT = 40
_ELLIPSIS = "…"

# Bidirectional overrides reorder what the terminal shows; render them inert.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _visible(ch: str) -> str:
    """One code point as one printable code point (tabs are kept)."""
    code = ord(ch)
    if ch == "\t":
        return ch
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    if 0x80 <= code < 0xA0 or ch in _BIDI_CONTROLS or 0xD800 <= code < 0xE000:
        return "\ufffd"
    return ch


def _cells(ch: str) -> int:
    """Terminal cells a code point occupies: 0 for combining marks, 2 for wide ones."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def caret_line(line: str, start: int, end: int) -> str:
    """Padding that mirrors ``line[:start]`` (tabs as tabs), then carets up to ``end``.

    ``start`` and ``end`` are code-point columns on ``line``; the carets cover
    the display width of ``line[start:end]``, and there is always at least one.
    """
    pad = "".join(ch if ch == "\t" else " " * _cells(ch) for ch in line[:start])
    width = sum(_cells(ch) if ch != "\t" else 1 for ch in line[start : max(start, end)])
    return pad + "^" * max(1, width)


def _window(line: str, start: int, end: int) -> tuple[str, int, int]:
    """Cut a long line down to a window around the finding, marking the cuts."""
    if len(line) <= _LONG_LINE:
        return line, start, end
    left = max(0, start - _CONTEXT)
    left = min(left, max(0, len(line) - _WINDOW))
    right = min(len(line), left + _WINDOW)
    shown = line[left:right]
    lead = _ELLIPSIS if left else ""
    tail = _ELLIPSIS if right < len(line) else ""
    shift = len(lead) - left
    return lead + shown + tail, start + shift, min(end, right) + shift


def _one_line(message: str) -> str:
    """Keep a finding on one line whatever its message contains."""
    return "".join(_visible(ch) for ch in message.replace("\r\n", " ").replace("\n", " "))


def _paint(text: str, *styles: str, color: bool) -> str:
    return "".join(styles) + text + _RESET if color else text


def _finding_lines(
    file: FileReport, finding: Finding, color: bool, secrets: Sequence[Span] = ()
) -> list[str]:
    lines = file.lines
    start = lines.position(finding.span.start)
    end = lines.position(finding.span.end)
    where = _paint(
        f"{printable(file.path)}:{start.line + 1}:{start.character + 1}:", _BOLD, color=color
    )
    code = _paint(finding.code, _BOLD, _SEVERITY_COLOR[finding.severity], color=color)
    out = [f"{where} {code} {_one_line(finding.message)}"]

    source = lines.line_text(start.line)
    number = str(start.line + 1)
    margin = " " * len(number)
    if source.strip():
        end_col = end.character if end.line == start.line else len(source)
        source, begin, end_col = mask_line(
            source, lines.line_start(start.line), secrets, start.character, end_col
        )
        shown, first, last = _window(source, begin, end_col)
        shown = "".join(_visible(ch) for ch in shown)
        carets = caret_line(shown, first, last)
        pad = carets.rstrip("^")
        marks = _paint(carets[len(pad) :], _SEVERITY_COLOR[finding.severity], color=color)
        out.append(_paint(f"{number} |", _DIM, color=color) + f" {shown}")
        out.append(_paint(f"{margin} |", _DIM, color=color) + f" {pad}{marks}")
    fix = finding.fix
    if fix is not None:
        out.append(f"{margin} = fix: {_one_line(fix.title)}")
    return out


def counted(n: int, word: str) -> str:
    """``1 file``, ``2 files``: a summary reads as English whatever the count."""
    return f"{n} {word}" if n == 1 or word == "info" else f"{n} {word}s"


def summary_line(report: CheckReport) -> str:
    """``Found N findings (...) in F files.`` or ``All checked: F files, no findings.``"""
    severities = Counter(finding.severity for _, finding in report.findings)
    total = sum(severities.values())
    if not total:
        return f"All checked: {counted(len(report.files), 'file')}, no findings."
    parts = [
        counted(severities[Severity.ERROR], "error"),
        counted(severities[Severity.WARNING], "warning"),
        counted(severities[Severity.INFO], "info"),
    ]
    if severities[Severity.HINT]:
        parts.append(counted(severities[Severity.HINT], "hint"))
    flagged = sum(1 for file in report.files if file.findings)
    return f"Found {counted(total, 'finding')} ({', '.join(parts)}) in {counted(flagged, 'file')}."


def _secret_spans(report: CheckReport, file: FileReport) -> list[Span]:
    """Where the file holds secrets: never quoted in full (see rules/secrets.py)."""
    rules = report.rules
    return [f.span for f in file.findings if f.code in rules and rules[f.code].secret]


def render_text(report: CheckReport, *, color: bool = False) -> str:
    """Every finding as a header, the quoted line with a caret, and its fix; then a summary."""
    blocks: list[list[str]] = []
    for file in files_in_order(report):
        secrets = _secret_spans(report, file)
        blocks.extend(
            _finding_lines(file, finding, color, secrets) for finding in findings_in_order(file)
        )
    out = [line for block in blocks for line in [*block, ""]]
    out.append(_paint(summary_line(report), _BOLD, color=color))
    return "\n".join(out) + "\n"
