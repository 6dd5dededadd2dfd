"""Markdown-ish structure inside a prompt body: sections, code, examples, data.

Prompt bodies of every format are mostly markdown, often with XML-style
blocks (``<example>``, ``<document>``) that mark examples and quoted data.
This module finds those blocks and headings in one line scan and nests them,
so rules can tell instructions from examples, code and data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from promptwise.document.model import Segment, SegmentKind
from promptwise.document.text import Span

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})([^\n]*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_OPEN_TAG = re.compile(r"^[ \t]*<([A-Za-z][\w.-]*)(?:\s[^<>]*)?>[ \t]*")
_EXAMPLE_TAG = re.compile(r"example|sample|demonstration|shot", re.I)
DATA_TAGS = frozenset(
    """document documents doc context input inputs data text article email transcript query
    question user_input user_query user_message passage passages source sources content
    message conversation history ticket review reviews report file files code snippet
    excerpt quote search_results results information reference references knowledge""".split()
)
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
            children=tuple(child.freeze() for child in sorted(self.children,
                                                               key=lambda c: c.start)),
        )


def _lines(text: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """(line start, content end, next line start) for each line in the region."""
    out = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        nxt = end if nl == -1 else nl + 1
        content_end = nl if nl != -1 else end
        if content_end > pos and text[content_end - 1] == "\r":
            content_end -= 1
        out.append((pos, content_end, nxt))
        pos = nxt
    return out


def scan_blocks(text: str, region: Span, *, headings: bool = True) -> list[Segment]:
    """Segments found in ``text[region]``, nested: sections hold their blocks."""
    lines = _lines(text, region.start, region.end)
    blocks: list[_Node] = []
    heads: list[tuple[int, int, int, str, Span]] = []  # (line idx, level, start, title, header)
    i = 0
    n = len(lines)
    while i < n:
        start, content_end, nxt = lines[i]
        line = text[start:content_end]
        fence = _FENCE.match(line)
        if fence:
            marker = fence.group(1)
            j = i + 1
            while j < n:
                s, e, _ = lines[j]
                close = text[s:e].strip()
                if close.startswith(marker[0] * len(marker)) and set(close) <= {marker[0]}:
                    break
                j += 1
            end = lines[min(j, n - 1)][2]
            info = fence.group(2).strip()
            kind = SegmentKind.EXAMPLE if _EXAMPLE_TAG.search(info) else SegmentKind.CODE
            blocks.append(_Node(kind, start, end, Span(start, content_end), info))
            i = j + 1
            continue
        stripped = line.lstrip()
        if stripped.startswith("<!--"):
            comment_close = text.find("-->", start, region.end)
            end = region.end if comment_close == -1 else comment_close + 3
            # Extend to the end of the line the comment closes on, when nothing else is there.
            line_end = text.find("\n", end, region.end)
            if line_end != -1 and not text[end:line_end].strip():
                end = line_end + 1
            blocks.append(_Node(SegmentKind.COMMENT, start + (len(line) - len(stripped)), end))
            while i < n and lines[i][2] <= end:
                i += 1
            if i < n and lines[i][0] < end:
                i += 1
            continue
        tag = _OPEN_TAG.match(line)
        if tag:
            name = tag.group(1)
            tag_kind = _tag_kind(name)
            if tag_kind is not None:
                close_at = _find_close(text, name, start + tag.end(), region.end)
                if close_at is not None:
                    close_end = text.find(">", close_at, region.end) + 1
                    line_end = text.find("\n", close_end, region.end)
                    end = region.end if line_end == -1 else line_end + 1
                    if text[close_end:end].strip():
                        end = close_end
                    blocks.append(_Node(tag_kind, start, end, Span(start, content_end), name))
                    while i < n and lines[i][0] < end:
                        i += 1
                    continue
        if headings:
            h = _HEADING.match(line)
            if h:
                heads.append((i, len(h.group(1)), start, h.group(2).strip(),
                              Span(start, content_end)))
        i += 1
    return _nest(heads, blocks, region)


def _tag_kind(name: str) -> SegmentKind | None:
    lowered = name.lower()
    if _EXAMPLE_TAG.search(lowered):
        return SegmentKind.EXAMPLE
    if lowered in DATA_TAGS or lowered.rstrip("s") in DATA_TAGS:
        return SegmentKind.DATA
    return None


def _find_close(text: str, name: str, start: int, end: int) -> int | None:
    """Offset of the ``</name>`` that closes an open tag, honouring nesting."""
    pattern = re.compile(rf"<(/?){re.escape(name)}(?:\s[^<>]*)?>", re.I)
    depth = 1
    for m in pattern.finditer(text, start, end):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return m.start()
    return None


def _nest(heads: list[tuple[int, int, int, str, Span]], blocks: list[_Node],
          region: Span) -> list[Segment]:
    sections: list[_Node] = []
    for k, (_, level, start, title, header) in enumerate(heads):
        end = region.end
        for _, other_level, other_start, _, _ in heads[k + 1 :]:
            if other_level <= level:
                end = other_start
                break
        kind = SegmentKind.EXAMPLE if _EXAMPLE_HEADING.search(title) else SegmentKind.SECTION
        sections.append(_Node(kind, start, end, header, title, level))
    roots: list[_Node] = []
    stack: list[_Node] = []
    for node in sorted(sections + blocks, key=lambda x: (x.start, -x.end)):
        while stack and not (stack[-1].start <= node.start and node.end <= stack[-1].end):
            stack.pop()
        parent = stack[-1] if stack else None
        # Blocks never contain sections; a heading inside a code block was skipped already.
        if parent is not None and parent.kind in (SegmentKind.SECTION, SegmentKind.EXAMPLE) \
                and parent.level:
            parent.children.append(node)
        else:
            roots.append(node)
        if node.level:
            stack.append(node)
    return [node.freeze() for node in roots]
