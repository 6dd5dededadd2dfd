"""Where the failure logs are, what they say, and which prompt file each result is about.

The store expands ``escalation.logs`` (globs, relative to the folder of the
config file that set them) and adds promptfoo's database when
``escalation.promptfoo_db`` names one, or finds it at its default place
when that setting is ``auto`` (``$PROMPTFOO_CONFIG_DIR/promptfoo.db``, else
``~/.promptfoo/promptfoo.db``). Each file is read once and folded into
per-prompt logs; the result is cached by the file's modification time and
size, so the language server can ask on every keystroke and a changed log
is re-read on the next request.

A result is matched to a prompt file by any of:

1. path: the log's prompt path (absolute, or relative to the config folder
   or to the log's folder) is the file;
2. text: a logged version's template text equals the file's text;
3. path suffix: a logged path that does not exist on this machine (an eval
   run in CI or another checkout) ends with the file's last two path parts,
   or a relative logged path is a suffix of the file's path — unless a file
   here matches a longer part of the logged path (in a monorepo,
   ``/ci/repo/packages/b/prompts/a.txt`` is ``packages/b``'s file, not
   ``packages/a``'s).

Everything any rule matches is combined (one native record found by path
must not hide 35 promptfoo iterations found by text), and the report says
which rules matched.
"""

from __future__ import annotations

import glob
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptwise.config import AUTO, Settings, resolve_path
from promptwise.escalation.categories import prompt_shape
from promptwise.escalation.dataset import count_examples
from promptwise.escalation.evidence import FailureLogs, current_version
from promptwise.escalation.history import PromptLog, analyse, fold
from promptwise.escalation.native import looks_native, read_native
from promptwise.escalation.promptfoo import (
    looks_promptfoo_line,
    read_promptfoo_json,
    read_promptfoo_jsonl,
)
from promptwise.escalation.promptfoo_db import is_sqlite, read_promptfoo_db
from promptwise.escalation.records import (
    EvalRecord,
    LogLocation,
    LogWarning,
    Warnings,
    is_absolute,
    normalise_path,
    open_log,
    template_hash,
    without_bom,
)

if TYPE_CHECKING:
    from promptwise.document.model import PromptDocument

NATIVE = "native"
PROMPTFOO_JSON = "promptfoo-json"
PROMPTFOO_DB = "promptfoo-db"
PROMPTFOO_JSONL = "promptfoo-jsonl"  # `promptfoo eval -o results.jsonl`: one result a line
log = logging.getLogger(__name__)
RESCAN_SECONDS = 2.0
LOG_SUFFIXES = (
    ".json",
    ".jsonl",
    ".ndjson",
    ".db",
    ".json.gz",
    ".jsonl.gz",
    ".ndjson.gz",
)  # how long a glob expansion is trusted before the folders are listed again


def watched_files(settings: Settings) -> list[tuple[str, str]]:
    """``(base folder, glob)`` for every file whose change can change the advice.

    The logs, promptfoo's database and its write-ahead log (where new evals
    land first), and the dataset. Relative globs keep their base (the config
    folder) so an editor can watch them relative to it; absolute ones have
    an empty base.
    """
    esc = settings.escalation
    names = list(esc.logs)
    if esc.promptfoo_db:
        db = (
            str(default_promptfoo_db())
            if esc.promptfoo_db.strip().lower() == AUTO
            else esc.promptfoo_db
        )
        names += [db, db + "-wal"]
    if esc.dataset:
        names.append(esc.dataset)
    out: list[tuple[str, str]] = []
    for name in names:
        expanded = os.path.expanduser(name)
        if os.path.isabs(expanded):
            out.append(("", Path(expanded).as_posix()))
        else:
            out.append((settings.root or "", expanded.replace("\\", "/").removeprefix("./")))
    return out


def default_promptfoo_db() -> Path:
    """Where promptfoo keeps its database on this machine."""
    configured = os.environ.get("PROMPTFOO_CONFIG_DIR")
    folder = Path(configured).expanduser() if configured else Path.home() / ".promptfoo"
    return folder / "promptfoo.db"


