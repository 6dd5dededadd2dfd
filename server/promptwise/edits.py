"""Edits Promptwise makes to the user's files: apply every safe fix, disable a rule.

Pure text in, :class:`~promptwise.findings.TextEdit` out: the language
server turns them into quick fixes and a fix-all action, and a ``check
--fix`` can apply them with :func:`~promptwise.findings.apply_edits`.

**Fix all** takes each finding's first safe fix, skipping any that would
touch text an earlier one already changed; fixes that need review (not
marked safe by their rule) are never applied in bulk.

**Suppressions** are written in the format's own non-rendered comment
(:func:`promptwise.rules.suppress.comment_syntax`), so they never reach the
model. Where a comment would change what the file means, no edit is offered:

- no line comment inside YAML frontmatter (a ``{# #}`` there would become
  part of a YAML value), only the file-level one below it;
- in markdown, comments are recognised on their own line only, so the
  line-level fix inserts a ``disable-next-line`` comment above the line;
- formats without a comment syntax (chat JSON/YAML, plain text) get only
  the config-file fix.

"Ignore in config" edits the config file that applies to the prompt (the one
``find_config`` returns) or creates ``promptwise.yaml``; the edit is plain
text surgery that keeps the user's comments and layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from promptwise.document import yamlnodes
from promptwise.document.model import PromptDocument, PromptFormat
from promptwise.document.text import Span
from promptwise.findings import Finding, TextEdit, apply_edits
from promptwise.rules.suppress import comment_syntax, directives

# ------------------------------------------------------------------ fix all


def safe_edits(findings: tuple[Finding, ...] | list[Finding]) -> list[TextEdit]:
    """Every safe fix's edits that do not overlap an earlier one."""
    chosen: list[TextEdit] = []
    taken: list[Span] = []
    for finding in findings:
        for fix in finding.fixes:
            if not fix.safe:
                continue
            if any(
                e.span.overlaps(t) or (e.span.start == t.start and len(e.span) == len(t) == 0)
                for e in fix.edits
                for t in taken
            ):
                continue
            chosen.extend(fix.edits)
            taken.extend(e.span for e in fix.edits)
            break
    return chosen


# -------------------------------------------------------------- suppressions

_CODES_IN_COMMENT = re.compile(r"(promptwise:\s*disable\s*=\s*)([A-Za-z0-9_,\s]*[A-Za-z0-9_])")


def _in_frontmatter(doc: PromptDocument, offset: int) -> bool:
    span = doc.frontmatter_span
    return span is not None and span.start <= offset < span.end


def disable_line(doc: PromptDocument, finding: Finding) -> TextEdit | None:
    """A ``disable-line`` comment at the end of the finding's line (or above it)."""
    syntax = comment_syntax(doc)
    if syntax is None or _in_frontmatter(doc, finding.span.start):
        return None
    opening, closing = syntax
    lines = doc.lines
    line = lines.line_of(finding.span.start)
    if doc.format is PromptFormat.MARKDOWN:
        start = lines.line_start(line)
        text = lines.line_text(line)
        indent = text[: len(text) - len(text.lstrip())]
        comment = f"{indent}{opening}promptwise: disable-next-line={finding.code}{closing}"
        return TextEdit(Span(start, start), comment + _newline(doc))
    end = lines.line_end(line)
    before = doc.text[lines.line_start(line) : end]
    pad = "" if not before or before.endswith((" ", "\t")) else " "
    return TextEdit(
        Span(end, end), f"{pad}{opening}promptwise: disable-line={finding.code}{closing}"
    )


def disable_file(doc: PromptDocument, code: str) -> TextEdit | None:
    """A ``disable=CODE`` comment line at the top of the body, after frontmatter.

    When the file already has a file-level directive, the code is added to
    it instead of stacking a second comment.
    """
    syntax = comment_syntax(doc)
    if syntax is None:
        return None
    for directive in directives(doc):
        if directive.kind != "file":
            continue
        if any(listed == "ALL" or code.startswith(listed) for listed in directive.codes):
            return None
        comment = doc.text[directive.span.start : directive.span.end]
        m = _CODES_IN_COMMENT.search(comment)
        if m:
            at = directive.span.start + m.end(2)
            return TextEdit(Span(at, at), f",{code}")
    opening, closing = syntax
    start = doc.body_span.start
    prefix = ""
    if start > 0 and doc.text[start - 1] != "\n":
        prefix = _newline(doc)
    return TextEdit(
        Span(start, start), f"{prefix}{opening}promptwise: disable={code}{closing}{_newline(doc)}"
    )


def _newline(doc: PromptDocument) -> str:
    return "\r\n" if "\r\n" in doc.text[:4096] else "\n"


# ----------------------------------------------------------- config files


