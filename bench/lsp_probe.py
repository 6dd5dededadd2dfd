"""`promptwise serve` with a stopwatch on each stage of an edit (a bench tool, not a test).

``bench/lsp_latency.py --stages`` starts the server through this module
instead of ``python -m promptwise serve``. It wraps the functions one edit
passes through -- reading and structuring the ``didChange``, applying it to
the text, the quick and the full analysis on the worker thread, converting
findings to ``Diagnostic`` objects, serialising and writing the
notification -- and records when each started and ended, keyed by the
document version. ``perf_counter`` is the system-wide monotonic clock on
Linux, so the client can line its own send and receive times up with
these and see what happens between the two processes (the pipe, the
client's own parsing) as well.

On exit the records go to ``$PROMPTWISE_PROBE_OUT`` (JSON). With
``$PROMPTWISE_PROBE_PROFILE`` set to a folder, the event loop's thread and the
analysis thread are also profiled with cProfile (``loop.prof``,
``worker.prof``); the stopwatch numbers are then inflated by the profiler.

    PROMPTWISE_PROBE_OUT=/tmp/stages.json python bench/lsp_probe.py
"""

from __future__ import annotations

import asyncio
import cProfile
import functools
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# One record per timed call: (stage, document version or -1, start, end).
RECORDS: list[tuple[str, int, float, float]] = []
_local = threading.local()


def _version() -> int:
    return getattr(_local, "version", -1)


def timed(stage: str, fn: Callable[..., Any], version_of: Callable[..., int] | None = None) -> Any:
    """``fn`` recording its wall time under ``stage`` (and the version it worked on)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if version_of is not None:
            try:
                _local.version = version_of(*args, **kwargs)
            except Exception:
                _local.version = -1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            RECORDS.append((stage, _version(), start, time.perf_counter()))

    return wrapper


def _snapshot_version(_self: Any, snapshot: Any) -> int:
    return int(snapshot.version)


def _result_version(_ls: Any, result: Any) -> int:
    return int(result.version)


def install() -> None:
    """Wrap the stages, before the server is built (it captures its handlers then)."""
    from pygls.io_ import StdoutWriter

    from promptwise.lsp import analyser, convert, transport
    from promptwise.lsp import language_server as language_server_module
    from promptwise.lsp.features import diagnostics, text_sync
    from promptwise.lsp.workspace import OpenDocument

    original_dispatch = transport.dispatch

    def dispatch(server: Any, body: bytes) -> None:
        _local.version = -1
        start = time.perf_counter()
        try:
            original_dispatch(server, body)
        finally:
            RECORDS.append(
                ("message in (json + structure + handler)", _version(), start, time.perf_counter())
            )

    transport.dispatch = dispatch

    language_server_module.PromptwiseProtocol.structure_message = _structure_timed()  # type: ignore[method-assign]

    text_sync.did_change = timed("did_change handler", text_sync.did_change)
    OpenDocument.apply = timed("apply change to text", OpenDocument.apply)  # type: ignore[method-assign]
    Analyser = analyser.Analyser
    Analyser.quick = timed("worker: quick analysis", Analyser.quick, _snapshot_version)  # type: ignore[method-assign]
    Analyser.__call__ = timed("worker: full analysis", Analyser.__call__, _snapshot_version)  # type: ignore[method-assign]
    Analyser.parse = timed("worker: parse", Analyser.parse)  # type: ignore[method-assign]
    Analyser._logs = timed("worker: failure logs", Analyser._logs)  # type: ignore[method-assign]
    Analyser._project = timed("worker: project", Analyser._project)  # type: ignore[method-assign]
    analyser.analyze = timed("worker: analyze()", analyser.analyze)
    diagnostics.publish = timed("publish (total)", diagnostics.publish, _publish_version)
    # The findings converted to Diagnostic objects (and their wire data, where the
    # server keeps it: ``converted``; before that, ``diagnostics_for``).
    if hasattr(diagnostics, "converted"):
        diagnostics.converted = timed("convert to Diagnostic", diagnostics.converted)
    else:
        diagnostics.diagnostics_for = timed("convert to Diagnostic", diagnostics.diagnostics_for)
    convert.diagnostic = timed("convert one finding", convert.diagnostic)
    StdoutWriter.write = timed("write to the pipe", StdoutWriter.write)  # type: ignore[method-assign]


def _structure_timed() -> Callable[..., Any]:
    from pygls.protocol import LanguageServerProtocol

    def method(self: Any, data: Any) -> Any:
        start = time.perf_counter()
        message = LanguageServerProtocol.structure_message(self, data)
        doc = getattr(getattr(message, "params", None), "text_document", None)
        _local.version = int(getattr(doc, "version", -1) or -1)
        RECORDS.append(("structure (cattrs)", _local.version, start, time.perf_counter()))
        return message

    return method


def _publish_version(_ls: Any, _doc: Any, result: Any) -> int:
    return int(result.version)


def _send_data_timed() -> None:
    """json.dumps (with lsprotocol's converter) + write, per notification sent."""
    from pygls.protocol import JsonRPCProtocol

    JsonRPCProtocol._send_data = timed("serialise + write", JsonRPCProtocol._send_data)  # type: ignore[method-assign]


def main() -> None:
    install()
    _send_data_timed()
    out = os.environ.get("PROMPTWISE_PROBE_OUT")
    folder = os.environ.get("PROMPTWISE_PROBE_PROFILE")
    loop_profile: cProfile.Profile | None = None
    worker_profile: cProfile.Profile | None = None
    if folder:
        from concurrent.futures import ThreadPoolExecutor

        from promptwise.lsp import language_server, transport

        worker_profile = cProfile.Profile()
        profile = worker_profile

        def executor(*args: Any, **kwargs: Any) -> ThreadPoolExecutor:
            return ThreadPoolExecutor(*args, initializer=profile.enable, **kwargs)

        language_server.ThreadPoolExecutor = executor  # type: ignore[misc,assignment]
        original_serve = transport.serve

        async def serve(server: Any, fd: int) -> int:
            code = await original_serve(server, fd)
            # Stop the worker's profiler on the worker thread, before it is dropped.
            await asyncio.get_running_loop().run_in_executor(server.executor, profile.disable)
            return code

        transport.serve = serve
        loop_profile = cProfile.Profile()
        loop_profile.enable()
    from promptwise.lsp.server import start

    try:
        start()
    finally:
        if loop_profile is not None and worker_profile is not None and folder:
            loop_profile.disable()
            Path(folder).mkdir(parents=True, exist_ok=True)
            loop_profile.dump_stats(str(Path(folder) / "loop.prof"))
            worker_profile.dump_stats(str(Path(folder) / "worker.prof"))
        if out:
            Path(out).write_text(json.dumps(RECORDS), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
