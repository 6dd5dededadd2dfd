"""The server object every handler receives: open documents, settings, client capabilities.

It knows no feature: :mod:`promptwise.lsp.server` registers the handlers in
``lsp/features/`` on it, and they reach each other only through the state
kept here (and the shared names in :mod:`promptwise.lsp.ids`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from promptwise import __version__
from promptwise.document.text import Encoding
from promptwise.lsp import convert
from promptwise.lsp import log as client_log
from promptwise.lsp.analyser import Analyser
from promptwise.lsp.settings import SettingsResolver
from promptwise.lsp.workspace import DocumentAnalysis, OpenDocument, PromptWorkspace

log = logging.getLogger(__name__)

INVALID_REQUEST = -32600


class PromptwiseProtocol(LanguageServerProtocol):
    """pygls's protocol minus its own copy of open documents.

    The server keeps documents in :class:`PromptWorkspace`, which applies an
    edit as one string splice; pygls's copy would re-split the whole text
    into lines on every keystroke, for nothing.
    """

    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: lsp.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: lsp.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.EXIT)
    def lsp_exit(self, *args: Any) -> Generator[Any, Any, None]:
        """Record the exit code (0 after ``shutdown``, 1 without); the transport stops.

        pygls's own handler calls ``sys.exit`` from inside the loop, which its
        stdio runner then swallows, so the process always ended with 0.
        """
        if (handler := self.fm.features.get(lsp.EXIT)) is not None:
            yield handler, args, None
        server = self._server
        if isinstance(server, PromptwiseServer):
            server.exit_code = 0 if self._shutdown else 1

    def handle_message(self, message: Any) -> None:
        """After ``shutdown`` a request gets ``InvalidRequest`` (pygls drops it unanswered)."""
        method = getattr(message, "method", None)
        msg_id = getattr(message, "id", None)
        if self._shutdown and method is not None and method != lsp.EXIT:
            if msg_id is not None:
                self._send_data(
                    {
                        "jsonrpc": "2.0",
                        "id": msg_id,
                        "error": {
                            "code": INVALID_REQUEST,
                            "message": f"the server is shut down; {method} is not handled",
                        },
                    }
                )
            return
        super().handle_message(message)

    def unstructure(self, value: Any) -> Any:
        """``value`` as the JSON-ready data pygls would send for it (its converter's output)."""
        return self._serialize_message(value)

    def send_unstructured(self, message: dict[str, Any]) -> None:
        """Send a message already turned into JSON-ready data (by :meth:`unstructure`)."""
        self._send_data(message)

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: lsp.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


class PromptwiseServer(LanguageServer):
    """Server state shared by the feature handlers."""

    def __init__(self) -> None:
        super().__init__(
            "promptwise",
            __version__,
            protocol_cls=PromptwiseProtocol,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
        )
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="promptwise-analysis")
        self.settings = SettingsResolver(self.warn_threadsafe)
        self.analyser = Analyser(self.settings, self.open_texts, self.logs_ready)
        self.documents = PromptWorkspace(self.analyser, self.executor, self.analyser.quick)
        self.log_handler: client_log.ClientLogHandler | None = None
        self.exit_code: int | None = None  # set by `exit`
        self.loop: asyncio.AbstractEventLoop | None = None
        self.watched_logs: tuple[tuple[str, str], ...] = ()
        self.log_registration: str | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._release: asyncio.TimerHandle | None = None
        # Sends one analysis's diagnostics; the diagnostics feature installs it
        # when the server is built (this class knows no feature).
        self.publish_diagnostics: Callable[[OpenDocument, DocumentAnalysis], None] | None = None
        # Per open document, the diagnostics last converted for it, by everything the
        # conversion reads (kept and dropped by the diagnostics feature).
        self.converted_diagnostics: dict[str, dict[Any, Any]] = {}

    def logs_ready(self, uri: str) -> None:
        """A failure log was read off the analysis path: analyse ``uri`` again with it
        (called from the log reader's thread)."""
        client_log.call_on_loop(self.loop, self.reanalyse, [uri])

    def open_texts(self) -> dict[str, str]:
        """Path -> text of every open document (called from the analysis thread:
        ``dict(...)`` copies the table in one step, so an open or close on the
        event loop meanwhile cannot break the iteration)."""
        return {doc.path: doc.text for doc in dict(self.documents.documents).values()}

    def dependents(self, path: str) -> list[str]:
        """Open documents whose last analysis resolved a reference to ``path`` or
        reached it through their includes."""
        out: list[str] = []
        for uri in list(self.documents.documents):
            latest = self.documents.latest(uri)
            composition = latest.analysis.composition if latest and latest.analysis else None
            if composition is None:
                continue
            touched = {p for r in composition.references for p in r.resolution.tried}
            touched.update(r.resolution.path or "" for r in composition.references)
            touched.update(composition.files)
            if path in touched:
                out.append(uri)
        return out

    def background(self, work: Awaitable[Any]) -> None:
        """Run ``work`` without awaiting it, keeping a reference until it is done."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -------------------------------------------------------------- client

    def capability(self, dotted: str, default: Any = None) -> Any:
        return get_capability(self.client_capabilities, dotted, default)

    @property
    def encoding(self) -> Encoding:
        try:
            return convert.encoding_of(self.workspace.position_encoding)
        except RuntimeError:  # not initialised yet
            return "utf-16"

    @property
    def pull_diagnostics(self) -> bool:
        """Whether the client pulls diagnostics (then the server does not push)."""
        return self.capability("text_document.diagnostic") is not None

    def warn(self, message: str) -> None:
        self.window_show_message(
            lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=message)
        )

    def warn_threadsafe(self, message: str) -> None:
        client_log.call_on_loop(self.loop, self.warn, message)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls shows every error in a popup; a log line is enough for us."""
        log.error("server error (%s): %s", getattr(source, "__name__", source), error)

    # ------------------------------------------------------------ analysis

    def debounce(self, uri: str) -> float:
        doc = self.documents.get(uri)
        latest = self.documents.latest(uri)
        if latest is not None and latest.analysis is not None:
            return latest.analysis.settings.debounce_ms / 1000
        if doc is not None:
            return self.settings.settings_for(doc.path).debounce_ms / 1000
        return 0.15

    def schedule(self, uri: str, delay: float | None = None) -> None:
        """(Re)analyse ``uri`` after its debounce and publish, or just warm the cache
        when the client pulls diagnostics itself."""
        wait = self.debounce(uri) if delay is None else delay
        self.documents.schedule(
            uri, wait, None if self.pull_diagnostics else self.publish_diagnostics
        )

    def release_memory_soon(self, delay: float = 0.5) -> None:
        """Documents closed: give their cached results back once the closing stops.

        Closing a folder's worth of tabs sends a burst of didClose; the caches
        are dropped once, shortly after the last one, on the analysis thread so
        no running analysis sees them vanish. Open documents simply recompute
        on their next edit.
        """
        from promptwise.analysis import release_memory

        loop = self.loop
        if loop is None or loop.is_closed():
            return
        if self._release is not None:
            self._release.cancel()

        def release() -> None:
            self.analyser.release()
            release_memory()

        self._release = loop.call_later(delay, self.executor.submit, release)

    def reanalyse(self, uris: list[str] | None = None) -> int:
        """Settings or inputs changed: analyse again and tell the client to refresh."""
        self.documents.invalidate()
        targets = (
            list(self.documents.documents)
            if uris is None
            else [u for u in uris if u in self.documents.documents]
        )
        for uri in targets:
            self.schedule(uri, 0)
        self.refresh_views()
        return len(targets)

    def refresh_views(self) -> None:
        """Ask the client to re-request what depends on settings (lenses, hints, pulls)."""
        requests = (
            ("workspace.code_lens.refresh_support", self.workspace_code_lens_refresh_async),
            ("workspace.inlay_hint.refresh_support", self.workspace_inlay_hint_refresh_async),
        )
        pending: list[Awaitable[Any]] = []
        for dotted, send in requests:
            if self.capability(dotted, False):
                pending.append(send(None))
        if self.pull_diagnostics and self.capability(
            "workspace.diagnostics.refresh_support", False
        ):
            pending.append(self.workspace_diagnostic_refresh_async(None))
        for item in pending:
            self.background(_quietly(item))


async def _quietly(request: Awaitable[Any]) -> None:
    try:
        await request
    except Exception as exc:  # a client that refuses a refresh is not an error
        log.debug("refresh request failed: %s", exc)