@dataclass(frozen=True)
class ConfigChange:
    """How to add a code to ``ignore``: edits to ``path``, which may not exist yet."""

    path: Path
    text: str  # the file's current text ("" when it is created)
    edits: tuple[TextEdit, ...]
    create: bool = False

    @property
    def new_text(self) -> str:
        return apply_edits(self.text, self.edits)


def ignore_in_config(config: Path | None, code: str, new_config_dir: Path) -> ConfigChange | None:
    """Add ``code`` to ``ignore`` in ``config``, or create ``promptwise.yaml``.

    Returns None when the code is already ignored there or the file cannot
    be read or parsed (a broken config is reported elsewhere).
    """
    if config is None:
        path = new_config_dir / "promptwise.yaml"
        text = f"# Promptwise settings\nignore:\n  - {code}\n"
        return ConfigChange(path, "", (TextEdit(Span(0, 0), text),), create=True)
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if config.name == "pyproject.toml" or config.suffix == ".toml":
        edit = _toml_ignore(text, code)
    else:
        edit = _yaml_ignore(text, code)
    if edit is None:
        return None
    return ConfigChange(config, text, (edit,))


def _yaml_ignore(text: str, code: str) -> TextEdit | None:
    try:
        loaded = yamlnodes.load(text)
    except yamlnodes.YamlProblem:
        return None
    value_node: yaml.Node | None = None
    if isinstance(loaded.node, yaml.MappingNode):
        for key_node, node in loaded.node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == "ignore":
                value_node = node
    nl = "\r\n" if "\r\n" in text else "\n"
    if value_node is None:
        prefix = "" if not text or text.endswith("\n") else nl
        return TextEdit(Span(len(text), len(text)), f"{prefix}ignore:{nl}  - {code}{nl}")
    if isinstance(value_node, yaml.SequenceNode):
        items = [n.value for n in value_node.value if isinstance(n, yaml.ScalarNode)]
        if code in (str(i).upper() for i in items):
            return None
        if value_node.flow_style or not value_node.value:
            end = value_node.end_mark.index  # just past "]"
            close = text.rfind("]", value_node.start_mark.index, end)
            if close == -1:
                return None
            sep = ", " if value_node.value else ""
            return TextEdit(Span(close, close), f"{sep}{code}")
        last = value_node.value[-1]
        line_end = text.find("\n", last.end_mark.index)
        line_end = len(text) if line_end == -1 else line_end + 1
        first = value_node.value[0]
        line_start = text.rfind("\n", 0, first.start_mark.index) + 1
        dash = text.rfind("-", line_start, first.start_mark.index)
        indent = text[line_start:dash] if dash != -1 else "  "
        prefix = "" if text[line_end - 1 : line_end] == "\n" else nl
        return TextEdit(Span(line_end, line_end), f"{prefix}{indent}- {code}{nl}")
    if isinstance(value_node, yaml.ScalarNode):
        if value_node.value in ("", "~", "null"):
            start = value_node.start_mark.index
            pad = " " if text[start - 1 : start] == ":" else ""
            return TextEdit(Span(start, value_node.end_mark.index), f"{pad}[{code}]")
        if str(value_node.value).upper() == code:
            return None
        return TextEdit(
            Span(value_node.start_mark.index, value_node.end_mark.index),
            f"[{value_node.value}, {code}]",
        )
    return None


_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*promptwise\s*\]\s*(#.*)?$", re.M)
_ANY_TABLE = re.compile(r"^\s*\[", re.M)
_IGNORE = re.compile(r"^\s*ignore\s*=\s*\[", re.M)


def _toml_ignore(text: str, code: str) -> TextEdit | None:
    table = _TABLE.search(text)
    if table is None:
        return None
    start = table.end()
    nxt = _ANY_TABLE.search(text, start + 1)
    end = nxt.start() if nxt else len(text)
    m = _IGNORE.search(text, start, end)
    nl = "\r\n" if "\r\n" in text else "\n"
    if m is None:
        at = text.find("\n", table.start())
        at = len(text) if at == -1 else at + 1
        prefix = "" if text[at - 1 : at] == "\n" else nl
        return TextEdit(Span(at, at), f'{prefix}ignore = ["{code}"]{nl}')
    close = text.find("]", m.end(), end)
    if close == -1:
        return None
    inside = text[m.end() : close]
    if re.search(rf"[\"']{re.escape(code)}[\"']", inside, re.I):
        return None
    body = inside.rstrip()
    if not body.strip():
        return TextEdit(Span(m.end(), close), f'"{code}"')
    sep = "" if body.endswith(",") else ","
    insert_at = m.end() + len(body)
    if "\n" in inside:
        indent = re.search(r"\n([ \t]*)\S", inside)
        pad = indent.group(1) if indent else "  "
        return TextEdit(Span(insert_at, insert_at), f'{sep}{nl}{pad}"{code}",')
    return TextEdit(Span(insert_at, insert_at), f'{sep} "{code}"')
