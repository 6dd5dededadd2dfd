"""Completion of template variables inside ``{{ }}`` / ``{% %}`` / ``{ }``, and of
model names in the frontmatter ``model`` value."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from promptwise.analysis import Analysis, catalogue_for
from promptwise.document.model import PromptDocument, TemplateSyntax
from promptwise.document.text import Span
from promptwise.lsp import convert
from promptwise.lsp.features import frontmatter_schema
from promptwise.lsp.features.presentation import per_million, price_row
from promptwise.pricing.cost import context_window_text

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer

_WORD_BEFORE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_WORD_AFTER = re.compile(r"^[A-Za-z0-9_]*")
_KEY_LINE = re.compile(r"^(\s*)(?:-\s+)?([\w.-]+)\s*:\s*")
# Frontmatter keys whose value names a model, directly or under `model:`.
_MODEL_KEYS = {"model"}
_NESTED_MODEL_KEYS = {"id", "name", "azure_deployment", "deployment", "model"}


def _in_expression(before: str, syntax: TemplateSyntax) -> bool:
    """Is the cursor inside an unclosed template tag on this line?"""
    if syntax is TemplateSyntax.FORMAT:
        opened = before.rfind("{")
        return (
            opened != -1
            and "}" not in before[opened:]
            and before[max(0, opened - 1) : opened + 1] != "{{"
        )
    for opening, closing in (("{{", "}}"), ("{%", "%}")):
        at = before.rfind(opening)
        if at != -1 and closing not in before[at:]:
            return True
    return False


def _markup(ls: PromptwiseServer, text: str) -> lsp.MarkupContent | str:
    formats = (
        ls.capability("text_document.completion.completion_item.documentation_format", []) or []
    )
    if lsp.MarkupKind.Markdown in formats:
        return convert.markdown(text)
    return text


def variable_items(
    ls: PromptwiseServer, doc: PromptDocument, replace: lsp.Range
) -> list[lsp.CompletionItem]:
    names: dict[str, str] = {}
    docs: dict[str, str] = {}
    for name, variable in doc.declared.items():
        names[name] = f"input{': ' + variable.declared_type if variable.declared_type else ''}"
        if variable.description:
            docs[name] = variable.description
    if not names:  # nothing declared: offer what the template already uses
        for variable in doc.used:
            names.setdefault(variable.name, "used in this template")
    return [
        lsp.CompletionItem(
            label=name,
            kind=lsp.CompletionItemKind.Variable,
            detail=detail,
            documentation=_markup(ls, docs[name]) if name in docs else None,
            text_edit=lsp.TextEdit(range=replace, new_text=name),
            sort_text=f"0{name}",
        )
        for name, detail in sorted(names.items())
    ]


def _model_value_start(doc: PromptDocument, line: int, before: str) -> int | None:
    """Column where a model value starts on this frontmatter line, if it is one."""
    m = _KEY_LINE.match(before)
    if m is None:
        return None
    key = m.group(2)
    if key in _MODEL_KEYS and not m.group(1):
        return m.end()
    if key not in _NESTED_MODEL_KEYS:
        return None
    indent = len(m.group(1))
    lines = doc.lines
    for above in range(line - 1, -1, -1):
        text = lines.line_text(above)
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        outer = _KEY_LINE.match(text)
        if outer is None:
            continue
        if len(outer.group(1)) < indent:
            if outer.group(2) == "model":
                return m.end()
            if not outer.group(1):
                return None  # reached a top-level key that is not `model`
            indent = len(outer.group(1))
    return None


def model_items(
    ls: PromptwiseServer, analysis: Analysis, replace: lsp.Range
) -> list[lsp.CompletionItem]:
    catalogue = catalogue_for(analysis.settings)
    items = []
    for name in catalogue.names():
        entry = catalogue.lookup(name)
        if entry is None:
            continue
        detail = f"in {per_million(entry.input)} · out {per_million(entry.output)} /1M"
        if entry.context_window:
            detail += f" · {context_window_text(entry.context_window)}"
        items.append(
            lsp.CompletionItem(
                label=name,
                kind=lsp.CompletionItemKind.Value,
                detail=detail,
                documentation=_markup(ls, price_row(entry)),
                text_edit=lsp.TextEdit(range=replace, new_text=name),
            )
        )
    return items


async def completion(
    ls: PromptwiseServer, params: lsp.CompletionParams
) -> lsp.CompletionList | None:
    analysis = await ls.documents.current_analysis(params.text_document.uri)
    if analysis is None:
        return None
    doc = analysis.document
    lines = doc.lines
    encoding = ls.encoding
    offset = convert.to_offset(lines, params.position, encoding)
    line = lines.line_of(offset)
    start = lines.line_start(line)
    before = doc.text[start:offset]
    after = doc.text[offset : lines.line_end(line)]
    fm = doc.frontmatter_span
    if fm is not None and fm.start < offset < fm.end:
        value_start = _model_value_start(doc, line, before)
        if value_start is None:
            keys = frontmatter_schema.completion_items(ls, analysis, offset, before, after)
            return lsp.CompletionList(is_incomplete=False, items=keys) if keys else None
        quote = 1 if before[value_start : value_start + 1] in ("'", '"') else 0
        end = offset + len(re.match(r"^[^\s'\"#]*", after).group(0))  # type: ignore[union-attr]
        replace = convert.to_range(lines, Span(start + value_start + quote, end), encoding)
        return lsp.CompletionList(is_incomplete=False, items=model_items(ls, analysis, replace))
    if not _in_expression(before, doc.syntax):
        return None
    word = _WORD_BEFORE.search(before)
    word_start = offset - (len(word.group(0)) if word else 0)
    word_end = offset + len(_WORD_AFTER.match(after).group(0))  # type: ignore[union-attr]
    replace = convert.to_range(lines, Span(word_start, word_end), encoding)
    items = variable_items(ls, doc, replace)
    return lsp.CompletionList(is_incomplete=False, items=items) if items else None
