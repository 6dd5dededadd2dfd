"""A client that breaks the protocol: raw JSON-RPC over the real server's stdio.

Each test starts ``python -m promptwise serve`` and writes bytes itself, so
the framing can be wrong in ways no LSP client library would produce. The
server must answer every request it can identify (with the JSON-RPC error
that fits), keep reading after a wrong ``Content-Length``, refuse requests
after ``shutdown``, and end with the exit code the protocol prescribes.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import source_env

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
DOC = "file:///tmp/promptwise-protocol/a.prompt.md"


def frame(body: bytes, length: int | None = None) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length) + body


def message(obj: dict[str, Any]) -> bytes:
    return frame(json.dumps(obj).encode())


def request(msg_id: int, method: str, params: Any = None) -> bytes:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        body["params"] = params
    return message(body)


def notification(method: str, params: Any = None) -> bytes:
    body: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        body["params"] = params
    return message(body)


class RawServer:
    """The server process, and the messages it wrote, parsed from its stdout."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "promptwise", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=source_env(),
        )
        self._buffer = b""
        self.received: list[dict[str, Any]] = []

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def _messages(self) -> Iterator[dict[str, Any]]:
        while True:
            head, sep, rest = self._buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            if len(rest) < length:
                return
            self._buffer = rest[length:]
            yield json.loads(rest[:length])

    def reply(self, msg_id: Any, timeout: float = 20.0) -> dict[str, Any]:
        """The response to ``msg_id`` (``None``: the first error without an id)."""
        deadline = time.monotonic() + timeout
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            for item in self.received:
                if "method" not in item and item.get("id") == msg_id:
                    self.received.remove(item)
                    return item
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no reply to id {msg_id!r}; got {self.received}")
            ready, _, _ = select.select([stdout], [], [], left)
            if ready:
                chunk = os.read(stdout.fileno(), 1 << 16)
                if not chunk:
                    raise AssertionError(f"the server closed stdout before replying to {msg_id}")
                self._buffer += chunk
                self.received.extend(self._messages())

    def initialize(self) -> None:
        self.send(
            request(1, "initialize", {"processId": None, "capabilities": {}, "rootUri": None})
        )
        assert "result" in self.reply(1)
        self.send(notification("initialized", {}))

    def exit_code(self, timeout: float = 20.0) -> int:
        return self.process.wait(timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


@pytest.fixture
def server() -> Iterator[RawServer]:
    raw = RawServer()
    try:
        yield raw
    finally:
        raw.close()


def hover(msg_id: int, uri: str = DOC) -> bytes:
    return request(
        msg_id,
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}},
    )


def test_malformed_json_gets_a_parse_error_and_the_server_goes_on(server: RawServer) -> None:
    server.initialize()
    server.send(frame(b'{"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {'))
    error = server.reply(None)["error"]
    assert error["code"] == PARSE_ERROR
    for body in (b"[1, 2]", b'"text"', b'{"id": 3, "method": "shutdown"}'):
        server.send(frame(body))
    assert server.reply(None)["error"]["code"] == INVALID_REQUEST  # a batch array
    assert server.reply(None)["error"]["code"] == INVALID_REQUEST  # a string
    assert server.reply(3)["error"]["code"] == INVALID_REQUEST  # no "jsonrpc": "2.0"
    server.send(hover(4))
    assert server.reply(4)["result"] is None  # still serving


def test_invalid_params_get_an_invalid_params_reply(server: RawServer) -> None:
    server.initialize()
    server.send(request(2, "textDocument/hover", {"textDocument": 5}))
    error = server.reply(2)["error"]
    assert error["code"] == INVALID_PARAMS
    assert "position" in error["message"]  # says which field is wrong
    server.send(request(3, "textDocument/completion", [1, 2, 3]))
    assert server.reply(3)["error"]["code"] == INVALID_PARAMS
    server.send(hover(4))
    assert "result" in server.reply(4)


@pytest.mark.parametrize("wrong", [-12, +25, +4000])
def test_wrong_content_length_does_not_leave_the_server_deaf(server: RawServer, wrong: int) -> None:
    """Too short leaves the rest of a body in the stream; too long swallows the
    next message. Either way the next well-formed message is answered."""
    server.initialize()
    body = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover"}).encode()
    server.send(frame(body, len(body) + wrong))
    for msg_id in (3, 4, 5):
        server.send(hover(msg_id))
    if wrong < 0:
        assert server.reply(None)["error"]["code"] == PARSE_ERROR  # the cut body
    for msg_id in (3, 4, 5):
        assert "result" in server.reply(msg_id), msg_id


def test_requests_after_shutdown_are_invalid_and_exit_is_zero(server: RawServer) -> None:
    server.initialize()
    server.send(request(2, "shutdown"))
    assert server.reply(2)["result"] is None
    server.send(hover(3))
    error = server.reply(3)["error"]
    assert error["code"] == INVALID_REQUEST and "shut down" in error["message"]
    server.send(notification("exit"))
    assert server.exit_code() == 0


def test_shutdown_before_initialize_is_answered(server: RawServer) -> None:
    server.send(request(1, "shutdown"))
    assert "result" in server.reply(1)
    server.send(notification("exit"))
    assert server.exit_code() == 0


def test_exit_without_shutdown_exits_1(server: RawServer) -> None:
    server.initialize()
    server.send(notification("exit"))
    assert server.exit_code() == 1


def test_exit_is_prompt_while_the_client_keeps_its_end_open(server: RawServer) -> None:
    """Stdin stays open (as an editor's pipe does): exit must not wait for it."""
    server.initialize()
    server.send(request(2, "shutdown"))
    server.reply(2)
    started = time.monotonic()
    server.send(notification("exit"))
    assert server.exit_code(timeout=10) == 0
    assert time.monotonic() - started < 10
