"""PW209 and PW013 point at both places: the finding and its related location."""

from __future__ import annotations

from pathlib import Path

from promptwise.analysis import analyze
from promptwise.config import Settings
from promptwise.document import parse_document
from promptwise.project.files import Project

SETTINGS = Settings(select=("PW013", "PW209"))


def _lines(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def test_contradiction_points_at_the_earlier_instruction() -> None:
    text = "Answer billing questions.\nBe concise.\nUse the plan table.\nExplain thoroughly.\n"
    analysis = analyze(parse_document(text, "billing.prompt.md"), SETTINGS)
    [finding] = analysis.findings
    assert _lines(text, finding.span.start) == 4
    [related] = finding.related
    assert related.path == "billing.prompt.md" and related.span is not None
    assert text[related.span.start : related.span.end] == "Be concise"


def test_mismatched_tag_points_at_the_tag_left_open() -> None:
    text = "Summarise the ticket.\n\n<ticket>\n{{ticket}}\n</tickets>\n"
    analysis = analyze(parse_document(text, "t.prompt"), SETTINGS)
    [finding] = analysis.findings
    assert finding.message == "`</tickets>` does not match the open `<ticket>` of line 3"
    [related] = finding.related
    assert related.span is not None and text[related.span.start : related.span.end] == "<ticket>"


def test_contradiction_with_an_included_file_names_its_file_and_line(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    style = "Quote prices from the table.\nBe concise.\n"
    (tmp_path / "_style.prompt").write_text(style, encoding="utf-8")
    text = "---\nmodel: gpt-4o\n---\n{{> style}}\nBe thorough.\n{{question}}\n"
    path = tmp_path / "answer.prompt"
    path.write_text(text, encoding="utf-8")
    doc = parse_document(text, str(path))
    analysis = analyze(doc, SETTINGS, project=Project(str(tmp_path)))
    [finding] = analysis.findings
    assert finding.message == (
        "this asks for a long, detailed answer, but `_style.prompt` (included, line 2) "
        "asks for a short answer; say which applies when"
    )
    [related] = finding.related
    assert related.path == str(tmp_path / "_style.prompt") and related.line == 2
