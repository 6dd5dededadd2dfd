"""Open prompt files, their analyses, and when to (re)analyse them.

The server keeps its own copy of every open document rather than pygls's:
an edit is one splice of a string at offsets found through the document's
line index, where pygls re-splits the whole text into lines for every
change (milliseconds per keystroke in a megabyte prompt).

Analyses run on one worker thread so that the event loop keeps reading
messages while a large file is analysed. Three rules keep stale work from
piling up while someone types:

- each document has at most one pending *debounced* run; a new edit cancels
  the pending one before it starts;
- a computation that starts after its document moved on to a newer version
  (or was closed) returns :data:`SUPERSEDED` at once instead of analysing;
- results are published only if they belong to the document's current
  version, and never for a closed document.

Requests (hover, lens, code actions, ...) share the same computation: they
await the analysis of the current version, started on demand if the
debounce has not fired yet, and computed once however many ask for it.

Until the token encoding is built (a quarter of a second after launch),
a scheduled run publishes twice: first the findings that need no token
count (a *quick* analysis, marked incomplete and never handed to
requests), then the full analysis. Quick runs are queued before the full
ones, so every file opened at launch shows its first findings before any
of them waits for the encoding.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Final

from promptwise.analysis import Analysis
from promptwise.document.text import Encoding, LineIndex, Position

log = logging.getLogger(__name__)


class OpenDocument:
    """The client's view of one file: URI, version and current text."""

    __slots__ = ("_lines", "language_id", "path", "text", "uri", "version")

    def __init__(self, uri: str, path: str, language_id: str, version: int, text: str) -> None:
        self.uri = uri
        self.path = path
        self.language_id = language_id
        self.version = version
        self.text = text
        self._lines: LineIndex | None = None

    @property
    def lines(self) -> LineIndex:
        if self._lines is None or self._lines.text is not self.text:
            self._lines = LineIndex(self.text)
        return self._lines

    def apply(self, changes: Sequence[Any], version: int, encoding: Encoding) -> None:
        """Apply ``textDocument/didChange`` content changes in order.

        A change with a range is spliced in (its positions clamped into the
        text, as a racing client may send stale ones); one without a range
        replaces the whole text.
        """
        for change in changes:
            rng = getattr(change, "range", None)
            if rng is None:
                self.text = change.text
                self._lines = None
                continue
            lines = self.lines
            start = lines.offset(Position(rng.start.line, rng.start.character), encoding)
            end = lines.offset(Position(rng.end.line, rng.end.character), encoding)
            if end < start:
                start, end = end, start
            self._lines = lines.replaced(start, end, change.text)
            self.text = self._lines.text
        self.version = version


@dataclass(frozen=True)
class Snapshot:
    """What one analysis runs on, captured on the event loop."""

    uri: str
    path: str
    version: int
    text: str
    generation: int


@dataclass(frozen=True)
class DocumentAnalysis:
    """The outcome of analysing one version of one document.

    ``analysis`` is None when the file could not be analysed (a JSON file
    that holds no chat messages, or an internal error described by
    ``error``); handlers then answer with empty results.
    """

    uri: str
    version: int
    generation: int
    analysis: Analysis | None
    error: str | None = None
    extras: dict[str, Any] = field(default_factory=dict, compare=False)
    # False for a quick analysis: token-dependent findings (PW5xx, PW9xx) and the
    # unused-suppression check (PW007) follow with the full one.
    complete: bool = True

    @property
    def key(self) -> tuple[int, int]:
        return (self.version, self.generation)


class _Superseded:
    def __repr__(self) -> str:
        return "SUPERSEDED"


SUPERSEDED: Final = _Superseded()

Outcome = DocumentAnalysis | _Superseded
Compute = Callable[[Snapshot], DocumentAnalysis]
Quick = Callable[[Snapshot], DocumentAnalysis | None]


