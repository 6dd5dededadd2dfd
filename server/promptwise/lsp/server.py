"""The language server's table of features: which handler answers which method.

Every handler lives in ``lsp/features/<feature>.py`` and is a few lines over
the core; the state they share is
:class:`~promptwise.lsp.language_server.PromptwiseServer`. This module only
wires them up, and is the only one that imports them all. Each handler is
wrapped so that an exception is logged with the document URI and answered
with an empty result: a bad document, setting or position can cost one
answer, never the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import logging
import sys
from collections.abc import Callable
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter

from promptwise.lsp import log as client_log
from promptwise.lsp import transport
from promptwise.lsp.ids import (
    CMD_COST_COMPARISON,
    CMD_ESCALATION_REPORT,
    CMD_EXPLAIN_RULE,
    CMD_IGNORE_IN_CONFIG,
    CMD_REANALYZE,
    CMD_WORKSPACE_TOKENS,
    DIAGNOSTIC_SOURCE,
    FIX_ALL_KIND,
    STATUS_REQUEST,
)
from promptwise.lsp.language_server import PromptwiseServer

log = logging.getLogger(__name__)


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


def later(module: str, name: str) -> Callable[..., Any]:
    """The handler ``name`` of ``lsp/features/<module>.py``, imported on its first call.

    Only the lifecycle, text sync, configuration and diagnostics are needed
    before the first diagnostics. Code actions, lenses, hints, hover,
    completion, navigation, symbols and the commands wait for a request: at
    launch their modules (and the runner, the project overview and the
    price formatting behind them) only delayed the first answer (issue 16).
    Every such handler is a coroutine function or returns a plain value, so
    the stand-in is a coroutine function for pygls, with the handler's
    ``(ls, *args)`` shape.
    """

    async def handler(ls: PromptwiseServer, *args: Any) -> Any:
        target = getattr(importlib.import_module(f"promptwise.lsp.features.{module}"), name)
        result = target(ls, *args)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    handler.__name__ = handler.__qualname__ = name
    handler.__module__ = f"promptwise.lsp.features.{module}"
    return handler


def build() -> PromptwiseServer:
    """A server with every feature registered (most of them imported when first asked for)."""
    from promptwise.lsp.features import configuration, diagnostics, lifecycle, text_sync

    server = PromptwiseServer()
    server.publish_diagnostics = functools.partial(diagnostics.publish, server)

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
                identifier=DIAGNOSTIC_SOURCE,
                inter_file_dependencies=False,
                workspace_diagnostics=False,
            ),
            diagnostics.empty_report,
        ),
        (
            lsp.TEXT_DOCUMENT_CODE_ACTION,
            later("code_actions", "code_actions"),
            lsp.CodeActionOptions(
                code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND],
                resolve_provider=False,
            ),
            empty_list,
        ),
        (
            lsp.TEXT_DOCUMENT_INLAY_HINT,
            later("inlay_hints", "inlay_hints"),
            lsp.InlayHintOptions(resolve_provider=False),
            empty_list,
        ),
        (
            lsp.TEXT_DOCUMENT_CODE_LENS,
            later("code_lens", "code_lenses"),
            lsp.CodeLensOptions(resolve_provider=False),
            empty_list,
        ),
        (lsp.TEXT_DOCUMENT_HOVER, later("hover", "hover"), None, none),
        (lsp.TEXT_DOCUMENT_DEFINITION, later("navigation", "definition"), None, none),
        (lsp.TEXT_DOCUMENT_REFERENCES, later("navigation", "references"), None, none),
        (
            lsp.TEXT_DOCUMENT_PREPARE_RENAME,
            later("navigation", "prepare_rename"),
            None,
            none,
        ),
        (
            lsp.TEXT_DOCUMENT_RENAME,
            later("navigation", "rename"),
            lsp.RenameOptions(prepare_provider=True),
            none,
        ),
        (
            lsp.TEXT_DOCUMENT_DOCUMENT_LINK,
            later("links", "document_links"),
            lsp.DocumentLinkOptions(resolve_provider=False),
            empty_list,
        ),
        (
            lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL,
            later("symbols", "document_symbols"),
            None,
            empty_list,
        ),
        (
            lsp.TEXT_DOCUMENT_FOLDING_RANGE,
            later("folding", "folding_ranges"),
            None,
            empty_list,
        ),
        (
            lsp.TEXT_DOCUMENT_COMPLETION,
            later("completion", "completion"),
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
        (STATUS_REQUEST, later("status", "status"), None, none),
    ]
    for method, handler, options, empty in features:
        server.feature(method, options)(guarded(method, handler, empty))

    command_table: list[tuple[str, Callable[..., Any]]] = [
        (CMD_COST_COMPARISON, later("commands", "show_cost_comparison")),
        (CMD_ESCALATION_REPORT, later("commands", "show_escalation_report")),
        (CMD_REANALYZE, later("commands", "reanalyze")),
        (CMD_EXPLAIN_RULE, later("commands", "explain_rule")),
        (CMD_IGNORE_IN_CONFIG, later("commands", "ignore_in_config")),
        (CMD_WORKSPACE_TOKENS, later("workspace_view", "show_workspace_tokens")),
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
    """Run the server on stdio until the client says ``exit``, then end the process.

    The exit code is the protocol's: 0 after ``shutdown``, 1 otherwise.
    Queued analyses are dropped; the thread reading stdin is a daemon, so a
    client that keeps its end of the pipe open does not keep the process.
    """
    server = build()
    level = client_log.level_from_name(log_level)
    server.log_handler = client_log.configure(server, level, log_file)
    server.log_handler.fixed = level is not None
    stdout = sys.stdout.buffer
    server.protocol.set_writer(StdoutWriter(stdout))
    code = 1
    try:
        code = asyncio.run(transport.serve(server, sys.stdin.fileno()))
    except BrokenPipeError:
        log.error("the client went away")
    finally:
        server.executor.shutdown(wait=False, cancel_futures=True)
        with contextlib.suppress(Exception):
            stdout.flush()
    sys.exit(code)
