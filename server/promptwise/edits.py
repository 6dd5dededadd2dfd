"""Edits Promptwise makes to the user's files: apply every safe fix, disable a rule.

Pure text in, :class:`~promptwise.findings.TextEdit` out: the language
server turns them into quick fixes and a fix-all action, and a ``check
--fix`` can apply them with :func:`~promptwise.findings.apply_edits`.

**Fix all** takes each finding's first safe fix, skipping any that would
touch text an earlier one already changed; fixes that need review (not
marked safe by their rule) are never applied in bulk, and neither is a
snippet fix: its tab stops are values only the author can type, which an
editor selects one by one and a command line would write as placeholders.

**Suppressions** are written in the format's own non-rendered comment
(:func:`promptwise.rules.suppress.comment_syntax`), so they never reach the
model. Where a comment would change what the file means, no edit is offered:

- no line comment inside YAML frontmatter (a ``{# #}`` there would become
  part of a YAML value), only the file-level one below it;
- in markdown, comments are recognised on their own line only, so the
  line-level fix inserts a ``disable-next-line`` comment above the line;
- chat JSON holds no comment at all, and a template comment inside a chat
  message's string is sent to the model as text; chat YAML gets a YAML
  comment outside every string instead (``# promptwise: disable=...`` on the
  first line, or ``disable-line`` after a string that ends on its line);
- plain text gets a template comment only when it shows its engine (see
  :func:`~promptwise.rules.suppress.comment_syntax`);
- where no comment fits, :func:`per_file_ignore_in_config` adds the file to
  ``per_file_ignores`` in the config instead.

"Ignore in config" edits the config file that applies to the prompt (the one
``find_config`` returns) or creates ``promptwise.yaml``; the edit is text
surgery placed by the YAML (or TOML) parser's own positions, so comments and
layout stay as they were. The result is parsed again before anyone writes
it: unless it is valid and differs from the old settings only by the code
added to ``ignore``, :class:`ConfigEditError` says why and nothing is written.
"""

from __future__ import annotations

import bisect
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from promptwise.document import chat, yamlnodes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
from promptwise.document.model import PromptDocument, PromptFormat, Segment
from promptwise.document.text import Span
from promptwise.errors import ConfigError, InputError
from promptwise.findings import Finding, Fix, TextEdit, apply_edits
from promptwise.reading import read_settings_file
from promptwise.rules.suppress import comment_syntax, directives

# ------------------------------------------------------------------ fix all


def safe_edits(findings: Sequence[Finding]) -> list[TextEdit]:
    """Every safe fix's edits that do not overlap an earlier one."""
    return [edit for fix in chosen_fixes(findings) for edit in fix.edits]


def chosen_fixes(findings: Sequence[Finding], *, unsafe: bool = False) -> list[Fix]:
    """The fixes "fix all" (and ``check --fix``) applies: per finding, its first fix
    that is safe (any, with ``unsafe``), has no snippet placeholder, and touches no
    text an earlier chosen fix touches."""
    chosen: list[Fix] = []
    taken: list[Span] = []
    for finding in findings:
        for fix in finding.fixes:
            if not (fix.safe or unsafe) or any(e.snippet for e in fix.edits):
                continue
            if any(
                e.span.overlaps(t) or (e.span.start == t.start and len(e.span) == len(t) == 0)
                for e in fix.edits
                for t in taken
            ):
                continue
            chosen.append(fix)
            taken.extend(e.span for e in fix.edits)
            break
    return chosen


# ------------------------------------------------- fixes in chat strings


def fit_fixes(doc: PromptDocument, fixes: tuple[Fix, ...]) -> tuple[Fix, ...]:
    """The fixes as they must be written in ``doc``'s own syntax; those that cannot be, dropped.

    A rule writes its fix as the text the model should see. In a chat file
    that text lands inside a JSON or YAML string, where a newline or a quote
    must be escaped (a raw one makes the file invalid, or ends the string),
    and a block scalar's new lines need its indentation. An edit outside
    every message string, or one a string style cannot hold (a newline in a
    plain or single-quoted YAML scalar), drops its fix rather than damage
    the file.
    """
    if doc.format is not PromptFormat.CHAT or not fixes:
        return fixes
    out: list[Fix] = []
    for fix in fixes:
        fitted: list[TextEdit] = []
        for edit in fix.edits:
            new = _in_string(doc, edit)
            if new is None:
                break
            fitted.append(new)
        else:
            out.append(replace(fix, edits=tuple(fitted)))
    return tuple(out)


