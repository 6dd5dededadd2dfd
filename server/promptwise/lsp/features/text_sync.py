"""didOpen / didChange / didSave / didClose: keep the text, schedule analyses."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from promptwise.config import CONFIG_FILES
from promptwise.lsp import convert
from promptwise.lsp.features import configuration, diagnostics

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer


def did_open(ls: PromptwiseServer, params: lsp.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    ls.documents.open(
        item.uri, convert.uri_to_path(item.uri), item.language_id, item.version, item.text
    )
    ls.schedule(item.uri, 0)  # nothing to debounce on open
    ls.background(configuration.watch_logs_of(ls, item.uri))


def did_change(ls: PromptwiseServer, params: lsp.DidChangeTextDocumentParams) -> None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None:
        return
    doc.apply(params.content_changes, params.text_document.version, ls.encoding)
    ls.schedule(doc.uri)


def did_save(ls: PromptwiseServer, params: lsp.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if Path(convert.uri_to_path(uri)).name in CONFIG_FILES:
        # A config file the client syncs: its change is the settings' change.
        ls.settings.config_changed()
        ls.reanalyse()
        return
    if uri in ls.documents.documents:
        # Saving is when people expect a fresh look: config files without a
        # watcher, rule folders and logs are re-read (each is cached by mtime).
        ls.documents.stale(uri)
        ls.schedule(uri, 0)
    # The prompts that include or link to the saved file: their counts and
    # unresolved references change with it.
    changed = False
    for other in ls.dependents(convert.uri_to_path(uri)):
        if other != uri:
            ls.documents.stale(other)
            ls.schedule(other, 0)
            changed = True
    if changed:
        ls.refresh_views()


def did_close(ls: PromptwiseServer, params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.documents.close(uri)
    diagnostics.clear(ls, uri)
    ls.release_memory_soon()
