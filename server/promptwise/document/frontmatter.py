"""Split a file into YAML frontmatter and body, and load the frontmatter safely."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from promptwise.document import yamlnodes
from promptwise.document.model import ParseProblem
from promptwise.document.text import Span

_FENCE = re.compile(r"---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.M)


@dataclass(frozen=True)
class Frontmatter:
    span: Span  # from the opening fence through the closing fence's line end
    yaml_span: Span  # the YAML text between the fences
    data: dict[str, Any] | None
    key_spans: dict[str, Span] = field(default_factory=dict)
    value_spans: dict[str, Span] = field(default_factory=dict)
    problems: tuple[ParseProblem, ...] = ()


def find_frontmatter(
    text: str, *, allow_comment_preamble: bool = False, flat_fallback: bool = False
) -> Frontmatter | None:
    """Locate and load a leading ``---`` fenced YAML block.

    A BOM and blank lines before the fence are allowed; with
    ``allow_comment_preamble`` so are ``#`` comment lines (Dotprompt files
    often start with a licence header). With ``flat_fallback``, a block that
    is not YAML but is all ``key: value`` lines is read the way Cursor reads
    its rules: each value as the text after the colon (``globs: **/*.ts``
    is a glob there, not a broken YAML alias).
    """
    start = 1 if text.startswith("\ufeff") else 0
    while True:
        m = re.compile(r"[ \t]*\r?\n").match(text, start)
        if m and m.end() > start:
            start = m.end()
            continue
        if allow_comment_preamble and text.startswith("#", start):
            nl = text.find("\n", start)
            if nl == -1:
                return None
            start = nl + 1
            continue
        break
    opening = _FENCE.match(text, start)
    if not opening:
        return None
    close = _CLOSE.search(text, opening.end())
    if close is None:
        span = Span(start, opening.end())
        problem = ParseProblem(
            "PW001", "frontmatter is opened with `---` but never closed", Span(start, start + 3)
        )
        return Frontmatter(span, Span(opening.end(), opening.end()), None, problems=(problem,))
    yaml_span = Span(opening.end(), close.start())
    span = Span(start, close.end())
    return _load(text, span, yaml_span, flat_fallback)


_FLAT_LINE = re.compile(r"([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*\r?$")


def _flat(text: str, span: Span, yaml_span: Span) -> Frontmatter | None:
    """``key: value`` lines read as Cursor does, or None when a line is not one."""
    data: dict[str, Any] = {}
    keys: dict[str, Span] = {}
    values: dict[str, Span] = {}
    pos = yaml_span.start
    for line in text[yaml_span.start : yaml_span.end].split("\n"):
        start, pos = pos, pos + len(line) + 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _FLAT_LINE.fullmatch(line)
        if m is None or m.group(1) in data:
            return None
        raw = m.group(2) or ""
        value: Any = raw
        if raw == "":
            value = None
        elif raw in ("true", "false"):
            value = raw == "true"
        elif len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
            value = raw[1:-1]
        data[m.group(1)] = value
        keys[m.group(1)] = Span(start + m.start(1), start + m.end(1))
        v_start = start + (m.start(2) if m.group(2) is not None else m.end(1) + 1)
        values[m.group(1)] = Span(v_start, v_start + len(raw))
    return Frontmatter(span, yaml_span, data, keys, values)


def _load(text: str, span: Span, yaml_span: Span, flat_fallback: bool = False) -> Frontmatter:
    source = text[yaml_span.start : yaml_span.end]
    try:
        loaded = yamlnodes.load(source)
    except yamlnodes.YamlProblem as problem:
        flat = _flat(text, span, yaml_span) if flat_fallback else None
        if flat is not None:
            return flat
        at = yaml_span.start + min(problem.offset, len(source))
        line_end = text.find("\n", at)
        end = line_end if line_end != -1 and line_end > at else min(at + 1, len(text))
        finding = ParseProblem(
            "PW001", f"invalid YAML in frontmatter: {problem.message}", Span(at, max(at, end))
        )
        return Frontmatter(span, yaml_span, None, problems=(finding,))
    value = loaded.value
    if value is None:
        return Frontmatter(span, yaml_span, {})
    if not isinstance(value, dict):
        kind = type(value).__name__
        finding = ParseProblem(
            "PW001",
            f"frontmatter must be a mapping of keys to values, not a {_yaml_kind(kind)}",
            Span(yaml_span.start, max(yaml_span.start, yaml_span.end)),
        )
        return Frontmatter(span, yaml_span, None, problems=(finding,))
    keys: dict[str, Span] = {}
    values: dict[str, Span] = {}
    for path, start, end, node in yamlnodes.key_spans(loaded.node):
        keys[path] = Span(yaml_span.start + start, yaml_span.start + end)
        v_start = yaml_span.start + min(node.start_mark.index, len(source))
        v_end = yaml_span.start + min(node.end_mark.index, len(source))
        values[path] = Span(v_start, max(v_start, v_end))
    return Frontmatter(span, yaml_span, {str(k): v for k, v in value.items()}, keys, values)


def _yaml_kind(python_type: str) -> str:
    return {
        "list": "list",
        "str": "string",
        "int": "number",
        "float": "number",
        "bool": "boolean",
    }.get(python_type, python_type)
