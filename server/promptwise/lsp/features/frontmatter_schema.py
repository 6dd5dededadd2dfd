"""Completion and hover of frontmatter keys and values, from the file kind's schema.

The same JSON Schema files that PW010/PW011 validate against give the keys
offered, their documentation and their allowed values, so what the editor
suggests is exactly what the linter accepts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from promptwise import schemas
from promptwise.analysis import Analysis
from promptwise.document.text import Span
from promptwise.lsp import convert

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer

_KEY_TYPED = re.compile(r"^[\w-]*$")
_VALUE_TYPED = re.compile(r"^([\w-]+)[ \t]*:[ \t]*([^\s'\"#]*)$")
_WORD_AFTER = re.compile(r"^[\w-]*")


def completion_items(
    ls: PromptwiseServer, analysis: Analysis, offset: int, before: str, after: str
) -> list[lsp.CompletionItem]:
    """Top-level keys the file does not have yet, or the values of the key on this line."""
    doc = analysis.document
    schema = schemas.schema_for(doc)
    if schema is None:
        return []
    lines = doc.lines
    present = _present_keys(analysis)
    if _KEY_TYPED.match(before):
        end = offset + len(_WORD_AFTER.match(after).group(0))  # type: ignore[union-attr]
        rest = doc.text[end : lines.line_end(lines.line_of(offset))]
        replace = convert.to_range(lines, Span(offset - len(before), end), ls.encoding)
        typed_key = before + doc.text[offset:end]
        items = []
        for key, prop in schema.properties.items():
            if key in present and key != typed_key:
                continue
            required = key in schema.schema.get("required", ())
            items.append(
                lsp.CompletionItem(
                    label=key,
                    kind=lsp.CompletionItemKind.Property,
                    detail=("required · " if required else "") + schema.noun,
                    documentation=_markup(ls, str(prop.get("description", ""))),
                    text_edit=lsp.TextEdit(
                        range=replace, new_text=key if rest.lstrip().startswith(":") else f"{key}: "
                    ),
                    sort_text=f"{0 if required else 1}{key}",
                )
            )
        return items
    m = _VALUE_TYPED.match(before)
    if m is None:
        return []
    end = offset + len(_WORD_AFTER.match(after).group(0))  # type: ignore[union-attr]
    replace = convert.to_range(lines, Span(offset - len(m.group(2)), end), ls.encoding)
    return [
        lsp.CompletionItem(
            label=value,
            kind=lsp.CompletionItemKind.Value,
            detail=f"{m.group(1)} · {schema.noun}",
            text_edit=lsp.TextEdit(range=replace, new_text=value),
        )
        for value in schema.values_for((m.group(1),))
    ]


_TOP_KEY = re.compile(r"^([\w-]+)[ \t]*:", re.M)


def _present_keys(analysis: Analysis) -> set[str]:
    """The top-level keys written so far; read from the lines while the YAML is half-typed."""
    doc = analysis.document
    if doc.frontmatter is not None:
        return set(doc.frontmatter)
    fm = doc.frontmatter_span
    return set(_TOP_KEY.findall(doc.text, fm.start, fm.end)) if fm else set()


def hover_markdown(analysis: Analysis, offset: int) -> tuple[str, Span] | None:
    """The schema's documentation of the key under ``offset``, and the key's span."""
    doc = analysis.document
    schema = schemas.schema_for(doc)
    path = schemas.key_path_at(doc, offset)
    if schema is None or path is None:
        return None
    text = schemas.key_markdown(schema, path)
    if text is None:
        return None
    span = next(s for s in doc.key_spans.values() if s.start <= offset <= s.end and s.start < s.end)
    return text, span


def _markup(ls: PromptwiseServer, text: str) -> lsp.MarkupContent | str:
    formats = (
        ls.capability("text_document.completion.completion_item.documentation_format", []) or []
    )
    if lsp.MarkupKind.Markdown in formats:
        return convert.markdown(text)
    return text
