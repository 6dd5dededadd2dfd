"""Completion and hover of frontmatter keys come from the same schemas as PW010/PW011."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp

from tests.lsp.conftest import RecordingClient, at, opened

pytestmark = pytest.mark.asyncio(loop_scope="session")

DOC = lsp.TextDocumentIdentifier
INSTRUCTIONS = '---\ndescription: Python style\napplyTo: "**/*.py"\nex\n---\nUse type hints.\n'
PROMPT = "---\ndescription: Review the diff\nagent: \n---\nList the problems.\n"


async def test_completion_offers_the_keys_the_file_kind_has(
    shared: RecordingClient, tmp_path: Path
) -> None:
    path = tmp_path / "python.instructions.md"
    async with opened(shared, path, INSTRUCTIONS) as uri:
        result = await shared.text_document_completion_async(
            lsp.CompletionParams(text_document=DOC(uri=uri), position=at(3, 2))
        )
        assert isinstance(result, lsp.CompletionList)
        labels = [item.label for item in result.items]
        # Keys already in the file are not offered again.
        assert sorted(labels) == ["excludeAgent", "name"]
        item = next(i for i in result.items if i.label == "excludeAgent")
        assert isinstance(item.text_edit, lsp.TextEdit)
        assert item.text_edit.new_text == "excludeAgent: "
        assert item.text_edit.range.start == at(3, 0)
        assert item.text_edit.range.end == at(3, 2)


async def test_completion_offers_a_keys_values(shared: RecordingClient, tmp_path: Path) -> None:
    path = tmp_path / "review.prompt.md"
    async with opened(shared, path, PROMPT) as uri:
        result = await shared.text_document_completion_async(
            lsp.CompletionParams(text_document=DOC(uri=uri), position=at(2, 7))
        )
        assert isinstance(result, lsp.CompletionList)
        assert [item.label for item in result.items] == ["ask", "edit", "agent", "plan"]


async def test_hover_on_a_key_shows_the_schema_documentation(
    shared: RecordingClient, tmp_path: Path
) -> None:
    path = tmp_path / "python.instructions.md"
    async with opened(shared, path, INSTRUCTIONS.replace("ex\n", "")) as uri:
        hover = await shared.text_document_hover_async(
            lsp.HoverParams(text_document=DOC(uri=uri), position=at(2, 3))
        )
        assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
        text = hover.contents.value
        assert text.startswith("**`applyTo`** · a Copilot instructions file")
        assert "Glob pattern(s)" in text
        assert "Type: a string or a list of strings" in text
        assert hover.range is not None and hover.range.start == at(2, 0)
