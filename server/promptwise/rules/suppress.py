"""In-file suppression comments, written in the format's own comment syntax
so they never reach the model.

- ``promptwise: disable=PW201,PW3`` anywhere: off for the whole file;
- ``promptwise: disable-line=PW201``: off for the line the comment is on;
- ``promptwise: disable-next-line=PW201``: off for the following line.

Codes may be prefixes (``PW2``) or ``all``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from promptwise.document.model import PromptDocument, PromptFormat, SegmentKind, TemplateSyntax
from promptwise.document.text import Span

_DIRECTIVE = re.compile(
    r"promptwise:\s*(disable-next-line|disable-line|disable)\s*=\s*([A-Za-z0-9_,\s]+?)\s*"
    r"(?:-?#\}|-->|~?\}\}|$)",
    re.I,
)


@dataclass(frozen=True)
class Directive:
    kind: str  # "file" | "line"
    codes: tuple[str, ...]
    span: Span  # the comment
    line: int | None  # zero-based target line for line directives

    def covers(self, code: str, line: int) -> str | None:
        """The listed code that covers ``code`` on ``line``, if any."""
        if self.kind == "line" and line != self.line:
            return None
        for listed in self.codes:
            if listed == "ALL" or code.startswith(listed):
                return listed
        return None


def comment_syntax(doc: PromptDocument) -> tuple[str, str] | None:
    """Opening and closing of a template comment the model never sees, for this file.

    None where no such comment exists: chat JSON has no comments at all, and
    a template comment inside a chat message's string is sent as text (chat
    YAML takes a YAML comment outside every string instead, see
    :mod:`promptwise.edits`). A plain text file gets one only when it shows
    which engine renders it: ``{{name}}`` alone is Mustache as much as Jinja,
    and Mustache would send a ``{# #}`` to the model.
    """
    if doc.format is PromptFormat.MARKDOWN:
        return ("<!-- ", " -->")
    if doc.format is PromptFormat.CHAT:
        return None
    if doc.format is PromptFormat.TEXT:
        if doc.syntax is TemplateSyntax.JINJA and ("{%" in doc.text or "{#" in doc.text):
            return ("{# ", " #}")
        if doc.syntax is TemplateSyntax.HANDLEBARS:
            return ("{{! ", " }}")
        return None
    if doc.syntax is TemplateSyntax.JINJA or (
        doc.format is PromptFormat.PROMPTY and doc.syntax is not TemplateSyntax.MUSTACHE
    ):
        return ("{# ", " #}")
    if (
        doc.syntax in (TemplateSyntax.HANDLEBARS, TemplateSyntax.MUSTACHE)
        or doc.format is PromptFormat.DOTPROMPT
    ):
        return ("{{! ", " }}")
    return None


def directives(doc: PromptDocument) -> list[Directive]:
    spans = list(doc.comment_spans)
    spans.extend(s.span for s in doc.walk() if s.kind is SegmentKind.COMMENT)
    out: list[Directive] = []
    for span in sorted(set(spans)):
        body = doc.text[span.start : span.end]
        for m in _DIRECTIVE.finditer(body):
            codes = tuple(c.strip().upper() for c in m.group(2).split(",") if c.strip())
            kind = m.group(1).lower()
            line = doc.lines.line_of(span.start)
            if kind == "disable":
                out.append(Directive("file", codes, span, None))
            elif kind == "disable-line":
                out.append(Directive("line", codes, span, line))
            else:
                # A block comment's span ends after its newline; its last line is the one
                # holding its last character.
                last = doc.lines.line_of(max(span.start, span.end - 1))
                out.append(Directive("line", codes, span, last + 1))
    return out
