"""Document symbols: frontmatter, messages, sections, examples, with token counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from promptwise.analysis import Analysis
from promptwise.document.model import Segment, SegmentKind
from promptwise.lsp import convert
from promptwise.lsp.features.presentation import segment_name, segment_tokens, tokens, unsent

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer


def _detail(analysis: Analysis, segment: Segment) -> str:
    n = segment_tokens(analysis, segment)
    label = tokens(n, analysis.approximate, "tokens")
    return f"{label} (not sent)" if unsent(analysis, segment) else label


async def document_symbols(
    ls: PromptwiseServer, params: lsp.DocumentSymbolParams
) -> list[lsp.DocumentSymbol] | list[lsp.SymbolInformation]:
    result = await ls.documents.analysis(params.text_document.uri)
    if result is None or result.analysis is None:
        return []
    analysis = result.analysis
    lines = analysis.document.lines
    encoding = ls.encoding

    if not ls.capability(
        "text_document.document_symbol.hierarchical_document_symbol_support", False
    ):
        flat: list[lsp.SymbolInformation] = []

        def collect(segments: Sequence[Segment], container: str | None) -> None:
            for s in segments:
                if s.kind is SegmentKind.COMMENT:
                    continue
                name = segment_name(s)
                flat.append(
                    convert.symbol_information(
                        f"{name} ({_detail(analysis, s)})",
                        container,
                        s.kind,
                        result.uri,
                        lines,
                        s.span,
                        encoding,
                    )
                )
                collect(s.children, name)

        collect(analysis.document.segments, None)
        return flat

    def build(segments: Sequence[Segment]) -> list[lsp.DocumentSymbol]:
        out = []
        for s in segments:
            if s.kind is SegmentKind.COMMENT:
                continue
            selection = s.header if s.header is not None else s.span
            out.append(
                convert.document_symbol(
                    segment_name(s),
                    _detail(analysis, s),
                    s.kind,
                    lines,
                    s.span,
                    selection,
                    encoding,
                    build(s.children),
                )
            )
        return out

    return build(analysis.document.segments)
