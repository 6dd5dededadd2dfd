"""Token counts at the end of each segment's header line (role line, heading, fence)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from promptwise.lsp import convert
from promptwise.lsp.features.presentation import HINTED, segment_hint, segment_summary, tokens

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer


async def inlay_hints(ls: PromptwiseServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint]:
    analysis = await ls.documents.current_analysis(params.text_document.uri)
    if analysis is None:
        return []
    doc = analysis.document
    lines = doc.lines
    first, last = params.range.start.line, params.range.end.line
    hints: list[lsp.InlayHint] = []
    seen_lines: set[int] = set()
    for segment in doc.walk():
        if segment.kind not in HINTED:
            continue
        anchor = segment.header if segment.header is not None else segment.span
        line = lines.line_of(anchor.start)
        if not first <= line <= last or line in seen_lines:
            continue
        seen_lines.add(line)
        end = lines.line_end(line)
        hints.append(
            lsp.InlayHint(
                position=convert.to_position(lines, end, ls.encoding),
                label=segment_hint(analysis, segment),
                padding_left=True,
                tooltip=convert.markdown(segment_summary(analysis, segment)),
            )
        )
    # After each include (a partial, an attached file): the tokens it adds to every call.
    for inclusion in analysis.composition.inclusions if analysis.composition else ():
        end = inclusion.reference.span.end
        if not first <= lines.line_of(end) <= last:
            continue
        hints.append(
            lsp.InlayHint(
                position=convert.to_position(lines, end, ls.encoding),
                label=f"+{tokens(inclusion.tokens, analysis.approximate)} included",
                padding_left=True,
                tooltip=f"{inclusion.path} and what it includes, sent with this prompt",
            )
        )
    return hints
