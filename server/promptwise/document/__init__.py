"""Text -> PromptDocument: format detection, frontmatter, segments, variables."""

from promptwise.document.model import (
    ModelRef,
    ParseProblem,
    PromptDocument,
    PromptFormat,
    Segment,
    SegmentKind,
    TemplateSyntax,
    Variable,
    VariableRole,
)
from promptwise.document.parse import decode, parse_document
from promptwise.document.text import LineIndex, Position, Range, Span

__all__ = [
    "LineIndex",
    "ModelRef",
    "ParseProblem",
    "Position",
    "PromptDocument",
    "PromptFormat",
    "Range",
    "Segment",
    "SegmentKind",
    "Span",
    "TemplateSyntax",
    "Variable",
    "VariableRole",
    "decode",
    "parse_document",
]