def detect_kind(path: Path) -> str | None:
    """Which reader a log needs, from its first bytes (the name only breaks ties).

    A gzip file is looked into; a UTF-8 byte-order mark is ignored.
    """
    if is_sqlite(path):
        return PROMPTFOO_DB
    try:
        with open_log(path) as handle:
            head = without_bom(handle.readline(1 << 20))
    except (OSError, EOFError):
        return None
    name = path.name.lower().removesuffix(".gz")
    lines = name.endswith((".jsonl", ".ndjson"))
    if not head.strip():
        return NATIVE if lines else None
    if looks_promptfoo_line(head.strip()):
        return PROMPTFOO_JSONL
    if lines or looks_native(head.strip()):
        return NATIVE
    if head.lstrip().startswith(b"{"):
        return PROMPTFOO_JSON
    return None


def read_log(path: Path, kind: str, warnings: Warnings, display: str) -> Iterator[EvalRecord]:
    """Records of one log; any failure becomes a warning, never an exception."""
    try:
        if kind == NATIVE:
            yield from read_native(path, warnings, display=display)
        elif kind == PROMPTFOO_JSON:
            yield from read_promptfoo_json(path, warnings, display=display)
        elif kind == PROMPTFOO_JSONL:
            yield from read_promptfoo_jsonl(path, warnings, display=display)
        elif kind == PROMPTFOO_DB:
            yield from read_promptfoo_db(path, warnings, display=display)
    except PermissionError:
        warnings.add(LogLocation(display), "permission denied; skipped", "read")
    except OSError as exc:
        warnings.add(LogLocation(display), f"cannot read ({exc.strerror or exc}); skipped", "read")
    except MemoryError:
        warnings.add(LogLocation(display), "too large to read; skipped", "read")
    except Exception as exc:  # a reader bug must not take the editor or CI down
        warnings.add(
            LogLocation(display),
            f"could not be read ({type(exc).__name__}: {exc}); skipped — please report it",
            "bug",
        )


@dataclass(frozen=True)
class _Digest:
    """One log file, read: per-prompt logs and the warnings reading it produced."""

    stamp: tuple[int, int]
    kind: str
    logs: dict[tuple[str, ...], PromptLog]
    warnings: tuple[LogWarning, ...]


@dataclass(frozen=True)
class Match:
    """The logs about one prompt file, and how they were tied to it."""

    log: PromptLog
    how: str  # "path" | "text" | "path suffix"