def _message_at(doc: PromptDocument, offset: int) -> Segment | None:
    """The chat message string holding ``offset`` (messages are in source order)."""
    messages = doc.segments
    i = bisect.bisect_right(messages, offset, key=lambda m: m.span.start) - 1
    if i < 0 or messages[i].value is None or offset > messages[i].span.end:
        return None
    return messages[i]


def _in_string(doc: PromptDocument, edit: TextEdit) -> TextEdit | None:
    segment = _message_at(doc, edit.span.start)
    if segment is None or edit.span.end > segment.span.end:
        return None
    text = edit.new_text
    if edit.snippet and "\\" in text:
        return None  # snippet escapes and string escapes would mix
    start = segment.span.start
    quote = doc.text[start - 1 : start] if start else ""
    if quote == '"':  # JSON, or a double-quoted YAML scalar: the same escapes
        if not edit.snippet:
            text = text.replace("\\", "\\\\")
        text = text.replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        text = re.sub(r"[\x00-\x1f]", lambda m: f"\\u{ord(m.group()):04x}", text)
    elif quote == "'":
        if "\n" in text:
            return None
        text = text.replace("'", "''")
    elif quote == "\n":  # a block scalar: new lines take its indentation
        line_start = doc.text.rfind("\n", 0, edit.span.start) + 1
        line = doc.text[line_start : edit.span.start]
        indent = line[: len(line) - len(line.lstrip(" "))]
        text = text.replace("\n", "\n" + indent)
    elif "\n" in text or ": " in text or " #" in text:
        return None  # a plain YAML scalar would fold, or end, here
    return replace(edit, new_text=text)


# -------------------------------------------------------------- suppressions

_CODES_IN_COMMENT = re.compile(r"(promptwise:\s*disable\s*=\s*)([A-Za-z0-9_,\s]*[A-Za-z0-9_])")


def _in_frontmatter(doc: PromptDocument, offset: int) -> bool:
    span = doc.frontmatter_span
    return span is not None and span.start <= offset < span.end


def _yaml_chat(doc: PromptDocument) -> bool:
    return doc.format is PromptFormat.CHAT and chat.written_as_yaml(doc.text)


def _string_ends_on_line(doc: PromptDocument, offset: int, line_end: int) -> bool:
    """Does the chat message string holding ``offset`` close before ``line_end``,
    with nothing but blanks, ``,`` or closing brackets after it on the line?"""
    segment = doc.segment_at(offset)
    if segment is None or segment.value is None:
        return False
    # The segment spans the characters between the quotes; the quote follows.
    close = segment.span.end
    if close >= line_end or doc.text[close : close + 1] not in ('"', "'"):
        return False
    rest = doc.text[close + 1 : line_end]
    return all(ch in " \t,}]\r" for ch in rest)


def _yaml_disable_line(doc: PromptDocument, finding: Finding) -> TextEdit | None:
    lines = doc.lines
    line = lines.line_of(finding.span.start)
    end = lines.line_end(line)
    if doc.text[end - 1 : end] == "\r":
        end -= 1
    if not _string_ends_on_line(doc, finding.span.start, end):
        return None  # a comment here would be inside the string
    return TextEdit(Span(end, end), f"  # promptwise: disable-line={finding.code}")


