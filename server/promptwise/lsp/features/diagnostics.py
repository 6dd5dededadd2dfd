"""Diagnostics: pushed after each (debounced) analysis, or pulled by the client.

A client that announces ``textDocument.diagnostic`` pulls; the server then
never pushes, so the two models never show the same finding twice. Pushed
diagnostics carry the document version they were computed for, and are
cleared when the document closes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from lsprotocol import types as lsp

from promptwise.analysis import rules_for
from promptwise.document.model import PromptDocument
from promptwise.document.text import LineIndex
from promptwise.findings import Related
from promptwise.lsp import convert
from promptwise.lsp.workspace import DocumentAnalysis, OpenDocument
from promptwise.rules.model import Rule

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseProtocol, PromptwiseServer


def lines_of(ls: PromptwiseServer, uri: str, document: PromptDocument) -> LineIndex:
    """The line index of an analysed document: the editor's own when it holds the same
    text (kept up to date keystroke by keystroke), so publishing a version does
    not index a megabyte of text again on the event loop."""
    doc = ls.documents.get(uri)
    if doc is not None and doc.text == document.text:
        return doc.lines
    return document.lines


def _related(ls: PromptwiseServer, result: DocumentAnalysis, item: Related) -> lsp.Location | None:
    """Where a finding's related information points: this file, another open one, or a log."""
    analysis = result.analysis
    assert analysis is not None
    doc = analysis.document
    encoding = ls.encoding
    if not item.path or item.path == doc.path:
        lines = lines_of(ls, result.uri, doc)
        rng = (
            convert.to_range(lines, item.span, encoding)
            if item.span is not None
            else convert.line_range(lines, max(0, (item.line or 1) - 1))
        )
        return lsp.Location(uri=result.uri, range=rng)
    path = item.path
    if not os.path.isabs(path):
        path = str(Path(analysis.settings.root or Path(doc.path).parent) / path)
    uri = convert.path_to_uri(path)
    other = next(
        (
            d
            for d in ls.documents.documents.values()
            if os.path.normpath(d.path) == os.path.normpath(path)
        ),
        None,
    )
    if other is not None and item.span is not None:
        return lsp.Location(uri=other.uri, range=convert.to_range(other.lines, item.span, encoding))
    line = max(0, (item.line or 1) - 1)  # Related.line is one-based, like file:line
    pos = lsp.Position(line=line, character=0)
    return lsp.Location(uri=uri, range=lsp.Range(start=pos, end=pos))


# One diagnostic and the JSON-ready data it is sent as.
Converted = tuple[lsp.Diagnostic, Any]


def converted(ls: PromptwiseServer, result: DocumentAnalysis) -> tuple[Converted, ...]:
    """The analysis as LSP diagnostics and their wire data (once per analysis and encoding).

    A keystroke leaves most findings where they were on screen, and
    converting one to an lsprotocol object and then to JSON data through
    the cattrs converter costs ~50 us: thousands of findings took longer
    to send than to find. Each finding is converted once, by the inputs of
    the conversion (:func:`convert.diagnostic_key`); the next version
    reuses what is unchanged. The table holds the last conversion's
    diagnostics only and goes when the document closes.
    """
    key = f"converted:{ls.encoding}"
    cached = result.extras.get(key)
    if cached is not None:
        return cast(tuple[Converted, ...], cached)
    protocol = cast("PromptwiseProtocol", ls.protocol)
    analysis = result.analysis
    items: list[Converted] = []
    if analysis is None:
        doc = ls.documents.get(result.uri)
        if result.error and doc is not None:
            error = convert.internal_error_diagnostic(doc.lines, result.error)
            items.append((error, protocol.unstructure(error)))
    else:
        rules = rules_by_code(ls, result)
        lines = lines_of(ls, result.uri, analysis.document)
        encoding = ls.encoding
        previous = ls.converted_diagnostics.get(result.uri, {})
        table: dict[Any, Converted] = {}
        for finding in analysis.findings:
            rule = rules.get(finding.code)
            inputs = convert.diagnostic_key(finding, lines, encoding, rule)
            item = None if inputs is None else previous.get(inputs) or table.get(inputs)
            if item is None:
                diagnostic = convert.diagnostic(
                    finding, lines, encoding, rule, lambda related: _related(ls, result, related)
                )
                item = (diagnostic, protocol.unstructure(diagnostic))
            if inputs is not None:
                table[inputs] = item
            items.append(item)
        if result.uri in ls.documents.documents:
            ls.converted_diagnostics[result.uri] = table
    out = tuple(items)
    result.extras[key] = out
    return out


def diagnostics_for(ls: PromptwiseServer, result: DocumentAnalysis) -> list[lsp.Diagnostic]:
    """The analysis as LSP diagnostics (computed once per analysis and encoding)."""
    return [diagnostic for diagnostic, _ in converted(ls, result)]


def rules_by_code(ls: PromptwiseServer, result: DocumentAnalysis) -> dict[str, Rule]:
    cached = result.extras.get("rules")
    if cached is None:
        assert result.analysis is not None
        try:
            cached = rules_for(result.analysis.settings).by_code()
        except Exception:  # a broken user rule folder: the built-in docs still link
            cached = rules_for(result.analysis.settings.replace(rule_dirs=())).by_code()
        result.extras["rules"] = cached
    return dict(cached)


def publish(ls: PromptwiseServer, doc: OpenDocument, result: DocumentAnalysis) -> None:
    """``textDocument/publishDiagnostics`` for one analysis, from the converted wire data.

    The notification is what pygls would send for the same params: its
    envelope is unstructured by the same converter with no diagnostics, then
    given the diagnostics' data, each unstructured once (see :func:`converted`).
    """
    protocol = cast("PromptwiseProtocol", ls.protocol)
    items = converted(ls, result)
    message = protocol.unstructure(
        lsp.PublishDiagnosticsNotification(
            params=lsp.PublishDiagnosticsParams(uri=doc.uri, version=result.version, diagnostics=[])
        )
    )
    message["params"]["diagnostics"] = [wire for _, wire in items]
    protocol.send_unstructured(message)


def clear(ls: PromptwiseServer, uri: str) -> None:
    """Closing a file removes its diagnostics from the client's problem list."""
    ls.converted_diagnostics.pop(uri, None)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def empty_report() -> lsp.RelatedFullDocumentDiagnosticReport:
    return lsp.RelatedFullDocumentDiagnosticReport(items=[])


async def pull(
    ls: PromptwiseServer, params: lsp.DocumentDiagnosticParams
) -> lsp.RelatedFullDocumentDiagnosticReport | lsp.RelatedUnchangedDocumentDiagnosticReport:
    """``textDocument/diagnostic``: wait out the debounce, then answer for the current text."""
    uri = params.text_document.uri
    result = await ls.documents.settled(uri)
    if result is None:
        return empty_report()
    result_id = f"{result.version}.{result.generation}.{ls.encoding}"
    if params.previous_result_id == result_id:
        return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return lsp.RelatedFullDocumentDiagnosticReport(
        items=diagnostics_for(ls, result), result_id=result_id
    )