class PromptWorkspace:
    """Open documents plus the analysis of each one's current version."""

    def __init__(self, compute: Compute, executor: Executor, quick: Quick | None = None) -> None:
        self._compute = compute
        self._quick = quick
        self._executor = executor
        self.documents: dict[str, OpenDocument] = {}
        self.generation = 0  # bumped when settings, config files or logs change
        self._results: dict[str, DocumentAnalysis] = {}
        self._inflight: dict[str, tuple[tuple[int, int], asyncio.Future[Outcome]]] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._lock = threading.Lock()
        self._configured: asyncio.Event | None = None
        self._settings_wait = 0.0
        self._ran_unconfigured = False

    # ------------------------------------------------------------- documents

    def open(self, uri: str, path: str, language_id: str, version: int, text: str) -> OpenDocument:
        self._forget(uri)
        doc = OpenDocument(uri, path, language_id, version, text)
        self.documents[uri] = doc
        return doc

    def get(self, uri: str) -> OpenDocument | None:
        return self.documents.get(uri)

    def close(self, uri: str) -> None:
        """Forget a document and everything computed for it."""
        self.documents.pop(uri, None)
        self._forget(uri)

    def _forget(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._inflight.pop(uri, None)
        self._results.pop(uri, None)

    def stale(self, uri: str) -> None:
        """Analyse this document afresh next time (its inputs on disk may have changed)."""
        self._results.pop(uri, None)

    def invalidate(self) -> None:
        """Settings or inputs changed: every cached analysis is stale."""
        self.generation += 1

    def latest(self, uri: str) -> DocumentAnalysis | None:
        """The newest finished analysis, whatever its version (for cheap lookups)."""
        return self._results.get(uri)

    # -------------------------------------------------------------- analyses

    def _still_current(self, snapshot: Snapshot) -> bool:
        doc = self.documents.get(snapshot.uri)
        return (
            doc is not None
            and doc.version == snapshot.version
            and self.generation == snapshot.generation
        )

    def _run(self, snapshot: Snapshot) -> Outcome:
        if not self._still_current(snapshot):
            return SUPERSEDED
        return self._compute(snapshot)

    def _start(self, doc: OpenDocument, key: tuple[int, int]) -> asyncio.Future[Outcome]:
        loop = asyncio.get_running_loop()
        snapshot = Snapshot(doc.uri, doc.path, doc.version, doc.text, self.generation)
        future = loop.run_in_executor(self._executor, self._run, snapshot)
        self._inflight[doc.uri] = (key, future)

        def store(done: asyncio.Future[Outcome]) -> None:
            if self._inflight.get(doc.uri, (None, None))[1] is done:
                del self._inflight[doc.uri]
            if done.cancelled() or done.exception() is not None:
                return
            outcome = done.result()
            if (
                isinstance(outcome, DocumentAnalysis)
                and doc.uri in self.documents
                and self.documents[doc.uri] is doc
            ):
                current = self._results.get(doc.uri)
                if current is None or current.key <= outcome.key:
                    self._results[doc.uri] = outcome

        future.add_done_callback(store)
        return future

    def hold_until_configured(self, wait: float) -> None:
        """The client's settings are on their way: analyses wait for them, ``wait``
        seconds at most (see :func:`promptwise.lsp.settings.settings_wait`).

        A file opened right after start-up would otherwise be analysed with
        the defaults and show findings the user's settings turn off, only
        for them to vanish a moment later.
        """
        self._configured = asyncio.Event()
        self._settings_wait = wait

    def configured(self) -> bool:
        """The settings are in. True when some analysis stopped waiting for them
        (a client slower than the settings wait) and so ran on the defaults."""
        stale = self._ran_unconfigured
        self._ran_unconfigured = False
        if self._configured is not None:
            self._configured.set()
        return stale

    async def _settings_in(self) -> None:
        gate = self._configured
        if gate is not None and not gate.is_set():
            try:
                await asyncio.wait_for(gate.wait(), self._settings_wait)
            except asyncio.TimeoutError:  # a silent client: go on with the defaults
                self._ran_unconfigured = True

    def _run_quick(self, snapshot: Snapshot) -> DocumentAnalysis | None:
        if self._quick is None or not self._still_current(snapshot):
            return None
        return self._quick(snapshot)

    async def quick_analysis(self, uri: str) -> DocumentAnalysis | None:
        """The findings that need no token count, when the full analysis of the
        current version is not done and would have to build an encoding first;
        None otherwise."""
        await self._settings_in()
        doc = self.documents.get(uri)
        if doc is None or self._quick is None:
            return None
        cached = self._results.get(uri)
        if cached is not None and cached.key == (doc.version, self.generation):
            return None
        snapshot = Snapshot(doc.uri, doc.path, doc.version, doc.text, self.generation)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._run_quick, snapshot)

    async def analysis(self, uri: str) -> DocumentAnalysis | None:
        """The analysis of the document's current version (None once closed)."""
        await self._settings_in()
        for _ in range(1000):
            doc = self.documents.get(uri)
            if doc is None:
                return None
            key = (doc.version, self.generation)
            cached = self._results.get(uri)
            if cached is not None and cached.key == key:
                return cached
            inflight = self._inflight.get(uri)
            future = (
                inflight[1]
                if inflight is not None and inflight[0] == key
                else self._start(doc, key)
            )
            outcome = await asyncio.shield(future)
            if isinstance(outcome, DocumentAnalysis):
                return outcome
            # Superseded before it started: go again for the newer version.
        raise RuntimeError(f"{uri} kept changing; gave up analysing it")

    async def current_analysis(self, uri: str) -> Analysis | None:
        """The core analysis of the current version, or None when the document is
        closed or could not be analysed (what every view handler starts from)."""
        result = await self.analysis(uri)
        return None if result is None else result.analysis

    async def settled(self, uri: str) -> DocumentAnalysis | None:
        """The analysis once the document has been quiet for its debounce delay."""
        for _ in range(1000):
            task = self._pending.get(uri)
            if task is None or task.done():
                break
            await asyncio.wait({task})  # cancelled by a newer edit: wait for that one
        return await self.analysis(uri)

    # -------------------------------------------------------------- debounce

    def schedule(
        self,
        uri: str,
        delay: float,
        publish: Callable[[OpenDocument, DocumentAnalysis], None] | None,
    ) -> None:
        """Analyse ``uri`` after ``delay`` seconds of quiet, then ``publish``.

        A newer call for the same document cancels this one, whether it is
        still waiting or awaiting its analysis.
        """
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        task = asyncio.ensure_future(self._debounced(uri, delay, publish))
        self._pending[uri] = task

    def pending(self, uri: str) -> bool:
        task = self._pending.get(uri)
        return task is not None and not task.done()

    async def _debounced(
        self,
        uri: str,
        delay: float,
        publish: Callable[[OpenDocument, DocumentAnalysis], None] | None,
    ) -> None:
        me = asyncio.current_task()
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            if publish is not None:
                early = await self.quick_analysis(uri)
                doc = self.documents.get(uri)
                if early is not None and doc is not None and early.version == doc.version:
                    publish(doc, early)
            result = await self.analysis(uri)
            doc = self.documents.get(uri)
            if result is None or doc is None or result.version != doc.version:
                return  # closed or edited meanwhile: the newer run publishes
            if publish is not None:
                publish(doc, result)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("analysing %s failed", uri)
        finally:
            if self._pending.get(uri) is me:
                del self._pending[uri]
