"""Diagnostics: pushed after each (debounced) analysis, or pulled by the client.

A client that announces ``textDocument.diagnostic`` pulls; the server then
never pushes, so the two models never show the same finding twice. Pushed
diagnostics carry the document version they were computed for, and are
cleared when the document closes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from promptwise.analysis import rules_for
from promptwise.findings import Related
from promptwise.lsp import convert
from promptwise.lsp.workspace import DocumentAnalysis, OpenDocument
from promptwise.rules.model import Rule

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer


def _related(ls: PromptwiseServer, result: DocumentAnalysis, item: Related) -> lsp.Location | None:
    """Where a finding's related information points: this file, another open one, or a log."""
    analysis = result.analysis
    assert analysis is not None
    doc = analysis.document
    encoding = ls.encoding
    if not item.path or item.path == doc.path:
        lines = doc.lines
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


def diagnostics_for(ls: PromptwiseServer, result: DocumentAnalysis) -> list[lsp.Diagnostic]:
    """The analysis as LSP diagnostics (computed once per analysis and encoding)."""
    key = f"diagnostics:{ls.encoding}"
    cached = result.extras.get(key)
    if cached is not None:
        return list(cached)
    analysis = result.analysis
    if analysis is None:
        doc = ls.documents.get(result.uri)
        if result.error and doc is not None:
            items = [convert.internal_error_diagnostic(doc.lines, result.error)]
        else:
            items = []
    else:
        rules = rules_by_code(ls, result)
        lines = analysis.document.lines
        items = [
            convert.diagnostic(
                f, lines, ls.encoding, rules.get(f.code), lambda item: _related(ls, result, item)
            )
            for f in analysis.findings
        ]
    result.extras[key] = tuple(items)
    return items


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
    ls.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(
            uri=doc.uri, version=result.version, diagnostics=diagnostics_for(ls, result)
        )
    )


def clear(ls: PromptwiseServer, uri: str) -> None:
    """Closing a file removes its diagnostics from the client's problem list."""
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