def disable_line(doc: PromptDocument, finding: Finding) -> TextEdit | None:
    """A ``disable-line`` comment at the end of the finding's line (or above it)."""
    if _yaml_chat(doc):
        return _yaml_disable_line(doc, finding)
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
    it instead of stacking a second comment. Chat YAML takes a YAML comment
    on its first line, outside every string.
    """
    syntax = ("# ", "") if _yaml_chat(doc) else comment_syntax(doc)
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
    if closing == " #}":
        # Jinja keeps the newline after a comment, and Prompty's parser opens an
        # (empty) system message for any line before the first role: `-#}` takes
        # the newline with the comment, so the file renders exactly as before.
        closing = " -#}"
    start = 1 if _yaml_chat(doc) and doc.text.startswith("\ufeff") else doc.body_span.start
    prefix = ""
    if start > 0 and doc.text[start - 1] != "\n":
        prefix = _newline(doc)
    return TextEdit(
        Span(start, start), f"{prefix}{opening}promptwise: disable={code}{closing}{_newline(doc)}"
    )


def suppressed_in_file(doc: PromptDocument, code: str) -> bool:
    """Does a file-level comment in ``doc`` already turn ``code`` off?"""
    return any(
        directive.kind == "file"
        and any(listed == "ALL" or code.startswith(listed) for listed in directive.codes)
        for directive in directives(doc)
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


class ConfigEditError(ConfigError):
    """Promptwise will not edit this config file; the message says why and what to do."""


CODE = re.compile(r"PW\d{3}")
_CONFIG_MAX_BYTES = 1 << 20


def ignore_in_config(config: Path | None, code: str, new_config_dir: Path) -> ConfigChange | None:
    """Add ``code`` to ``ignore`` in ``config``, or create ``promptwise.yaml``.

    Returns None when the code is already ignored there. Raises
    :class:`ConfigEditError` when ``code`` is not a rule code, when the file
    cannot be read or parsed, and when the edited text would not be a valid
    config with exactly ``code`` added (a broken or unusual file is left
    for its author to change).
    """
    if not CODE.fullmatch(code):
        raise ConfigEditError(f"{code!r} is not a rule code (expected PW and three digits)")
    if config is None:
        path = new_config_dir / "promptwise.yaml"
        text = f"# Promptwise settings\nignore:\n  - {code}\n"
        return ConfigChange(path, "", (TextEdit(Span(0, 0), text),), create=True)
    text, toml, before = _read_config(config)
    ignored = _ignore_list(before, config)
    if code in (str(item).upper() for item in ignored):
        return None
    edit = _toml_ignore(text, code) if toml else _yaml_ignore(text, code)
    if edit is None:
        raise ConfigEditError(
            f"could not find where to add {code} to `ignore`; add it by hand", path=str(config)
        )
    change = ConfigChange(config, text, (edit,))
    after = (
        _toml_settings(change.new_text, config)
        if toml
        else _yaml_settings(change.new_text, config, edited=True)
    )
    if after != {**before, "ignore": [*ignored, code]}:
        raise ConfigEditError(
            f"adding {code} to `ignore` would change other settings; add it by hand",
            path=str(config),
        )
    return change


def _yaml_settings(text: str, config: Path, *, edited: bool = False) -> dict[str, Any]:
    """The settings mapping of a YAML config's text."""
    try:
        value = yamlnodes.load(text).value
    except yamlnodes.YamlProblem as exc:
        if edited:
            raise ConfigEditError(
                f"adding to `ignore` would make the file invalid YAML ({exc.message}); "
                "add the code by hand",
                path=str(config),
            ) from None
        raise ConfigEditError(
            f"invalid YAML: {exc.message}; fix the file first", path=str(config), line=exc.line + 1
        ) from None
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigEditError("the config file is not a mapping of settings", path=str(config))
    return dict(value)


