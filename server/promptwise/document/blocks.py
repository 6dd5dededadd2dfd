"""Markdown-ish structure inside a prompt body: sections, code, examples, data.

Prompt bodies of every format are mostly markdown, often with XML-style
blocks (``<example>``, ``<document>``) that mark examples and quoted data.
This module finds those blocks and headings in one line scan and nests them,
so rules can tell instructions from examples, code and data.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace

from promptwise.document import blockfacts
from promptwise.document.model import Segment, SegmentKind
from promptwise.document.text import Span
from promptwise.memo import SizedCache, Tally, text_bytes

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})([^\n]*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_OPEN_TAG = re.compile(r"^[ \t]*<([A-Za-z][\w.-]*)(?:\s[^<>]*)?>[ \t]*")
_EXAMPLE_TAG = re.compile(r"example|sample|demonstration|shot", re.I)
_DATA_TAG_NAMES = """document documents doc context input inputs data text article email
    transcript query question user_input user_query user_message passage passages source sources
    content message conversation history ticket review reviews report file files code snippet
    excerpt quote search_results results information reference references knowledge"""
DATA_TAGS = frozenset(_DATA_TAG_NAMES.split())
_EXAMPLE_HEADING = re.compile(
    r"\b(examples?|sample (?:output|response|answer|input)s?|few[- ]shot|demonstrations?|"
    r"example (?:output|response|usage|input)s?)\b",
    re.I,
)


class _OpenSection:
    """A section whose end is known and whose children are still being added."""

    __slots__ = ("children", "end", "example", "header", "level", "start", "title")

    def __init__(self, head: _HeadRow, end: int) -> None:
        self.level, self.start, self.title, hs, he, self.example = head
        self.header = Span(hs, he)
        self.end = end
        self.children: list[Segment] = []

    def freeze(self) -> Segment:
        return Segment(
            kind=SegmentKind.EXAMPLE if self.example else SegmentKind.SECTION,
            span=Span(self.start, self.end),
            header=self.header,
            title=self.title,
            level=self.level,
            children=tuple(self.children),
        )


# A line that can open a block or a heading: its first non-blank character is
# a fence, a tag or comment, or a hash. Every other line is skipped in C.
_CANDIDATE = re.compile(r"^[^\S\n]*[`~<#]", re.M)


def _next_line(text: str, offset: int, end: int) -> int:
    """The start of the first line at or after ``offset`` (``end`` if none)."""
    if offset >= end or text[offset - 1] == "\n":
        return min(offset, end)
    nl = text.find("\n", offset, end)
    return end if nl == -1 else nl + 1


def scan_blocks(text: str, region: Span, *, headings: bool = True) -> list[Segment]:
    """Segments found in ``text[region]``, nested: sections hold their blocks.

    Only candidate lines (see ``_CANDIDATE``) are looked at one by one; the
    regex jumps over prose, which is most of a prompt, so a large document
    is not walked line by line in Python. A large region is scanned in
    stretches cached by their text (:func:`_line_scan`), so an edit re-scans
    the stretch it touched; nesting sections is done over the whole region.
    """
    found_blocks, heads = _line_scan(text, region, headings)
    return _nest(heads, found_blocks, region)


# What one line scan found, relative to where it started: blocks as
# (kind, start, end, header start, header end, title), a header start of -1
# meaning none, and headings as (level, start, title, header start, header end,
# whether the title names examples).
_BlockRow = tuple[SegmentKind, int, int, int, int, str]
_HeadRow = tuple[int, int, str, int, int, bool]


@dataclass(frozen=True)
class _Scanned:
    """A line scan of ``text[start:stop]``: its rows, where it stopped, and
    whether every closer it looked for was found before ``stop`` (*sealed*).

    A sealed scan of a stretch that starts at a line start reads nothing past
    the stretch, so it finds exactly what the region's scan finds there (see
    :func:`_line_scan`).
    """

    blocks: tuple[_BlockRow, ...]
    heads: tuple[_HeadRow, ...]
    pos: int
    sealed: bool


def _scan_lines(
    text: str,
    start_at: int,
    stop: int,
    limit: int,
    *,
    first: bool,
    headings: bool,
    region_start: int,
    tags: list[_TagIndex],
) -> _Scanned:
    """The line scan over candidates in ``[start_at, stop)``, looking for closers
    up to ``limit`` (the region's end, or ``stop`` for a cached stretch).

    ``first``: the line at ``start_at`` is read as is (the region may start
    mid-line, after a BOM). ``tags`` holds the tag index once one is built,
    over ``[region_start, limit)``.
    """
    blocks: list[_BlockRow] = []
    heads: list[_HeadRow] = []
    sealed = True
    pos = start_at
    while pos < stop:
        if first:
            start = pos
            first = False
        else:
            found = _CANDIDATE.search(text, pos, stop)
            if found is None:
                break
            start = found.start()
        nl = text.find("\n", start, limit)
        nxt = limit if nl == -1 else nl + 1
        content_end = nl if nl != -1 else limit
        if content_end > start and text[content_end - 1] == "\r":
            content_end -= 1
        line = text[start:content_end]
        fence = _FENCE.match(line)
        if fence:
            marker = fence.group(1)
            close = re.compile(
                rf"^[^\S\n]*{re.escape(marker[0])}{{{len(marker)},}}[^\S\n]*$", re.M
            ).search(text, nxt, limit)
            if close is None:
                end = limit
                sealed = False
            else:
                close_nl = text.find("\n", close.start(), limit)
                end = limit if close_nl == -1 else close_nl + 1
            info = fence.group(2).strip()
            fenced = SegmentKind.EXAMPLE if _EXAMPLE_TAG.search(info) else SegmentKind.CODE
            blocks.append((fenced, start, end, start, content_end, info))
            pos = end
            continue
        stripped = line.lstrip()
        if stripped.startswith("<!--"):
            close_at = text.find("-->", start, limit)
            if close_at == -1:
                end = limit
                sealed = False
            else:
                end = close_at + 3
            # Extend to the end of the line the comment closes on, when nothing else is there.
            line_end = text.find("\n", end, limit)
            if line_end != -1 and not text[end:line_end].strip():
                end = line_end + 1
            blocks.append(
                (SegmentKind.COMMENT, start + (len(line) - len(stripped)), end, -1, 0, "")
            )
            pos = _next_line(text, end, limit)
            continue
        tag = _OPEN_TAG.match(line)
        if tag:
            name = tag.group(1)
            kind = _tag_kind(name)
            if kind is not None:
                if not tags:
                    tags.append(_TagIndex(text, region_start, limit))
                close_tag = tags[0].close(name, start + tag.end())
                if close_tag is None:
                    sealed = False  # past ``limit`` it may yet close
                else:
                    close_end = text.find(">", close_tag, limit) + 1
                    line_end = text.find("\n", close_end, limit)
                    end = limit if line_end == -1 else line_end + 1
                    if text[close_end:end].strip():
                        end = close_end
                    blocks.append((kind, start, end, start, content_end, name))
                    pos = _next_line(text, end, limit)
                    continue
        if headings:
            h = _HEADING.match(line)
            if h:
                title = h.group(2).strip()
                example = _EXAMPLE_HEADING.search(title) is not None
                heads.append((len(h.group(1)), start, title, start, content_end, example))
        pos = nxt
    return _Scanned(tuple(blocks), tuple(heads), pos, sealed)


# Regions shorter than this are scanned whole: stretches pay off on large ones.
_MIN_STRETCHED = 8_192


def _scanned_bytes(key: tuple[str, bool, bool, bool], value: _Scanned) -> int:
    """The stretch's text, plus about 250 bytes a row (a tuple, its ints and title)."""
    titles = [row[5] for row in value.blocks] + [row[2] for row in value.heads]
    return text_bytes(key[0]) + 200 + sum(250 + text_bytes(title) for title in titles)


_stretches: SizedCache[tuple[str, bool, bool, bool], _Scanned] = SizedCache(
    "block scans", 0.03, _scanned_bytes
)
_tally = Tally()


def analysed() -> int:
    """How many stretches were line-scanned since :func:`reset_counts` (tests read it)."""
    return _tally.count


def reset_counts() -> None:
    _tally.reset()


def clear_cache() -> None:
    _stretches.clear()


def _line_scan(text: str, region: Span, headings: bool) -> tuple[list[_BlockRow], list[_HeadRow]]:
    """The region's blocks and headings, in absolute offsets.

    The region is cut where ``blockfacts`` cuts the text (line starts after a
    blank line, content-defined, so an edit moves no other cut). Each stretch
    is scanned on its own and its rows cached by its text. A sealed stretch
    (every fence, comment and tag opened in it closes in it) finds what the
    region's scan finds there: the closer searched for is the first one
    after the opener either way (a tag's closer is where the nesting depth
    counted *from the opener* falls below zero, which no earlier tag
    changes), and the region's scan, having stopped before the stretch's
    start with no candidate line left before it, next looks at the first
    candidate line of the stretch, as the stretch's own scan does. The last
    stretch ends where the region does, so it is always sealed. A stretch
    that is not sealed, or that a block from an earlier one runs into, is
    scanned in place with the region's limit, and not cached.
    """
    rs, re_ = region.start, region.end
    tags: list[_TagIndex] = []
    if re_ - rs < _MIN_STRETCHED:
        whole = _scan_lines(
            text, rs, re_, re_, first=True, headings=headings, region_start=rs, tags=tags
        )
        return list(whole.blocks), list(whole.heads)
    cuts = blockfacts.blocks_of(text)
    starts = cuts.starts
    lo = bisect.bisect_right(starts, rs)
    hi = bisect.bisect_left(starts, re_)
    bounds = [rs, *starts[lo:hi], re_]
    out_blocks: list[_BlockRow] = []
    out_heads: list[_HeadRow] = []
    pos = rs
    for k in range(len(bounds) - 1):
        a, b = bounds[k], bounds[k + 1]
        if b <= pos:
            continue  # inside a block that began in an earlier stretch
        if pos <= a:
            # A whole block of the cut when it lies inside the region (the same
            # string, hashed once already); a slice at the region's edges.
            index = lo + k - 1  # the cut's block that starts at ``a``, if any does
            one = 0 <= index < len(starts) - 1 and starts[index] == a and starts[index + 1] == b
            stretch = cuts.texts[index] if one else text[a:b]
            key = (stretch, a == rs, b == re_, headings)
            found = _stretches.get(key)
            if found is None:
                found = _scan_lines(
                    stretch, 0, len(stretch), len(stretch),
                    first=a == rs, headings=headings, region_start=0, tags=[],
                )  # fmt: skip
                if b == re_:
                    found = replace(found, sealed=True)  # the region ends here too
                _stretches.put(key, found)
                _tally.add()
            if found.sealed:
                out_blocks.extend(
                    [(kind, a + s, a + e, a + hs if hs >= 0 else -1, a + he, title)
                     for kind, s, e, hs, he, title in found.blocks]
                )  # fmt: skip
                out_heads.extend(
                    [
                        (level, a + s, title, a + hs, a + he, example)
                        for level, s, title, hs, he, example in found.heads
                    ]
                )
                pos = a + found.pos
                continue
        here = _scan_lines(
            text, max(pos, a), b, re_,
            first=pos == rs, headings=headings, region_start=rs, tags=tags,
        )  # fmt: skip
        out_blocks.extend(here.blocks)
        out_heads.extend(here.heads)
        pos = here.pos
    return out_blocks, out_heads


def _tag_kind(name: str) -> SegmentKind | None:
    lowered = name.lower()
    if _EXAMPLE_TAG.search(lowered):
        return SegmentKind.EXAMPLE
    if lowered in DATA_TAGS or lowered.rstrip("s") in DATA_TAGS:
        return SegmentKind.DATA
    return None


# Any opening or closing tag; the name is every word character up to the
# space or ``>``, so a tag matches here exactly where ``<(/?)NAME...>`` would.
_ANY_TAG = re.compile(r"<(/?)([\w.-]+)(?:\s[^<>]*)?>")


class _TagIndex:
    """Where each open tag is closed, honouring nesting, from one pass over the text.

    Looking for each tag's ``</name>`` from the tag on was quadratic in a file
    of many tags left open (``<example>`` on every line, or ``<example1>``,
    ``<example2>`` ...). Here all tags are read once; per name (compared
    without case, as before) the running depth after each tag is kept, and a
    tag at depth ``d`` closes at the first later tag of its name where the
    depth falls to ``d - 1``: a lookup in the list of tags at that depth.
    """

    def __init__(self, text: str, start: int, end: int) -> None:
        positions: dict[str, list[int]] = {}
        depths: dict[str, list[int]] = {}
        at_depth: dict[str, dict[int, list[int]]] = {}
        for m in _ANY_TAG.finditer(text, start, end):
            key = m.group(2).lower()
            where = positions.setdefault(key, [])
            after = depths.setdefault(key, [])
            depth = (after[-1] if after else 0) + (-1 if m.group(1) else 1)
            at_depth.setdefault(key, {}).setdefault(depth, []).append(len(where))
            where.append(m.start())
            after.append(depth)
        self.positions = positions
        self.depths = depths
        self.at_depth = at_depth

    def close(self, name: str, start: int) -> int | None:
        """Offset of the ``</name>`` that closes a tag opened just before ``start``."""
        key = name.lower()
        where = self.positions.get(key)
        if not where:
            return None
        first = bisect.bisect_left(where, start)
        depth = self.depths[key][first - 1] if first else 0
        candidates = self.at_depth[key].get(depth - 1, [])
        k = bisect.bisect_left(candidates, first)
        return where[candidates[k]] if k < len(candidates) else None


def _nest(heads: list[_HeadRow], rows: list[_BlockRow], region: Span) -> list[Segment]:
    """Sections (a heading up to the next of its level or above) holding the
    blocks and sections inside them; ``heads`` and ``rows`` are in text order."""
    # A section ends where the next heading of its level or above starts. One
    # pass with a stack of the headings still open finds every end; looking
    # ahead from each heading was quadratic in a file of many headings.
    ends = [region.end] * len(heads)
    open_heads: list[int] = []
    for k, (level, start, *_) in enumerate(heads):
        while open_heads and heads[open_heads[-1]][0] >= level:
            ends[open_heads.pop()] = start
        open_heads.append(k)
    # Headings and blocks merged by start (no two start on one line); a
    # section is frozen when the first node past its end arrives, so the
    # children of each are added in text order and frozen once.
    roots: list[Segment] = []
    stack: list[_OpenSection] = []
    n_heads, n_rows = len(heads), len(rows)
    h = r = 0
    while h < n_heads or r < n_rows:
        if r >= n_rows or (h < n_heads and heads[h][1] < rows[r][1]):
            start, end = heads[h][1], ends[h]
        else:
            start, end = rows[r][1], rows[r][2]
        while stack and not (stack[-1].start <= start and end <= stack[-1].end):
            _close(stack, roots)
        # Blocks never contain sections; a heading inside a code block was skipped already.
        if r >= n_rows or (h < n_heads and heads[h][1] < rows[r][1]):
            stack.append(_OpenSection(heads[h], end))
            h += 1
            continue
        kind, _, _, hs, he, title = rows[r]
        r += 1
        leaf = Segment(
            kind=kind,
            span=Span(start, end),
            header=Span(hs, he) if hs >= 0 else None,
            title=title,
        )
        (stack[-1].children if stack else roots).append(leaf)
    while stack:
        _close(stack, roots)
    return roots


def _close(stack: list[_OpenSection], roots: list[Segment]) -> None:
    """Freeze the innermost open section into its parent (or the roots)."""
    done = stack.pop().freeze()
    (stack[-1].children if stack else roots).append(done)
