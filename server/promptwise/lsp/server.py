"""The language server: state, capabilities, and the table of features.

Every handler lives in ``lsp/features/<feature>.py`` and is a few lines over
the core; this module only wires them up. Each one is wrapped so that an
exception is logged with the document URI and answered with an empty
result: a bad document, setting or position can cost one answer, never the
server.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from promptwise import __version__
from promptwise.document.text import Encoding
from promptwise.lsp import convert
from promptwise.lsp import log as client_log
from promptwise.lsp.analyser import Analyser
from promptwise.lsp.settings import SettingsResolver
from promptwise.lsp.workspace import PromptWorkspace

log = logging.getLogger(__name__)

T = TypeVar("T")

STATUS_REQUEST = "promptwise/status"
CMD_COST_COMPARISON = "promptwise.showCostComparison"
CMD_ESCALATION_REPORT = "promptwise.showEscalationReport"
CMD_REANALYZE = "promptwise.reanalyze"
CMD_EXPLAIN_RULE = "promptwise.explainRule"
CMD_IGNORE_IN_CONFIG = "promptwise.ignoreRuleInConfig"
FIX_ALL_KIND = f"{lsp.CodeActionKind.SourceFixAll.value}.promptwise"


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
        self.analyser = Analyser(self.settings)
        self.documents = PromptWorkspace(self.analyser, self.executor)
        self.log_handler: client_log.ClientLogHandler | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.watched_logs: tuple[tuple[str, str], ...] = ()
        self.log_registration: str | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._release: asyncio.TimerHandle | None = None

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
        from promptwise.lsp.features import diagnostics

        wait = self.debounce(uri) if delay is None else delay
        self.documents.schedule(
            uri,
            wait,
            None if self.pull_diagnostics else functools.partial(diagnostics.publish, self),
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
        self._release = loop.call_later(delay, self.executor.submit, release_memory)

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


# --------------------------------------------------------------- robustness


def _uri_of(args: tuple[Any, ...]) -> str:
    for arg in args:
        doc = getattr(arg, "text_document", None)
        uri = getattr(doc, "uri", None) or getattr(arg, "uri", None)
        if isinstance(uri, str):
            return uri
    return "-"


def guarded(
    method: str, handler: Callable[..., Any], empty: Callable[[], Any]
) -> Callable[..., Any]:
    """Wrap ``handler`` so that an exception costs one empty answer, not the server.

    Deliberate LSP errors (``JsonRpcException``) still reach the client.
    The wrapper keeps the handler's signature (pygls reads it) but not its
    string annotations, which pygls would try to resolve in this module.
    """
    if asyncio.iscoroutinefunction(handler):

        async def run_async(ls: PromptwiseServer, *args: Any) -> Any:
            try:
                return await handler(ls, *args)
            except (asyncio.CancelledError, JsonRpcException):
                raise
            except Exception:
                log.exception("%s failed for %s", method, _uri_of(args))
                return empty()

        wrapper: Callable[..., Any] = run_async
    else:

        def run_sync(ls: PromptwiseServer, *args: Any) -> Any:
            try:
                return handler(ls, *args)
            except JsonRpcException:
                raise
            except Exception:
                log.exception("%s failed for %s", method, _uri_of(args))
                return empty()

        wrapper = run_sync
    _wrap(wrapper, handler)
    return wrapper


def build() -> PromptwiseServer:
    """A server with every feature registered."""
    from promptwise.lsp.features import (
        code_actions,
        code_lens,
        commands,
        completion,
        configuration,
        diagnostics,
        folding,
        hover,
        inlay_hints,
        lifecycle,
        status,
        symbols,
        text_sync,
    )

    server = PromptwiseServer()

    def none() -> None:
        return None

    def empty_list() -> list[Any]:
        return []

    features: list[tuple[str, Callable[..., Any], Any, Callable[[], Any]]] = [
        (lsp.INITIALIZE, lifecycle.initialize, None, none),
        (lsp.INITIALIZED, lifecycle.initialized, None, none),
        (lsp.SHUTDOWN, lifecycle.shutdown, None, none),
        (lsp.SET_TRACE, lifecycle.set_trace, None, none),
        (lsp.TEXT_DOCUMENT_DID_OPEN, text_sync.did_open, None, none),
        (lsp.TEXT_DOCUMENT_DID_CHANGE, text_sync.did_change, None, none),
        (lsp.TEXT_DOCUMENT_DID_SAVE, text_sync.did_save, lsp.SaveOptions(include_text=False), none),
        (lsp.TEXT_DOCUMENT_DID_CLOSE, text_sync.did_close, None, none),
        (
            lsp.TEXT_DOCUMENT_DIAGNOSTIC,
            diagnostics.pull,
            lsp.DiagnosticOptions(
                identifier="promptwise", inter_file_dependencies=False, workspace_diagnostics=False
            ),
            diagnostics.empty_report,
        ),
        (
            lsp.TEXT_DOCUMENT_CODE_ACTION,
            code_actions.code_actions,
            lsp.CodeActionOptions(
                code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND],
                resolve_provider=False,
            ),
            empty_list,
        ),
        (
            lsp.TEXT_DOCUMENT_INLAY_HINT,
            inlay_hints.inlay_hints,
            lsp.InlayHintOptions(resolve_provider=False),
            empty_list,
        ),
        (
            lsp.TEXT_DOCUMENT_CODE_LENS,
            code_lens.code_lenses,
            lsp.CodeLensOptions(resolve_provider=False),
            empty_list,
        ),
        (lsp.TEXT_DOCUMENT_HOVER, hover.hover, None, none),
        (lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL, symbols.document_symbols, None, empty_list),
        (lsp.TEXT_DOCUMENT_FOLDING_RANGE, folding.folding_ranges, None, empty_list),
        (
            lsp.TEXT_DOCUMENT_COMPLETION,
            completion.completion,
            lsp.CompletionOptions(
                trigger_characters=["{", " ", ":", "$", "/"], resolve_provider=False
            ),
            none,
        ),
        (
            lsp.WORKSPACE_DID_CHANGE_CONFIGURATION,
            configuration.did_change_configuration,
            None,
            none,
        ),
        (
            lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            configuration.did_change_watched_files,
            None,
            none,
        ),
        (lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, configuration.did_change_folders, None, none),
        (STATUS_REQUEST, status.status, None, none),
    ]
    for method, handler, options, empty in features:
        server.feature(method, options)(guarded(method, handler, empty))

    command_table: list[tuple[str, Callable[..., Any]]] = [
        (CMD_COST_COMPARISON, commands.show_cost_comparison),
        (CMD_ESCALATION_REPORT, commands.show_escalation_report),
        (CMD_REANALYZE, commands.reanalyze),
        (CMD_EXPLAIN_RULE, commands.explain_rule),
        (CMD_IGNORE_IN_CONFIG, commands.ignore_in_config),
    ]
    for name, command in command_table:
        server.command(name)(_command(name, command))
    return server


def _command(name: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    """Commands log failures with their arguments and answer with an LSP error."""

    async def run(ls: PromptwiseServer, *args: Any) -> Any:
        try:
            result = handler(ls, *args)
            if asyncio.iscoroutine(result):
                result = await result
            return result
        except (asyncio.CancelledError, JsonRpcException):
            raise
        except Exception as exc:
            log.exception("command %s failed (arguments %r)", name, args)
            raise JsonRpcException(code=-32603, message=f"{name} failed: {exc}") from exc

    _wrap(run, handler)
    return run


def _wrap(wrapper: Callable[..., Any], handler: Callable[..., Any]) -> None:
    """Give ``wrapper`` the handler's name and signature, but no annotations.

    pygls reads the signature (through ``__wrapped__``) to find the ``ls``
    parameter and evaluates annotations in the handler's module, where the
    server type is only imported for type checking.
    """
    functools.update_wrapper(
        wrapper, handler, assigned=("__module__", "__name__", "__qualname__", "__doc__")
    )
    wrapper.__annotations__ = {}


def start(log_file: str | None = None, log_level: str | None = None) -> None:
    """Run the server on stdio until the client says ``exit``."""
    server = build()
    level = client_log.level_from_name(log_level)
    server.log_handler = client_log.configure(server, level, log_file)
    server.log_handler.fixed = level is not None
    server.start_io()
