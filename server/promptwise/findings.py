"""Findings: what a rule reports, and the fixes it offers.

Findings carry code-point spans into the document text; adapters turn them
into the line/column unit their consumer wants. Renderers take a list of
findings and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from promptwise.document.text import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {value!r} (expected one of: {choices})") from None


_RANK = {Severity.HINT: 0, Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}


@dataclass(frozen=True)
class TextEdit:
    """Replace ``span`` with ``new_text``.

    ``snippet`` marks text with LSP snippet placeholders (``${1:N}``) that an
    editor can turn into tab stops; plain consumers use :attr:`plain_text`.
    """

    span: Span
    new_text: str
    snippet: bool = False

    @property
    def plain_text(self) -> str:
        return strip_snippet(self.new_text) if self.snippet else self.new_text


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[TextEdit, ...]
    # A safe fix keeps the prompt's meaning and may be applied without review
    # ("fix all"); unsafe ones are offered one at a time.
    safe: bool = False


@dataclass(frozen=True)
class Related:
    """Another place a finding points to (a declaration, a log record)."""

    message: str
    path: str
    span: Span | None = None
    line: int | None = None  # for files that are not open (log records)


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    span: Span
    path: str = ""
    fixes: tuple[Fix, ...] = ()
    related: tuple[Related, ...] = ()
    # Structured extras for adapters (token numbers, case ids); never rendered raw.
    data: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def fix(self) -> Fix | None:
        return self.fixes[0] if self.fixes else None


def strip_snippet(text: str) -> str:
    """Turn LSP snippet syntax into its default text: ``${1:N}`` -> ``N``."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "$}\\":
            out.append(text[i + 1])
            i += 2
            continue
        if ch == "$" and i + 1 < len(text):
            if text[i + 1] == "{":
                j = i + 2
                while j < len(text) and text[j].isdigit():
                    j += 1
                if j < len(text) and text[j] == ":":
                    depth, k = 1, j + 1
                    while k < len(text) and depth:
                        if text[k] == "{":
                            depth += 1
                        elif text[k] == "}":
                            depth -= 1
                        k += 1
                    out.append(strip_snippet(text[j + 1 : k - 1]))
                    i = k
                    continue
                if j < len(text) and text[j] == "}":
                    i = j + 1
                    continue
            elif text[i + 1].isdigit():
                j = i + 1
                while j < len(text) and text[j].isdigit():
                    j += 1
                i = j
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def apply_edits(text: str, edits: tuple[TextEdit, ...] | list[TextEdit]) -> str:
    """Apply non-overlapping edits to ``text`` (placeholders take their defaults)."""
    result = text
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end), reverse=True):
        result = result[: edit.span.start] + edit.plain_text + result[edit.span.end :]
    return result
