"""Where a prompt file points at something else, found in its parsed document.

Five kinds of reference connect prompt files:

- a template variable's uses and its declaration in the frontmatter
  (``inputs``, ``input.schema``): :func:`variable_at` groups them;
- a Dotprompt partial, ``{{> name}}``, which Dotprompt fills in from the
  file ``_name.prompt`` in the prompts folder;
- a Prompty ``${file:path}`` in the frontmatter, which Prompty replaces with
  the file's parsed content (a shared connection, a sample);
- a markdown link ``[text](path)`` (or a link definition ``[id]: path``);
- a Copilot ``#file:path`` in a Copilot prompt or instructions file.

Only what a file *means* is a reference: a link inside a code block or an
inline code span, or one to a web address or an anchor, is not. Whether a
reference's text is sent along with the prompt (``included``) is decided
here too, from the format's own rules: a partial is rendered into the
prompt, and VS Code attaches the files a Copilot prompt file links to, but
Prompty's ``${file:}`` feeds configuration and a link in ``AGENTS.md`` or
``SKILL.md`` is read by the agent only if it chooses to.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePath
from urllib.parse import unquote

from promptwise.document.model import (
    PromptDocument,
    PromptFormat,
    SegmentKind,
    Variable,
    VariableRole,
)
from promptwise.document.text import Span


class ReferenceKind(str, Enum):
    PARTIAL = "partial"  # Dotprompt {{> name}}
    FILE = "file"  # Prompty ${file:path}
    LINK = "link"  # markdown [text](path) or [id]: path
    COPILOT_FILE = "copilot-file"  # Copilot #file:path


@dataclass(frozen=True)
class Reference:
    """One reference to another file, as written.

    ``span`` is the whole reference (``{{> header}}``, ``[guide](g.md)``);
    ``target_span`` only the name or path in it, which is what a document
    link covers; ``target`` is that path or name with any ``#anchor`` or
    ``?query`` removed and ``%20``-style escapes decoded.
    """

    kind: ReferenceKind
    span: Span
    target_span: Span
    target: str
    included: bool  # its text is sent to the model with this prompt


# Copilot prompt files: VS Code attaches the files they link to or name with #file:.
COPILOT_SUFFIXES = (".prompt.md", ".instructions.md", ".agent.md", ".chatmode.md")
COPILOT_NAMES = ("copilot-instructions.md",)

# Both patterns start with their literal first character (no lookbehind), which
# lets ``re`` jump from one candidate to the next; what may not precede them
# (``!`` of an image, a word before ``#file:``) is checked by hand.
_INLINE_LINK = re.compile(
    r"\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\((?P<dest><[^<>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)"
    r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*\)"
)
_LINK_DEFINITION = re.compile(
    r"^[ ]{0,3}\[(?P<label>[^\[\]\n]+)\]:[ \t]*(?P<dest><[^<>\n]*>|\S+)", re.MULTILINE
)
_COPILOT_FILE = re.compile(r"#file:(?P<dest>[^\s`()\[\]<>\"']+)")
_NOT_BEFORE = {ReferenceKind.LINK: "!", ReferenceKind.COPILOT_FILE: "_`#/"}
_PROMPTY_FILE = re.compile(r"\$\{file:(?P<dest>[^}\n]+)\}")
_INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_TRAILING = ".,;:!?"


def is_copilot_file(path: str) -> bool:
    name = PurePath(path).name.lower()
    return name.endswith(COPILOT_SUFFIXES) or name in COPILOT_NAMES


def file_target(dest: str) -> str | None:
    """The file a link destination names, or None for a web address, anchor or placeholder."""
    dest = dest.strip()
    if dest.startswith("<") and dest.endswith(">"):
        dest = dest[1:-1].strip()
        if "." not in dest and "/" not in dest:
            return None  # `[#<n>](<url>)`: a placeholder in a template for the model to fill
    if not dest or dest.startswith(("#", "//", "?")) or _SCHEME.match(dest):
        return None
    if any(mark in dest for mark in ("{", "}", "$", "*")):
        return None  # a template placeholder or a glob, not a path
    path = dest.split("#", 1)[0].split("?", 1)[0]
    if not path:
        return None
    return unquote(path)


def find_references(doc: PromptDocument) -> tuple[Reference, ...]:
    """Every reference to another file in ``doc``, in source order."""
    found: list[Reference] = []
    if doc.format is PromptFormat.DOTPROMPT:
        found.extend(_partials(doc))
    if doc.format is PromptFormat.PROMPTY and doc.frontmatter_span is not None:
        found.extend(_prompty_files(doc))
    if doc.format is PromptFormat.MARKDOWN:
        found.extend(_markdown(doc))
    found.sort(key=lambda r: r.span.start)
    return tuple(found)


def reference_at(doc: PromptDocument, offset: int) -> Reference | None:
    """The reference whose text contains ``offset`` (its end included, where a cursor sits)."""
    for ref in find_references(doc):
        if ref.span.start <= offset <= ref.span.end:
            return ref
    return None


def _partials(doc: PromptDocument) -> Iterator[Reference]:
    text = doc.text
    for tag in doc.tags:
        if tag.kind != "partial" or not tag.name:
            continue
        name = tag.name
        if name.startswith(("(", "@", "[")) or not re.fullmatch(r"[\w./-]+", name):
            continue  # a dynamic partial or @partial-block: nothing to resolve
        at = text.find(name, tag.span.start, tag.span.end)
        if at == -1:
            continue
        yield Reference(
            ReferenceKind.PARTIAL, tag.span, Span(at, at + len(name)), name, included=True
        )


def _prompty_files(doc: PromptDocument) -> Iterator[Reference]:
    assert doc.frontmatter_span is not None
    span = doc.frontmatter_span
    for m in _PROMPTY_FILE.finditer(doc.text, span.start, span.end):
        raw = m.group("dest").strip()
        target = file_target(raw) if raw else None
        if target is None:
            continue
        start = m.start("dest") + (len(m.group("dest")) - len(m.group("dest").lstrip()))
        yield Reference(
            ReferenceKind.FILE,
            Span(m.start(), m.end()),
            Span(start, start + len(raw)),
            target,
            included=False,
        )


def _holes(doc: PromptDocument) -> tuple[list[int], list[int]]:
    """Where a link is text, not a link: code blocks, inline code, comments, frontmatter.

    Merged and sorted, as parallel lists of starts and ends (plain integers:
    this runs on every markdown file, and sorting spans compares dataclasses).
    """
    raw = [
        (s.span.start, s.span.end)
        for s in doc.flat_segments
        if s.kind in (SegmentKind.CODE, SegmentKind.COMMENT)
    ]
    raw.extend((c.start, c.end) for c in doc.comment_spans)
    if doc.frontmatter_span is not None:
        raw.append((doc.frontmatter_span.start, doc.frontmatter_span.end))
    text, body = doc.text, doc.body_span
    if "`" in text:
        raw.extend(m.span() for m in _INLINE_CODE.finditer(text, body.start, body.end))
    raw.extend(_html_comments(text, body))
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(raw):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _html_comments(text: str, body: Span) -> Iterator[tuple[int, int]]:
    pos = body.start
    while True:
        start = text.find("<!--", pos, body.end)
        if start == -1:
            return
        end = text.find("-->", start + 4, body.end)
        end = body.end if end == -1 else end + 3
        yield start, end
        pos = end


def _markdown(doc: PromptDocument) -> Iterator[Reference]:
    text, body = doc.text, doc.body_span
    copilot = is_copilot_file(doc.path)
    patterns: list[tuple[re.Pattern[str], ReferenceKind]] = [
        (_INLINE_LINK, ReferenceKind.LINK),
        (_LINK_DEFINITION, ReferenceKind.LINK),
    ]
    if copilot:
        patterns.append((_COPILOT_FILE, ReferenceKind.COPILOT_FILE))
    candidates = [
        (m, kind, pattern is _LINK_DEFINITION)
        for pattern, kind in patterns
        for m in pattern.finditer(text, body.start, body.end)
    ]
    if not candidates:
        return
    starts, ends = _holes(doc)  # only for files with a candidate: most have none
    for m, kind, definition in candidates:
        before = text[m.start() - 1] if m.start() > 0 else "\n"
        if not definition and (
            before in _NOT_BEFORE[kind] or (kind is ReferenceKind.COPILOT_FILE and before.isalnum())
        ):
            continue
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and m.start() < ends[i]:
            continue
        dest = m.group("dest")
        dest_start = m.start("dest")
        if kind is ReferenceKind.COPILOT_FILE:
            dest = dest.rstrip(_TRAILING)
        target = file_target(dest)
        if target is None:
            continue
        shown = dest.strip()
        offset = dest_start + (len(dest) - len(dest.lstrip()))
        if shown.startswith("<") and shown.endswith(">"):
            shown, offset = shown[1:-1], offset + 1
        path_part = shown.split("#", 1)[0].split("?", 1)[0]
        end = m.end() if kind is not ReferenceKind.COPILOT_FILE else dest_start + len(dest)
        yield Reference(
            kind,
            Span(m.start(), end),
            Span(offset, offset + len(path_part)),
            target,
            included=copilot,
        )


# ----------------------------------------------------------------- variables


@dataclass(frozen=True)
class VariableGroup:
    """Every occurrence of one template variable in one file."""

    name: str
    declarations: tuple[Variable, ...]
    uses: tuple[Variable, ...]

    @property
    def spans(self) -> tuple[Span, ...]:
        return tuple(sorted(v.span for v in (*self.declarations, *self.uses)))


def variable_at(doc: PromptDocument, offset: int) -> VariableGroup | None:
    """The variable whose name (declared or used) is at ``offset``, with all its occurrences."""
    hit = next((v for v in doc.variables if v.span.start <= offset <= v.span.end and v.name), None)
    if hit is None:
        return None
    return variable_group(doc, hit.name)


def variable_group(doc: PromptDocument, name: str) -> VariableGroup:
    same = [v for v in doc.variables if v.name == name]
    return VariableGroup(
        name,
        tuple(v for v in same if v.role is VariableRole.DECLARATION),
        tuple(v for v in same if v.role is VariableRole.USE),
    )
