"""The common shape every failure-log reader produces, and its warnings.

Readers for the native JSON Lines format, promptfoo's results JSON and
promptfoo's SQLite database all turn what they read into :class:`EvalRecord`
values, so the iteration analysis never knows where a result came from. A
record keeps only what the advice needs (status, category evidence, the
case's input and expected output for a quick fix) and caps long text, so a
large log costs memory in proportion to its distinct cases, not its bytes.

Nothing from a log is ever executed or rendered as markup by this package:
log text is data, and renderers escape it.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

# Long strings from logs are cut to this many characters: enough to show a
# case and to insert it as an example, small enough that a 1 GB log of long
# outputs does not become 1 GB of memory.
MAX_TEXT = 4000
# A JSON log (promptfoo results, a dataset) is one document parsed whole; above
# this size a reader warns and skips it (promptfoo's database is read row by row).
MAX_JSON_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True, order=True)
class LogLocation:
    """A place in a log: a file and a 1-based line (JSONL/JSON) or row (database)."""

    path: str
    line: int | None = None
    table: str | None = None  # the database table a row number refers to

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        if self.table:  # a database row, or the n-th result of a JSON document
            return f"{self.path}: {self.table} #{self.line}"
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class LogWarning:
    """Records skipped for one reason in one file, counted, with the first place it happened."""

    location: LogLocation
    message: str
    count: int = 1

    def __str__(self) -> str:
        more = f" ({self.count - 1:,} more like it)" if self.count > 1 else ""
        return f"{self.location}: {self.message}{more}"


class Warnings:
    """Collects warnings, folding repeats of one kind in one file into a count.

    A corrupt log can have a million bad lines; the user needs the first one
    and the number, not a million messages.
    """

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], LogWarning] = {}

    def add(self, location: LogLocation, message: str, kind: str | None = None) -> None:
        key = (location.path, kind or message)
        found = self._items.get(key)
        if found is None:
            self._items[key] = LogWarning(location, message)
        else:
            self._items[key] = LogWarning(found.location, found.message, found.count + 1)

    def extend(self, warnings: Iterable[LogWarning]) -> None:
        for warning in warnings:
            key = (warning.location.path, warning.message)
            found = self._items.get(key)
            count = warning.count + (found.count if found else 0)
            self._items[key] = LogWarning((found or warning).location, warning.message, count)

    def items(self) -> tuple[LogWarning, ...]:
        return tuple(self._items.values())

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class PromptRef:
    """How a log names the prompt a result belongs to.

    ``path`` is the prompt file as the log wrote it (absolute, or relative to
    ``base``, the folder of the log that wrote it); ``label`` is a name the
    eval tool gave the prompt. A ref with neither is an inline prompt known
    only by its text.
    """

    path: str | None = None
    base: str | None = None
    label: str | None = None

    @property
    def key(self) -> tuple[str, ...]:
        """Identity across log files: a relative path only means something with its base."""
        return _ref_key(self.path, self.base, self.label)

    def describe(self) -> str:
        return self.path or (f"prompt labelled {self.label!r}" if self.label else "inline prompt")


@lru_cache(maxsize=1024)
def _ref_key(path: str | None, base: str | None, label: str | None) -> tuple[str, ...]:
    # Cached: a log names the same few prompts on millions of lines.
    if path is not None:
        if is_absolute(path):
            return ("path", normalise_path(path))
        return ("path", normalise_path(base or ""), normalise_path(path))
    if label is not None:
        return ("label", label)
    return ("inline",)


@dataclass(frozen=True)
class Assertion:
    """One check an eval ran on an output: its type, expected value and result."""

    type: str
    value: str | None = None
    passed: bool | None = None


@dataclass(frozen=True)
class EvalRecord:
    """One eval result: a case run against one version of one prompt."""

    prompt: PromptRef
    version: str  # the version key: a hash of the template text, or the log's version id
    case: str  # the case key: a test description, an id, or a hash of the inputs
    passed: bool
    location: LogLocation
    title: str = ""  # how to show the case
    template: str | None = None  # the prompt text of this version, when the log has it
    version_label: str | None = None  # the log's own name for the version (native logs)
    category: str | None = None  # as the log states it
    assertions: tuple[Assertion, ...] = ()
    reason: str | None = None
    input: str | None = None  # the case's input as one text
    variables: tuple[tuple[str, str], ...] = ()  # the case's template variables
    expected: str | None = None
    output: str | None = None
    timestamp: float | None = None  # seconds since the epoch
    run: str | None = None  # the eval run (promptfoo evalId) for de-duplication
    description: str | None = None  # the test's own description, for category tags
    seq: int = 0  # position in its log, for stable ordering without timestamps

    @property
    def display(self) -> str:
        return self.title or self.case


# ------------------------------------------------------------------ helpers

GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"


def open_log(path: Path) -> BinaryIO:
    """A log opened for reading bytes; a gzip file (``.json.gz``) is decompressed as read."""
    with path.open("rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    if compressed:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def without_bom(data: bytes) -> bytes:
    """The bytes without a UTF-8 byte-order mark (editors on Windows write one)."""
    return data[len(BOM) :] if data.startswith(BOM) else data


def json_lines(
    path: Path, name: str, warnings: Warnings, max_line: int
) -> Iterator[tuple[LogLocation, int, dict[str, Any]]]:
    """The JSON objects of a JSON-lines log, one a line, streamed.

    A line that cannot be one (too long, not UTF-8, not JSON, nested too
    deeply, not an object) is a warning naming the line, and reading goes on:
    one bad line must not cost the rest of a team's history. An over-long line
    is drained without being kept, so memory stays bounded by ``max_line``.
    """
    with open_log(path) as handle:
        line_no = 0
        while True:
            raw = handle.readline(max_line + 1)
            if not raw:
                break
            line_no += 1
            where = LogLocation(name, line_no)
            if len(raw) > max_line and not raw.endswith(b"\n"):
                while True:
                    rest = handle.readline(1 << 20)
                    if not rest or rest.endswith(b"\n"):
                        break
                warnings.add(where, f"line longer than {max_line:,} bytes skipped", "long")
                continue
            stripped = (without_bom(raw) if line_no == 1 else raw).strip()
            if not stripped:
                continue
            try:
                data = json.loads(stripped.decode("utf-8"))
            except UnicodeDecodeError:
                warnings.add(where, "line is not UTF-8 text; skipped", "utf8")
                continue
            except json.JSONDecodeError as exc:
                warnings.add(where, f"line is not valid JSON ({exc.msg}); skipped", "json")
                continue
            except ValueError:  # an integer with more digits than Python converts
                warnings.add(where, "line holds a number too long to read; skipped", "number")
                continue
            except RecursionError:
                warnings.add(where, "line is JSON nested too deeply to read; skipped", "deep")
                continue
            if not isinstance(data, dict):
                kind = type(data).__name__
                warnings.add(where, f"line is a JSON {kind}, not an object; skipped", "object")
                continue
            yield where, line_no, data


def normalise_template(text: str) -> str:
    """The form of a prompt's text that versions are hashed and matched by.

    Line endings and trailing whitespace on lines and at the end of the file
    do not change what the model sees in any way that matters, and tools
    disagree on them (promptfoo drops the file's final newline).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def template_hash(text: str) -> str:
    """A version key from the template text: never from a tool's prompt id."""
    return hashlib.sha256(normalise_template(text).encode("utf-8")).hexdigest()[:12]


def vars_hash(variables: Any) -> str:
    """A case key for a test with no description: its inputs, canonically."""
    try:
        data = json.dumps(variables, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        data = str(id(variables))
    return "vars:" + hashlib.sha256(data.encode("utf-8")).hexdigest()[:10]


def clip(value: Any, limit: int = MAX_TEXT) -> str | None:
    """Text from a log, as a string, cut to ``limit`` characters (None stays None)."""
    if value is None:
        return None
    text: str
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):
            text = "(a value nested too deeply to show)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_variables(variables: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(variables, dict):
        return ()
    out: list[tuple[str, str]] = []
    for name, value in list(variables.items())[:32]:
        shown = clip(value, 2000)
        out.append((str(name)[:100], "" if shown is None else shown))
    return tuple(out)


def input_of(variables: tuple[tuple[str, str], ...]) -> str | None:
    """One text for a case's input: the value of a single variable, else ``name: value`` lines."""
    if not variables:
        return None
    if len(variables) == 1:
        return variables[0][1]
    return "\n".join(f"{name}: {value}" for name, value in variables)


_TZ = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


_LAST_SECOND = 253_402_300_800  # 10000-01-01T00:00:00Z


def parse_timestamp(value: Any) -> float | None:
    """Seconds since the epoch from ISO 8601 text or a number (seconds or milliseconds)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an integer past the float range
            return None
        if not math.isfinite(number) or number < 0:
            return None
        seconds = number / 1000.0 if number > 1e11 else number  # milliseconds
        # Past the year 9999 no date can be printed: no timestamp, as for text.
        return seconds if seconds < _LAST_SECOND else None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            return parse_timestamp(float(text))
        iso = text.replace(" ", "T", 1)
        if iso.endswith("Z"):
            iso = iso[:-1] + "+00:00"
        try:
            moment = datetime.datetime.fromisoformat(iso)
        except ValueError:
            return None
        if moment.tzinfo is None and not _TZ.search(text):
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        return moment.timestamp()
    return None


def format_timestamp(value: float | None) -> str:
    if value is None:
        return ""
    moment = datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def is_absolute(path: str) -> bool:
    return (
        path.startswith("/") or bool(re.match(r"^[A-Za-z]:[\\/]", path)) or path.startswith("\\\\")
    )


def normalise_path(path: str) -> str:
    """Forward slashes, no ``./`` or duplicate separators: the form paths are compared in."""
    text = path.replace("\\", "/")
    parts: list[str] = []
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
            continue
        parts.append(part)
    prefix = "/" if text.startswith("/") else ""
    return prefix + "/".join(parts)
