"""Go to definition, find references and rename, over the core's references.

A template variable goes to its declaration in the frontmatter (Prompty
``inputs``, Dotprompt ``input.schema``) and is renamed there and at every
use in the file, in one edit. A partial, ``${file:}``, link or ``#file:``
goes to the file it resolves to (the same resolution the PW020 finding
uses); references to a file are the places in this document that point at
the same file. Renaming a file reference is not offered: the file would
have to move.
"""

from __future__ import annotations

import keyword
import re
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from promptwise.analysis import Analysis
from promptwise.document.model import TemplateSyntax
from promptwise.document.text import Span
from promptwise.lsp import convert
from promptwise.project.composition import Composition
from promptwise.project.references import (
    Reference,
    VariableGroup,
    reference_at,
    variable_at,
    variable_group,
)

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_VSCODE_NAME = re.compile(r"[A-Za-z_][\w-]*\Z")


async def _at(
    ls: PromptwiseServer, uri: str, position: lsp.Position
) -> tuple[Analysis, int, VariableGroup | None] | None:
    """The current analysis, the offset of ``position`` and the variable there (if any):
    what every handler below starts from."""
    analysis = await ls.documents.current_analysis(uri)
    if analysis is None:
        return None
    offset = convert.to_offset(analysis.document.lines, position, ls.encoding)
    return analysis, offset, variable_at(analysis.document, offset)


def _location(ls: PromptwiseServer, uri: str, analysis: Analysis, span: Span) -> lsp.Location:
    return lsp.Location(uri, convert.to_range(analysis.document.lines, span, ls.encoding))


def _file_location(path: str) -> lsp.Location:
    start = lsp.Position(0, 0)
    return lsp.Location(convert.path_to_uri(path), lsp.Range(start, start))


def resolved_path(composition: Composition | None, ref: Reference) -> str | None:
    if composition is None:
        return None
    resolution = composition.at(ref)
    return resolution.path if resolution is not None and resolution.found else None


async def definition(
    ls: PromptwiseServer, params: lsp.DefinitionParams
) -> list[lsp.Location] | None:
    uri = params.text_document.uri
    found = await _at(ls, uri, params.position)
    if found is None:
        return None
    analysis, offset, group = found
    if group is not None:
        if not group.declarations:
            return None  # used but never declared: PW003 says so
        return [_location(ls, uri, analysis, v.span) for v in group.declarations]
    ref = reference_at(analysis.document, offset)
    if ref is None:
        return None
    path = resolved_path(analysis.composition, ref)
    return [_file_location(path)] if path is not None else None


async def references(
    ls: PromptwiseServer, params: lsp.ReferenceParams
) -> list[lsp.Location] | None:
    uri = params.text_document.uri
    found = await _at(ls, uri, params.position)
    if found is None:
        return None
    analysis, offset, group = found
    if group is not None:
        occurrences = list(group.uses)
        if params.context.include_declaration:
            occurrences.extend(group.declarations)
        spans = sorted(v.span for v in occurrences)
        return [_location(ls, uri, analysis, s) for s in spans]
    ref = reference_at(analysis.document, offset)
    composition = analysis.composition
    if ref is None or composition is None:
        return None
    target = resolved_path(composition, ref)
    same = [
        item.reference.target_span
        for item in composition.references
        if item.reference == ref
        or (target is not None and item.resolution.found and item.resolution.path == target)
    ]
    return [_location(ls, uri, analysis, s) for s in same]


async def prepare_rename(
    ls: PromptwiseServer, params: lsp.PrepareRenameParams
) -> lsp.PrepareRenamePlaceholder | None:
    found = await _at(ls, params.text_document.uri, params.position)
    if found is None:
        return None
    analysis, offset, group = found
    doc = analysis.document
    if group is None:
        return None  # only variables are renamed; a file reference would move a file
    here = next(s for s in group.spans if s.start <= offset <= s.end)
    return lsp.PrepareRenamePlaceholder(
        range=convert.to_range(doc.lines, here, ls.encoding), placeholder=group.name
    )


async def rename(ls: PromptwiseServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    uri = params.text_document.uri
    found = await _at(ls, uri, params.position)
    if found is None:
        return None
    analysis, _, group = found
    doc = analysis.document
    if group is None:
        raise JsonRpcInvalidParams(message="only template variables can be renamed")
    new = params.new_name.strip()
    vscode = any(v.syntax is TemplateSyntax.VSCODE for v in group.uses)
    pattern = _VSCODE_NAME if vscode else _NAME
    if not pattern.match(new) or keyword.iskeyword(new):
        raise JsonRpcInvalidParams(message=f"`{new}` is not a valid variable name")
    if new != group.name and (variable_group(doc, new).spans):
        raise JsonRpcInvalidParams(message=f"`{new}` is already a variable in this file")
    edits = [
        lsp.TextEdit(convert.to_range(doc.lines, span, ls.encoding), new) for span in group.spans
    ]
    return lsp.WorkspaceEdit(changes={uri: edits})