def _toml_settings(text: str, config: Path) -> dict[str, Any]:
    """The ``[tool.promptwise]`` table of a pyproject.toml's text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigEditError(f"invalid TOML: {exc}", path=str(config)) from None
    except ValueError:  # an integer with more digits than Python converts
        raise ConfigEditError("invalid TOML: a number too long to read", path=str(config)) from None
    table = data.get("tool", {}).get("promptwise")
    if not isinstance(table, Mapping):
        raise ConfigEditError("no [tool.promptwise] table to edit", path=str(config))
    return dict(table)


def _ignore_list(settings: Mapping[str, Any], config: Path) -> list[Any]:
    value = settings.get("ignore")
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return list(value)
    raise ConfigEditError("`ignore` is not a list of rule codes", path=str(config), key="ignore")


def _yaml_ignore(text: str, code: str) -> TextEdit | None:
    """Where to write ``code`` into the YAML's top-level ``ignore``.

    Flow lists get it right after their last item (``[PW201, ]`` becomes
    ``[PW201, PW305, ]``), block lists a new ``- PW305`` line with the same
    indentation, a single code becomes a flow list.
    """
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
        if value_node.flow_style or not value_node.value:
            if value_node.value:
                at = value_node.value[-1].end_mark.index
                return TextEdit(Span(at, at), f", {code}")
            end = value_node.end_mark.index  # just past "]"
            close = text.rfind("]", value_node.start_mark.index, end)
            return None if close == -1 else TextEdit(Span(close, close), code)
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
        original = text[value_node.start_mark.index : value_node.end_mark.index]
        return TextEdit(
            Span(value_node.start_mark.index, value_node.end_mark.index),
            f"[{original}, {code}]",
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


# ------------------------------------------------------- per-file ignores


def per_file_ignore_in_config(
    config: Path | None, prompt: Path, code: str, new_config_dir: Path
) -> ConfigChange | None:
    """Add ``code`` for ``prompt`` alone to ``per_file_ignores``, or create ``promptwise.yaml``.

    The suppression for files that cannot hold a comment (chat JSON, plain
    text of unknown engine) or where one would reach the model: nothing in
    the prompt file changes. The glob is the prompt's path relative to the
    config's folder, the folder ``per_file_ignores`` patterns are read from.
    Returns None when the entry already lists the code or the prompt lies
    outside the config's folder. Raises :class:`ConfigEditError`, as
    :func:`ignore_in_config` does, when the file cannot be read or parsed or
    the edited text would not be a valid config with exactly this entry added.
    """
    if not CODE.fullmatch(code):
        raise ConfigEditError(f"{code!r} is not a rule code (expected PW and three digits)")
    folder = config.parent if config is not None else new_config_dir
    try:
        rel = prompt.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return None  # the config cannot name a file outside its folder
    rel = re.sub(r"[][*?]", lambda m: f"[{m.group()}]", rel)  # the name, not a pattern
    key = json.dumps(rel)  # a double-quoted string is the same in YAML and TOML
    if config is None:
        path = new_config_dir / "promptwise.yaml"
        text = f"# Promptwise settings\nper_file_ignores:\n  {key}: [{code}]\n"
        return ConfigChange(path, "", (TextEdit(Span(0, 0), text),), create=True)
    text, toml, before = _read_config(config)
    table = before.get("per_file_ignores") or {}
    if not isinstance(table, Mapping):
        raise ConfigEditError(
            "`per_file_ignores` is not a mapping", path=str(config), key="per_file_ignores"
        )
    listed = table.get(rel) or []
    listed = [listed] if isinstance(listed, str) else list(listed)
    if code in (str(item).upper() for item in listed):
        return None
    edit = _toml_per_file(text, key, code) if toml else _yaml_per_file(text, rel, key, code)
    if edit is None:
        raise ConfigEditError(
            f"could not find where to add {code} for {rel} to `per_file_ignores`; add it by hand",
            path=str(config),
        )
    change = ConfigChange(config, text, (edit,))
    after = (
        _toml_settings(change.new_text, config)
        if toml
        else _yaml_settings(change.new_text, config, edited=True)
    )
    wanted = {**before, "per_file_ignores": {**table, rel: [*listed, code]}}
    if after != wanted:
        raise ConfigEditError(
            f"adding {code} for {rel} to `per_file_ignores` would change other settings; "
            "add it by hand",
            path=str(config),
        )
    return change


def _yaml_per_file(text: str, rel: str, key: str, code: str) -> TextEdit | None:
    try:
        loaded = yamlnodes.load(text)
    except yamlnodes.YamlProblem:
        return None
    nl = "\r\n" if "\r\n" in text else "\n"
    root = loaded.node
    if root is not None and not (isinstance(root, yaml.MappingNode) and not root.flow_style):
        return None  # an empty document is fine; anything but a block mapping is not ours
    table: yaml.Node | None = None
    for key_node, node in root.value if root is not None else ():
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == "per_file_ignores":
            table = node
    if table is None:
        prefix = "" if not text or text.endswith("\n") else nl
        return TextEdit(
            Span(len(text), len(text)), f"{prefix}per_file_ignores:{nl}  {key}: [{code}]{nl}"
        )
    if isinstance(table, yaml.ScalarNode) and table.value in ("", "~", "null"):
        start = table.start_mark.index
        pad = " " if text[start - 1 : start] == ":" else ""
        return TextEdit(Span(start, table.end_mark.index), f"{pad}{{{key}: [{code}]}}")
    if not isinstance(table, yaml.MappingNode):
        return None
    for glob_node, codes in table.value:
        if isinstance(glob_node, yaml.ScalarNode) and glob_node.value == rel:
            return _add_to_list(text, codes, code, nl)
    if table.flow_style or not table.value:
        close = text.rfind("}", table.start_mark.index, table.end_mark.index)
        if close == -1:
            return None
        sep = ", " if table.value else ""
        return TextEdit(Span(close, close), f"{sep}{key}: [{code}]")
    first = table.value[0][0]
    line_start = text.rfind("\n", 0, first.start_mark.index) + 1
    indent = text[line_start : first.start_mark.index]
    last = table.value[-1][1]
    end = last.end_mark.index
    # A block value ends at the start of the next line; a flow one on its own line.
    at = end if text[end - 1 : end] == "\n" else _line_after(text, end)
    prefix = "" if text[at - 1 : at] == "\n" or at == 0 else nl
    return TextEdit(Span(at, at), f"{prefix}{indent}{key}: [{code}]{nl}")


def _line_after(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end == -1 else end + 1


def _add_to_list(text: str, codes: yaml.Node, code: str, nl: str) -> TextEdit | None:
    if isinstance(codes, yaml.ScalarNode):
        if str(codes.value).upper() == code:
            return None
        return TextEdit(
            Span(codes.start_mark.index, codes.end_mark.index), f"[{codes.value}, {code}]"
        )
    if not isinstance(codes, yaml.SequenceNode):
        return None
    if code in (str(n.value).upper() for n in codes.value if isinstance(n, yaml.ScalarNode)):
        return None
    if codes.flow_style or not codes.value:
        close = text.rfind("]", codes.start_mark.index, codes.end_mark.index)
        if close == -1:
            return None
        return TextEdit(Span(close, close), f"{', ' if codes.value else ''}{code}")
    first = codes.value[0]
    line_start = text.rfind("\n", 0, first.start_mark.index) + 1
    dash = text.rfind("-", line_start, first.start_mark.index)
    indent = text[line_start:dash] if dash != -1 else "  "
    at = _line_after(text, codes.value[-1].end_mark.index)
    prefix = "" if text[at - 1 : at] == "\n" else nl
    return TextEdit(Span(at, at), f"{prefix}{indent}- {code}{nl}")


_PER_FILE_TABLE = re.compile(
    r"^\s*\[\s*tool\s*\.\s*promptwise\s*\.\s*per_file_ignores\s*\]\s*(#.*)?$", re.M
)
_PER_FILE_KEY = re.compile(r"^\s*per_file_ignores\s*=", re.M)


def _toml_per_file(text: str, key: str, code: str) -> TextEdit | None:
    table = _TABLE.search(text)
    nl = "\r\n" if "\r\n" in text else "\n"
    sub = _PER_FILE_TABLE.search(text)
    if sub is not None:
        nxt = _ANY_TABLE.search(text, sub.end() + 1)
        end = nxt.start() if nxt else len(text)
        entry = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=[ \t]*\[([^\]\n]*)\]", re.M)
        found = entry.search(text, sub.end(), end)
        if found is not None:
            listed = re.findall(r"[\"']([^\"']*)[\"']", found.group(1))
            if code in (c.upper() for c in listed):
                return None
            close = found.end() - 1
            sep = ", " if found.group(1).strip() else ""
            return TextEdit(Span(close, close), f'{sep}"{code}"')
        if re.search(rf"^\s*{re.escape(key)}\s*=", text[sub.end() : end], re.M):
            return None  # an entry over several lines: left to the user
        at = _line_after(text, sub.start())
        prefix = "" if text[at - 1 : at] == "\n" else nl
        return TextEdit(Span(at, at), f'{prefix}{key} = ["{code}"]{nl}')
    if table is None:
        return None
    nxt = _ANY_TABLE.search(text, table.end() + 1)
    end = nxt.start() if nxt else len(text)
    if _PER_FILE_KEY.search(text, table.end(), end):
        return None  # an inline table: left to the user
    prefix = "" if not text or text.endswith("\n") else nl
    return TextEdit(
        Span(len(text), len(text)),
        f'{prefix}{nl}[tool.promptwise.per_file_ignores]{nl}{key} = ["{code}"]{nl}',
    )


def _read_config(config: Path) -> tuple[str, bool, dict[str, Any]]:
    """The config's text, whether it is TOML, and the settings it holds now.

    A config that links out of its folder is not the repository's to edit, and
    one that cannot be read or parsed is left for its author: both are a
    :class:`ConfigEditError`.
    """
    try:
        text = read_settings_file(config, _CONFIG_MAX_BYTES, config.parent)
    except InputError as exc:
        raise ConfigEditError(exc.detail, path=str(config)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigEditError(f"cannot read config file: {exc}", path=str(config)) from None
    toml = config.name == "pyproject.toml" or config.suffix == ".toml"
    before = _toml_settings(text, config) if toml else _yaml_settings(text, config)
    return text, toml, before