class EscalationStore:
    """Failure logs for one settings scope, read lazily and cached by file stamps.

    Thread-safe: the language server asks from its analysis thread while a
    command may ask from another.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._digests: dict[str, _Digest] = {}
        self._files: list[tuple[Path, str | None]] = []
        self._scan_warnings: tuple[LogWarning, ...] = ()
        self._scanned_at: float | None = None
        self._merged: (
            tuple[tuple[Any, ...], dict[tuple[str, ...], PromptLog], tuple[LogWarning, ...]] | None
        ) = None
        self._dataset: tuple[tuple[int, int], int | None, tuple[LogWarning, ...]] | None = None
        self._found: OrderedDict[tuple[Any, ...], FailureLogs | None] = OrderedDict()
        # Reading off the editor's analysis path (:meth:`logs_for_soon`).
        self._soon = threading.Lock()
        self._requests: dict[str, tuple[PromptDocument, Callable[[], None]]] = {}
        self._published: OrderedDict[tuple[str, str], FailureLogs | None] = OrderedDict()
        self._latest_for: dict[str, FailureLogs | None] = {}
        self._working = False

    # ------------------------------------------------------------ locations

    @property
    def configured(self) -> bool:
        esc = self.settings.escalation
        return bool(esc.logs) or bool(esc.promptfoo_db)

    def _db_path(self) -> tuple[Path | None, bool]:
        """The promptfoo database to read, and whether the user named it explicitly."""
        value = self.settings.escalation.promptfoo_db
        if not value:
            return None, False
        if value.strip().lower() == AUTO:
            return default_promptfoo_db(), False
        return resolve_path(self.settings, value), True

    def _patterns(self) -> list[str]:
        return [str(resolve_path(self.settings, p)) for p in self.settings.escalation.logs]

    def invalidate(self) -> None:
        """Forget everything read; the next request lists and stats the logs again."""
        with self._lock:
            self._digests.clear()
            self._files = []
            self._scanned_at = None
            self._merged = None
            self._dataset = None
            self._found.clear()

    def files(self) -> list[Path]:
        with self._lock:
            self._scan()
            return [path for path, _ in self._files]

    @property
    def scan_warnings(self) -> tuple[LogWarning, ...]:
        """What finding the logs said: entries that match nothing, a missing database."""
        with self._lock:
            self._scan()
            return self._scan_warnings

    def _scan(self) -> None:
        now = time.monotonic()
        if self._scanned_at is not None and now - self._scanned_at < RESCAN_SECONDS:
            return
        self._scanned_at = now
        warnings = Warnings()
        found: dict[str, tuple[Path, str | None]] = {}
        for pattern in self._patterns():
            if os.path.isdir(pattern):  # a folder: the logs directly inside it
                matches = sorted(
                    os.path.join(pattern, name)
                    for name in os.listdir(pattern)
                    if name.lower().endswith(LOG_SUFFIXES)
                )
                if not matches:
                    warnings.add(
                        LogLocation(self._display(Path(pattern))),
                        "`escalation.logs` names a folder with no log in it (.json, .jsonl, "
                        ".ndjson, .db, or one of them gzipped)",
                        "nomatch",
                    )
                    continue
            else:
                matches = (
                    sorted(glob.glob(pattern, recursive=True))
                    if glob.has_magic(pattern)
                    else ([pattern] if os.path.exists(pattern) else [])
                )
            files = [m for m in matches if os.path.isfile(m)]
            if not files:
                warnings.add(
                    LogLocation(self._display(Path(pattern))),
                    "`escalation.logs` entry matches no file",
                    "nomatch",
                )
            for name in files:
                found.setdefault(os.path.realpath(name), (Path(name), None))
        db, explicit = self._db_path()
        if db is not None:
            if db.is_file():
                found.setdefault(os.path.realpath(db), (db, PROMPTFOO_DB))
            elif explicit:
                warnings.add(
                    LogLocation(self._display(db)),
                    "`escalation.promptfoo_db` names a file that does not exist",
                    "nodb",
                )
        self._files = list(found.values())
        self._scan_warnings = warnings.items()

    def _display(self, path: Path) -> str:
        """A log's name in messages: relative to the config folder (else the working
        folder) when it lies inside it, so related-information links resolve."""
        base = self.settings.root or os.getcwd()
        absolute = os.path.abspath(path)
        try:
            inside = os.path.commonpath([absolute, os.path.abspath(base)]) == os.path.abspath(base)
        except ValueError:  # another drive on Windows
            inside = False
        return Path(os.path.relpath(absolute, base)).as_posix() if inside else str(path)

    # -------------------------------------------------------------- reading

    def _digest(self, path: Path, kind_hint: str | None) -> _Digest | None:
        try:
            info = path.stat()
        except OSError:
            return None
        stamp = (info.st_mtime_ns, info.st_size)
        if kind_hint == PROMPTFOO_DB:
            wal = Path(str(path) + "-wal")
            if wal.exists():  # new evals land in the WAL file before the database file
                wal_info = wal.stat()
                stamp = (max(stamp[0], wal_info.st_mtime_ns), stamp[1] + wal_info.st_size)
        key = str(path)
        found = self._digests.get(key)
        if found is not None and found.stamp == stamp:
            return found
        warnings = Warnings()
        display = self._display(path)
        kind = kind_hint or detect_kind(path)
        if kind is None:
            warnings.add(
                LogLocation(display),
                "not a failure log this tool reads (native JSON Lines, promptfoo's "
                "`-o results.json` or `-o results.jsonl`, either gzipped, or promptfoo's "
                "database); skipped — export the eval with `promptfoo eval -o results.json`",
                "kind",
            )
            digest = _Digest(stamp, "unknown", {}, warnings.items())
        else:
            logs = fold(read_log(path, kind, warnings, display))
            digest = _Digest(stamp, kind, logs, warnings.items())
        self._digests[key] = digest
        return digest

    def _load(self) -> tuple[dict[tuple[str, ...], PromptLog], tuple[LogWarning, ...]]:
        self._scan()
        digests: list[tuple[int, _Digest]] = []
        for index, (path, kind) in enumerate(self._files):
            digest = self._digest(path, kind)
            if digest is not None:
                digests.append((index, digest))
        stamps = (*((i, d.stamp) for i, d in digests), self._scan_warnings)
        if self._merged is not None and self._merged[0] == stamps:
            return self._merged[1], self._merged[2]
        merged: dict[tuple[str, ...], PromptLog] = {}
        warnings = Warnings()
        warnings.extend(self._scan_warnings)
        owners: dict[tuple[str, ...], int] = {}
        for _, digest in digests:
            for key in digest.logs:
                owners[key] = owners.get(key, 0) + 1
        for index, digest in digests:
            warnings.extend(digest.warnings)
            for key, log in digest.logs.items():
                if owners[key] == 1:  # one log says it all: share it, never copy it
                    log.position = index
                    merged[key] = log
                    continue
                target = merged.get(key)
                if target is None:
                    target = merged[key] = PromptLog(log.ref)
                target.merge(log, index)
        self._merged = (stamps, merged, warnings.items())
        self._found.clear()
        return merged, warnings.items()

    @property
    def warnings(self) -> tuple[LogWarning, ...]:
        with self._lock:
            return self._load()[1]

    def dataset_examples(self) -> tuple[int | None, tuple[LogWarning, ...]]:
        name = self.settings.escalation.dataset
        if not name:
            return None, ()
        path = resolve_path(self.settings, name)
        try:
            info = path.stat()
            stamp = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = (0, -1)
        if self._dataset is not None and self._dataset[0] == stamp:
            return self._dataset[1], self._dataset[2]
        warnings = Warnings()
        count = count_examples(path, warnings, self._display(path))
        self._dataset = (stamp, count, warnings.items())
        return count, warnings.items()

    # -------------------------------------------------------------- matching

    def _candidates(self, log: PromptLog) -> list[str]:
        ref = log.ref
        if ref.path is None:
            return []
        raw = os.path.expanduser(ref.path)
        if is_absolute(raw):
            return [normalise_path(raw)]
        bases = [b for b in (self.settings.root, ref.base) if b]
        return [normalise_path(os.path.join(os.path.abspath(b), raw)) for b in bases]

    @staticmethod
    def _suffix_match(log: PromptLog, target: str) -> bool:
        ref = log.ref
        if ref.path is None:
            return False
        logged = normalise_path(os.path.expanduser(ref.path))
        parts = [p for p in logged.split("/") if p and p != ".."]
        wanted = target.split("/")
        if is_absolute(logged):
            if os.path.exists(logged) or len(parts) < 2:
                return False  # the file exists here, so it is another file
            full = parts
            parts = parts[-2:]
        else:
            base = normalise_path(ref.base or "")
            full = [p for p in base.split("/") if p] + parts
        if not (len(parts) <= len(wanted) and wanted[-len(parts) :] == parts):
            return False
        return not _belongs_elsewhere(full, wanted)

    def match(self, path: str, text: str | None = None, body: str | None = None) -> Match | None:
        """The logs about the prompt file at ``path`` (whose current text may be given)."""
        with self._lock:
            logs, _ = self._load()
            target = normalise_path(os.path.abspath(os.path.expanduser(path)))
            real = normalise_path(os.path.realpath(os.path.expanduser(path)))
            hashes = {template_hash(t) for t in (text, body) if t and t.strip()}
            found: dict[int, PromptLog] = {}
            hows: list[str] = []
            for how in ("path", "text", "path suffix"):
                matched = [
                    log for log in logs.values() if self._matches(log, how, target, real, hashes)
                ]
                if any(id(log) not in found for log in matched):
                    hows.append(how)
                for log in matched:
                    found.setdefault(id(log), log)
            if not found:
                return None
            return Match(_combine(list(found.values())), " and ".join(hows))

    def _matches(self, log: PromptLog, how: str, target: str, real: str, hashes: set[str]) -> bool:
        if how == "path":
            return any(c in (target, real) for c in self._candidates(log))
        if how == "text":
            return bool(hashes & log.text_hashes)
        return self._suffix_match(log, target)

    # -------------------------------------------------------------- per file

    def logs_for(
        self, path: str, text: str | None = None, document: PromptDocument | None = None
    ) -> FailureLogs | None:
        """What the logs say about the prompt file at ``path``; None when no log mentions it.

        ``document`` (or ``text``) is the file as the editor has it; without
        either the file is read from disk. The answer depends on the logs and
        the file's text only, so it is cached by both: typing in a file
        re-matches it, an unchanged file costs a dictionary lookup.
        """
        from promptwise.document.parse import parse_document

        if document is None:
            if text is None:
                try:
                    text = Path(path).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    text = None
            document = parse_document(text or "", path)
        body = document.text[document.body_span.start :]
        with self._lock:
            logs, warnings = self._load()
            count, dataset_warnings = self.dataset_examples()
            key = (path, template_hash(document.text), id(logs), count, dataset_warnings)
            if key in self._found:
                self._found.move_to_end(key)
                return self._found[key]
            match = self.match(path, document.text, body)
            found = None
            if match is not None:
                history = analyse(match.log, prompt_shape(document))
                found = FailureLogs(
                    history=history,
                    matched_by=match.how,
                    warnings=(*warnings, *dataset_warnings),
                    dataset_examples=count,
                    current_version=current_version(document, history),
                )
            self._found[key] = found
            while len(self._found) > 64:
                self._found.popitem(last=False)
            return found

    def logs_for_soon(
        self, path: str, document: PromptDocument, ready: Callable[[], None]
    ) -> FailureLogs | None:
        """What is known now about ``path``, never waiting for a log to be read.

        The editor's analysis must publish structural and rule findings at
        once, however large the logs. This returns the last answer worked
        out for the file (for this text, else for its previous text, else
        None) and asks a background worker to work it out again; when the
        worker's answer differs from what was returned, ``ready`` is called
        so the file is analysed again with it.
        """
        key = (path, template_hash(document.text))
        with self._soon:
            known = self._published.get(key, _UNKNOWN)
            if known is _UNKNOWN:
                known = self._latest_for.get(path)
            self._requests[path] = (document, ready)
            start = not self._working
            self._working = True
        if start:
            threading.Thread(target=self._work, name="promptwise-logs", daemon=True).start()
        return known if isinstance(known, FailureLogs) else None

    def _work(self) -> None:
        while True:
            with self._soon:
                if not self._requests:
                    self._working = False
                    return
                path, (document, ready) = self._requests.popitem()
            try:
                found = self.logs_for(path, document=document)
            except Exception:  # the editor keeps its findings; the log says why
                log.exception("reading failure logs for %s failed", path)
                found = None
            key = (path, template_hash(document.text))
            with self._soon:
                before = self._published.get(key, _UNKNOWN)
                shown = self._latest_for.get(path, _UNKNOWN) if before is _UNKNOWN else before
                self._published[key] = found
                self._latest_for[path] = found
                while len(self._published) > 64:
                    self._published.popitem(last=False)
            if found is not shown:
                ready()


def _belongs_elsewhere(logged: list[str], target: list[str]) -> bool:
    """Does a file here match more of the logged path than ``target`` does?

    The logged path and the target share their last parts; swap in one more
    part of the logged path at a time, above the shared ones, and look for
    that file next to the target (``packages/b/prompts/a.txt`` beside
    ``packages/a/prompts/a.txt``). A handful of ``stat`` calls, no listing.
    """
    shared = 0
    while shared < min(len(logged), len(target)) and logged[-1 - shared] == target[-1 - shared]:
        shared += 1
    for extra in range(shared + 1, min(len(logged), len(target)) + 1):
        prefix = target[: len(target) - extra]
        candidate = "/".join([*prefix, *logged[len(logged) - extra :]])
        if not candidate.startswith("/") and target and target[0] == "":
            candidate = "/" + candidate
        if os.path.isfile(candidate):
            return True
    return False


_UNKNOWN = object()


def _combine(logs: list[PromptLog]) -> PromptLog:
    if len(logs) == 1:
        return logs[0]
    combined = PromptLog(logs[0].ref)
    for log in logs:
        combined.merge(log, log.position)  # a shared log's orders are its own file's
    return combined


# ------------------------------------------------------------- shared stores

_stores: OrderedDict[tuple[Any, ...], EscalationStore] = OrderedDict()
_stores_lock = threading.Lock()


def store_for(settings: Settings) -> EscalationStore:
    """One store per settings scope (config folder and escalation settings), reused."""
    key = (settings.root, settings.escalation)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = EscalationStore(settings)
            while len(_stores) > 16:
                _stores.popitem(last=False)
        else:
            _stores.move_to_end(key)
        return store


def logs_for(document: PromptDocument, settings: Settings) -> FailureLogs | None:
    """What the configured logs say about a document; None when none is configured or
    none mentions it.

    This is what the CLI's ``check`` and the language server hand to
    :func:`promptwise.analysis.analyze` as ``logs``.
    """
    esc = settings.escalation
    if not esc.logs and not esc.promptfoo_db:
        return None
    return store_for(settings).logs_for(document.path, document=document)


def logs_for_soon(
    document: PromptDocument, settings: Settings, ready: Callable[[], None]
) -> FailureLogs | None:
    """:func:`logs_for` for the editor: never waits for a log (see
    :meth:`EscalationStore.logs_for_soon`)."""
    esc = settings.escalation
    if not esc.logs and not esc.promptfoo_db:
        return None
    return store_for(settings).logs_for_soon(document.path, document, ready)


def invalidate_all() -> None:
    """Forget every store's cached logs (a watched log changed and stamps may lag)."""
    with _stores_lock:
        for store in _stores.values():
            store.invalidate()
