"""Python logging to the client's log (``window/logMessage``), through one handler.

pygls logs every message it sends at INFO; forwarding those records would
send a log message about sending a log message, forever. The handler
therefore drops pygls's own records (they still reach ``--log-file``), and
a re-entrancy guard catches anything else that logs while a record is
being sent. Records from the analysis thread are handed to the event loop,
because the transport is not thread-safe.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

_TYPES = (
    (logging.ERROR, lsp.MessageType.Error),
    (logging.WARNING, lsp.MessageType.Warning),
    (logging.INFO, lsp.MessageType.Info),
)

DEFAULT_LEVEL = logging.INFO

_NAMES = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}


def level_from_name(name: str | None) -> int | None:
    """``--log-level`` as a logging level; None when unset or unknown."""
    if not name:
        return None
    return _NAMES.get(name.strip().lower())


def call_on_loop(
    loop: asyncio.AbstractEventLoop | None, fn: Callable[..., Any], *args: Any
) -> None:
    """Run ``fn`` on the server's event loop: now when already on it, else queued
    from the analysis thread. Dropped before start-up and after shutdown."""
    if loop is None or loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        fn(*args)
    else:
        loop.call_soon_threadsafe(fn, *args)


class ClientLogHandler(logging.Handler):
    """Sends log records to the client as ``window/logMessage`` notifications."""

    def __init__(self, server: LanguageServer, level: int = DEFAULT_LEVEL) -> None:
        super().__init__(level)
        self.server = server
        self.loop: asyncio.AbstractEventLoop | None = None
        self._busy = threading.local()
        # Set by --log-level: then the client's trace/logLevel settings do not override it.
        self.fixed = False
        self.addFilter(lambda record: not record.name.startswith("pygls"))
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def use_level(self, level: int) -> None:
        """Follow the client's ``trace``/``logLevel`` unless ``--log-level`` fixed it."""
        if self.fixed:
            return
        self.setLevel(level)
        _tune(logging.getLogger("promptwise"))

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._busy, "on", False):
            return
        try:
            message = self.format(record)
        except Exception:  # a bad format string must not break logging
            return
        kind = next((t for level, t in _TYPES if record.levelno >= level), lsp.MessageType.Log)
        params = lsp.LogMessageParams(type=kind, message=message)
        call_on_loop(self.loop, self._send, params)

    def _send(self, params: lsp.LogMessageParams) -> None:
        if self.server.protocol.writer is None:
            return
        self._busy.on = True
        try:
            self.server.window_log_message(params)
        except Exception:  # the client went away; nothing sensible to do
            pass
        finally:
            self._busy.on = False


def configure(server: LanguageServer, level: int | None, log_file: str | None) -> ClientLogHandler:
    """Route the ``promptwise`` loggers to the client (and a file, when asked).

    Nothing goes to stderr by default: some clients show every stderr line
    as an error.
    """
    handler = ClientLogHandler(server, level if level is not None else DEFAULT_LEVEL)
    ours = logging.getLogger("promptwise")
    ours.propagate = False
    ours.handlers = [handler]
    pygls_logger = logging.getLogger("pygls")
    pygls_logger.setLevel(logging.WARNING)
    pygls_logger.propagate = False
    pygls_logger.handlers = []
    if log_file:
        try:
            file_handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            print(f"promptwise: cannot write the log file {log_file}: {exc}", file=sys.stderr)
        else:
            file_handler.setFormatter(
                logging.Formatter(
                    "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"
                )
            )
            file_handler.setLevel(logging.DEBUG if level is None else min(level, logging.INFO))
            ours.addHandler(file_handler)
            pygls_logger.handlers = [file_handler]
            pygls_logger.setLevel(file_handler.level)
    _tune(ours)
    return handler


def _tune(logger: logging.Logger) -> None:
    """Let the logger drop records no handler wants before they are built."""
    levels = [h.level for h in logger.handlers] or [logging.WARNING]
    logger.setLevel(min(levels))
