"""The server's stdio transport: framing that survives a broken client.

pygls's own stdio loop trusts every ``Content-Length``: one too short leaves
the rest of the body in the stream, which then swallows the next header, and
from there on no message is recognised again (the server goes deaf); one
too long swallows the next messages whole. A body that is not JSON, or a
request whose params do not fit its method, is logged but never answered,
so the client waits for ever.

This loop replaces it (pygls still dispatches every message):

- a header is found wherever it starts, so garbage left by a short
  ``Content-Length`` is skipped and the next message is read normally;
- a body that runs into the next message's header ends there: raw CR LF
  cannot occur inside a JSON string, so a ``Content-Length: N`` line
  followed by a blank line inside a body is always a new message;
- malformed JSON gets a ``ParseError`` reply (id null), a message that is
  not a JSON-RPC object an ``InvalidRequest``, and a request whose params
  do not fit its method an ``InvalidParams`` reply with its id.

Stdin is read by a daemon thread, so a client that never closes its end
cannot keep the process alive after ``exit``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from cattrs import ClassValidationError, transform_error
from pygls.exceptions import JsonRpcException

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602

_HEADER = re.compile(rb"Content-Length:[ \t]*(\d{1,12})[ \t]*\r\n", re.IGNORECASE)
_END = b"\r\n\r\n"
_MAX_HEADER = 8192  # bytes from a Content-Length line to the blank line after the headers
_MAX_BODY = 256 << 20  # a claimed length above this is not waited for


class Framer:
    """Split a byte stream into message bodies, resynchronising on bad lengths."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.skipped = 0  # bytes dropped between messages (for the log and the tests)

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def bodies(self) -> Iterator[bytes]:
        """Every complete body in the buffer, in order; the rest waits for more data."""
        while True:
            body = self._next()
            if body is None:
                return
            yield body

    def _next(self) -> bytes | None:
        buffer = self._buffer
        header = _HEADER.search(buffer)
        if header is None:
            # Keep a tail that may be the start of a header still arriving.
            keep = max(0, len(buffer) - 64)
            self._drop(keep)
            return None
        self._drop(header.start())
        header = _HEADER.match(buffer)
        assert header is not None
        end = buffer.find(_END, header.end() - 2)
        if end == -1:
            if len(buffer) > _MAX_HEADER:
                self._drop(header.end())  # headers that never end: not a message
                return self._next()
            return None
        start = end + len(_END)
        length = int(header.group(1))
        # A new message inside the claimed body means the length was too long.
        cut = self._next_header(start, min(len(buffer), start + length))
        if cut is not None:
            body = bytes(buffer[start:cut])
            del buffer[:cut]
            return body
        if len(buffer) - start < length:
            if length > _MAX_BODY:
                self._drop(start)
                return b""  # reported as a parse error; the stream goes on
            return None
        body = bytes(buffer[start : start + length])
        del buffer[: start + length]
        return body

    def _next_header(self, start: int, stop: int) -> int | None:
        """Where a complete header block starts in ``buffer[start:stop]``, if one does."""
        found = _HEADER.search(self._buffer, start, stop)
        while found is not None:
            if self._buffer.find(_END, found.end() - 2, found.end() + _MAX_HEADER) != -1:
                return found.start()
            found = _HEADER.search(self._buffer, found.end(), stop)
        return None

    def _drop(self, count: int) -> None:
        if count > 0:
            if self._buffer[:count].strip():
                self.skipped += count
                log.warning("skipped %d bytes that were not a message", count)
            del self._buffer[:count]


def _valid_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def dispatch(server: PromptwiseServer, body: bytes) -> None:
    """Hand one body to pygls, or answer it with the JSON-RPC error it deserves."""
    protocol = server.protocol
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        _reply_error(server, None, PARSE_ERROR, f"Parse error: {exc}")
        return
    if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
        msg_id = data.get("id") if isinstance(data, dict) else None
        _reply_error(
            server,
            msg_id if _valid_id(msg_id) else None,
            INVALID_REQUEST,
            'Invalid request: expected a JSON-RPC 2.0 object ({"jsonrpc": "2.0", ...})',
        )
        return
    method = data.get("method")
    msg_id = data.get("id")
    is_request = "method" in data and "id" in data
    bad_method = "method" in data and not isinstance(method, str)
    if bad_method or ("id" in data and not _valid_id(msg_id)):
        _reply_error(
            server,
            msg_id if _valid_id(msg_id) else None,
            INVALID_REQUEST,
            "Invalid request: `method` must be a string and `id` a number or a string",
        )
        return
    try:
        message = protocol.structure_message(data)
    except JsonRpcException as exc:
        if is_request:
            _reply_error(
                server, msg_id, INVALID_PARAMS, f"Invalid params for {method}: {_cause(exc)}"
            )
        else:
            log.warning("ignored a malformed %s: %s", method or "response", _cause(exc))
        return
    try:
        protocol.handle_message(message)
    except Exception as exc:  # pygls answers handler errors itself; this is dispatch
        log.exception("could not handle %s", method)
        if is_request:
            _reply_error(server, msg_id, INVALID_REQUEST, f"Could not handle {method}: {exc}")


def _cause(exc: BaseException) -> str:
    """What is wrong, field by field as cattrs words it (``required field missing @
    $.params.position``), rather than pygls's generic "Invalid Params"."""
    cause = exc.__cause__ or exc
    if isinstance(cause, ClassValidationError):
        return "; ".join(transform_error(cause)[:5])[:500]
    text = str(cause).strip().splitlines()
    return text[0][:300] if text else type(cause).__name__


def _reply_error(server: PromptwiseServer, msg_id: Any, code: int, message: str) -> None:
    server.protocol._send_data(
        {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}
    )


def _pump(fd: int, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[bytes]) -> None:
    """Read stdin on a daemon thread and hand each chunk to the loop (b"" at the end)."""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            chunk = b""
        try:
            loop.call_soon_threadsafe(queue.put_nowait, chunk)
        except RuntimeError:  # the loop is closed: the server is exiting
            return
        if not chunk:
            return


async def serve(server: PromptwiseServer, fd: int) -> int:
    """Read and dispatch messages until ``exit`` or the end of input; the exit code.

    0 after ``shutdown`` then ``exit``; 1 for ``exit`` without ``shutdown``
    and for input that ends without ``exit`` (the client is gone).
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    threading.Thread(
        target=_pump, args=(fd, loop, queue), name="promptwise-stdin", daemon=True
    ).start()
    framer = Framer()
    while server.exit_code is None:
        chunk = await queue.get()
        if not chunk:
            log.info("the client closed the connection")
            return 0 if server.protocol._shutdown else 1
        framer.feed(chunk)
        for body in framer.bodies():
            dispatch(server, body)
            if server.exit_code is not None:
                break
    return server.exit_code
