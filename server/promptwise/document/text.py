"""Source positions: offsets into the text and their line/column form.

The core works in string offsets (Python code-point indices) because every
scanner produces them for free. Line/column positions are derived on demand
through a :class:`LineIndex`, and columns can be expressed in UTF-8, UTF-16 or
UTF-32 units so that each adapter (LSP, SARIF, text output) gets the unit its
consumer expects without the core knowing about any of them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]


@dataclass(frozen=True, order=True)
class Span:
    """A half-open range ``[start, end)`` of code-point offsets into a text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span {self.start}..{self.end}")

    def __len__(self) -> int:
        return self.end - self.start

    def contains(self, offset: int) -> bool:
        return self.start <= offset < self.end or (self.start == self.end == offset)

    def covers(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def shift(self, delta: int) -> Span:
        return Span(self.start + delta, self.end + delta)


@dataclass(frozen=True, order=True)
class Position:
    """A zero-based line and column; the column unit is the caller's choice."""

    line: int
    character: int


@dataclass(frozen=True)
class Range:
    start: Position
    end: Position


def _units(text: str, encoding: Encoding) -> int:
    if encoding == "utf-32":
        return len(text)
    if text.isascii():
        return len(text)
    if encoding == "utf-16":
        # Two units for each character beyond the BMP, one for the rest (lone
        # surrogates included): what the encoded length says, at C speed.
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text.encode("utf-8", "surrogatepass"))


class LineIndex:
    """Maps offsets to positions and back for one immutable text.

    Lines end at ``\\n``; a ``\\r`` before it belongs to the line ending, which
    is what editors and LSP clients assume.
    """

    __slots__ = ("_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._starts = starts

    def replaced(self, start: int, end: int, new: str) -> LineIndex:
        """The index of this text with ``text[start:end]`` replaced by ``new``.

        An editor applies every keystroke this way; indexing the whole new
        text again is a ``find`` per line (milliseconds per keystroke in a
        megabyte prompt). Here the line starts before the edit are kept, the
        ones it removed dropped, the new text's own added, and the ones after
        it shifted: one list copy, no scan of the text.
        """
        start = max(0, min(start, len(self.text)))
        end = max(start, min(end, len(self.text)))
        starts = self._starts
        index = LineIndex.__new__(LineIndex)
        index.text = self.text[:start] + new + self.text[end:]
        # A line start s follows the newline at s - 1: kept when that newline is
        # before the edit, dropped when the edit removed it, shifted after it.
        kept = starts[: bisect.bisect_right(starts, start)]
        added = []
        i = new.find("\n")
        while i != -1:
            added.append(start + i + 1)
            i = new.find("\n", i + 1)
        tail = starts[bisect.bisect_right(starts, end) :]
        delta = len(new) - (end - start)
        kept.extend(added)
        kept.extend(map(delta.__add__, tail) if delta else tail)
        index._starts = kept
        return index

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_start(self, line: int) -> int:
        return self._starts[max(0, min(line, len(self._starts) - 1))]

    def line_end(self, line: int, *, keep_newline: bool = False) -> int:
        """Offset just past the line's content (before ``\\r\\n`` unless kept)."""
        if line + 1 < len(self._starts):
            end = self._starts[line + 1]
            if keep_newline:
                return end
            end -= 1
            if end > self._starts[line] and self.text[end - 1] == "\r":
                end -= 1
            return end
        return len(self.text)

    def line_text(self, line: int) -> str:
        return self.text[self.line_start(line) : self.line_end(line)]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset) - 1

    def position(self, offset: int, encoding: Encoding = "utf-32") -> Position:
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        start = self._starts[line]
        if encoding == "utf-32":
            return Position(line, offset - start)
        return Position(line, _units(self.text[start:offset], encoding))

    def range(self, span: Span, encoding: Encoding = "utf-32") -> Range:
        return Range(self.position(span.start, encoding), self.position(span.end, encoding))

    def offset(self, position: Position, encoding: Encoding = "utf-32") -> int:
        """Offset of a client position, clamped into the text.

        Clients send positions past the line end or the file end (after an
        edit raced a request); clamping keeps every handler total.
        """
        if position.line < 0:
            return 0
        if position.line >= len(self._starts):
            return len(self.text)
        start = self._starts[position.line]
        end = self.line_end(position.line)
        want = max(0, position.character)
        if encoding == "utf-32":
            return min(start + want, end)
        seen = 0
        for i in range(start, end):
            if seen >= want:
                return i
            seen += _units(self.text[i], encoding)
        return end


class ForwardFind:
    """``text.find`` for a scan that only moves forward, remembering answers.

    A tag left open makes a scanner look for its closer (and the end of its
    line) up to the end of the text; done afresh for each of many open tags
    on one line that is quadratic. The first occurrence of a needle at or
    after ``start`` is also the first one at or after any later start up to
    it, and "none after ``start``" stays true for later starts, so each answer
    is kept per needle and reused while it holds. Starts never go back, so
    each needle's search covers the text about once.
    """

    def __init__(self, text: str, end: int) -> None:
        self.text = text
        self.end = end
        self._last: dict[str, tuple[int, int]] = {}

    def find(self, needle: str, start: int) -> int:
        last = self._last.get(needle)
        if last is not None and last[0] <= start and (last[1] == -1 or start <= last[1]):
            return last[1]
        found = self.text.find(needle, start, self.end)
        self._last[needle] = (start, found)
        return found

    def line_end(self, start: int) -> int:
        """Where the line holding ``start`` ends (its newline, else ``end``)."""
        nl = self.find("\n", start)
        return self.end if nl == -1 else nl
