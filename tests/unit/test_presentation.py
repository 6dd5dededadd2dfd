"""What the editor says about a header: "not sent" only where the format drops it."""

from __future__ import annotations

from promptwise.analysis import Analysis, analyze_text
from promptwise.config import Settings
from promptwise.document.model import Segment, SegmentKind
from promptwise.lsp.features.presentation import segment_hint, segment_summary

HEADER = "---\nname: Short answers\ndescription: keep replies short\n---\n"
BODY = "Answer the user's question in at most two sentences.\n"


def _header(path: str) -> tuple[Analysis, Segment]:
    analysis = analyze_text(HEADER + BODY, path, Settings())
    first = analysis.document.segments[0]
    assert first.kind is SegmentKind.FRONTMATTER
    return analysis, first


def test_frontmatter_of_a_format_that_defines_one_is_not_sent() -> None:
    analysis, header = _header("rules/short.prompt.md")
    assert segment_hint(analysis, header).endswith("(not sent)")
    assert "not sent to the model" in segment_summary(analysis, header)


def test_a_plain_files_yaml_header_goes_to_the_model_with_the_rest() -> None:
    # The prose rules skip it, but nothing strips it before the model.
    analysis, header = _header("rules/short.txt")
    assert analysis.document.frontmatter is None
    assert not segment_hint(analysis, header).endswith("(not sent)")
    summary = segment_summary(analysis, header)
    assert "not sent" not in summary and "of the prompt's" in summary
