"""Folding ranges for the same segments the outline shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from promptwise.lsp import convert

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer


async def folding_ranges(
    ls: PromptwiseServer, params: lsp.FoldingRangeParams
) -> list[lsp.FoldingRange]:
    analysis = await ls.documents.current_analysis(params.text_document.uri)
    if analysis is None:
        return []
    doc = analysis.document
    lines = doc.lines
    text = doc.text
    ranges: list[lsp.FoldingRange] = []
    starts: set[int] = set()
    for segment in doc.walk():
        if segment.value is not None or len(segment.span) == 0:
            continue  # chat messages are JSON/YAML strings: the client's own folding is better
        first = lines.line_of(segment.span.start)
        end = segment.span.end
        # Fold up to the last non-blank line, so the blank line before the next heading stays.
        while end > segment.span.start and text[end - 1] in " \t\r\n":
            end -= 1
        last = lines.line_of(max(segment.span.start, end - 1))
        if last > first and first not in starts:
            starts.add(first)
            ranges.append(convert.folding_range(first, last, segment.kind))
    return ranges
