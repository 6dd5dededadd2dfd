"""Markdown-ish structure inside a prompt body: sections, code, examples, data.

Prompt bodies of every format are mostly markdown, often with XML-style
blocks (``<example>``, ``<document>``) that mark examples and quoted data.
This module finds those blocks and headings in one line scan and nests them,
so rules can tell instructions from examples, code and data.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from promptwise.document.model import Segment, SegmentKind
from promptwise.document.text import Span

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


@dataclass
class _Node:
    kind: SegmentKind
    start: int
    end: int
    header: Span | None = None
    title: str = ""
    level: int = 0
    children: list[_Node] = field(default_factory=list)

    def freeze(self) -> Segment:
        return Segment(
            kind=self.kind,
            span=Span(self.start, self.end),
            header=self.header,
            title=self.title,
            level=self.level,
            children=tuple(
                child.freeze() for child in sorted(self.children, key=lambda c: c.start)
            ),
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
    is not walked line by line in Python.
    """
    blocks: list[_Node] = []
    heads: list[tuple[int, int, int, str, Span]] = []  # (unused, level, start, title, header)
    limit = region.end
    closes: _TagIndex | None = None  # built on the first tag that needs its closer
    pos = region.start
    first = True
    while pos < limit:
        if first:
            start = pos  # the region may start mid-line (after a BOM): look at it as is
            first = False
        else:
            found = _CANDIDATE.search(text, pos, limit)
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
            else:
                close_nl = text.find("\n", close.start(), limit)
                end = limit if close_nl == -1 else close_nl + 1
            info = fence.group(2).strip()
            fenced = SegmentKind.EXAMPLE if _EXAMPLE_TAG.search(info) else SegmentKind.CODE
            blocks.append(_Node(fenced, start, end, Span(start, content_end), info))
            pos = end
            continue
        stripped = line.lstrip()
        if stripped.startswith("<!--"):
            close_at = text.find("-->", start, limit)
            end = limit if close_at == -1 else close_at + 3
            # Extend to the end of the line the comment closes on, when nothing else is there.
            line_end = text.find("\n", end, limit)
            if line_end != -1 and not text[end:line_end].strip():
                end = line_end + 1
            blocks.append(_Node(SegmentKind.COMMENT, start + (len(line) - len(stripped)), end))
            pos = _next_line(text, end, limit)
            continue
        tag = _OPEN_TAG.match(line)
        if tag:
            name = tag.group(1)
            kind = _tag_kind(name)
            if kind is not None:
                if closes is None:
                    closes = _TagIndex(text, region.start, limit)
                close_tag = closes.close(name, start + tag.end())
                if close_tag is not None:
                    close_end = text.find(">", close_tag, limit) + 1
                    line_end = text.find("\n", close_end, limit)
                    end = limit if line_end == -1 else line_end + 1
                    if text[close_end:end].strip():
                        end = close_end
                    blocks.append(_Node(kind, start, end, Span(start, content_end), name))
                    pos = _next_line(text, end, limit)
                    continue
        if headings:
            h = _HEADING.match(line)
            if h:
                heads.append(
                    (0, len(h.group(1)), start, h.group(2).strip(), Span(start, content_end))
                )
        pos = nxt
    return _nest(heads, blocks, region)


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


def _nest(
    heads: list[tuple[int, int, int, str, Span]], blocks: list[_Node], region: Span
) -> list[Segment]:
    # A section ends where the next heading of its level or above starts. One
    # pass with a stack of the headings still open finds every end; looking
    # ahead from each heading was quadratic in a file of many headings.
    ends = [region.end] * len(heads)
    open_heads: list[int] = []
    for k, (_, level, start, _, _) in enumerate(heads):
        while open_heads and heads[open_heads[-1]][1] >= level:
            ends[open_heads.pop()] = start
        open_heads.append(k)
    sections: list[_Node] = []
    for k, (_, level, start, title, header) in enumerate(heads):
        end = ends[k]
        kind = SegmentKind.EXAMPLE if _EXAMPLE_HEADING.search(title) else SegmentKind.SECTION
        sections.append(_Node(kind, start, end, header, title, level))
    roots: list[_Node] = []
    stack: list[_Node] = []
    for node in sorted(sections + blocks, key=lambda x: (x.start, -x.end)):
        while stack and not (stack[-1].start <= node.start and node.end <= stack[-1].end):
            stack.pop()
        parent = stack[-1] if stack else None
        # Blocks never contain sections; a heading inside a code block was skipped already.
        if (
            parent is not None
            and parent.kind in (SegmentKind.SECTION, SegmentKind.EXAMPLE)
            and parent.level
        ):
            parent.children.append(node)
        else:
            roots.append(node)
        if node.level:
            stack.append(node)
    return [node.freeze() for node in roots]
