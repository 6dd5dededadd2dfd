"""What hovers, lenses and squiggles say (issue 13, "Editors"): examples are not
defaults, an empty default is said in words, a context size is written one way
everywhere, squiggles start at the first non-blank character, and the cost
comparison lists each model once."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from promptwise.cli import main
from tests.conftest import EXAMPLES
from tests.lsp.conftest import RecordingClient, at, diagnostics, opened

pytestmark = pytest.mark.asyncio(loop_scope="session")

DOC = lsp.TextDocumentIdentifier

PROMPTY = """\
---
name: Greeter
model:
  id: gpt-4o
inputs:
  - name: salutation
    kind: string
    default: ""
  - name: guest
    kind: string
    example: Ada
---
system:
Greet {{guest}} with {{salutation}} in one sentence.
"""


async def _hover(client: RecordingClient, uri: str, line: int, character: int) -> str:
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=DOC(uri=uri), position=at(line, character))
    )
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    return hover.contents.value


async def test_examples_are_not_defaults_and_an_empty_default_is_said(
    shared: RecordingClient, tmp_path: Path
) -> None:
    path = tmp_path / "greeter.prompty"
    path.write_text(PROMPTY)
    body = PROMPTY.splitlines().index("Greet {{guest}} with {{salutation}} in one sentence.")
    line = PROMPTY.splitlines()[body]
    async with opened(shared, path) as uri:
        guest = await _hover(shared, uri, body, line.index("guest") + 1)
        assert "example (not a default): `Ada`" in guest and "default:" not in guest
        salutation = await _hover(shared, uri, body, line.index("salutation") + 1)
        assert "default: empty string" in salutation and "``" not in salutation


async def test_a_context_size_is_written_one_way_everywhere(
    shared: RecordingClient, tmp_path: Path
) -> None:
    path = EXAMPLES / "support.prompty"  # gpt-4o: a 128,000-token context window
    written = "128,000-token context window"
    async with opened(shared, path) as uri:
        lenses = await shared.text_document_code_lens_async(
            lsp.CodeLensParams(text_document=DOC(uri=uri))
        )
        assert lenses and lenses[0].command is not None
        lens = lenses[0].command.title
        hover = await _hover(shared, uri, 4, 7)  # `  id: gpt-4o`
        result = await shared.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="promptwise.showCostComparison", arguments=[uri])
        )
    assert written in lens
    assert "128,000 tokens" in hover
    assert "of 128,000 |" in result["markdown"]
    big = tmp_path / "big.prompty"
    big.write_text("---\nmodel:\n  id: gpt-4o\n---\nsystem:\n" + "Say hi. " * 70_000 + "\n")
    async with opened(shared, big) as uri:
        found = await diagnostics(shared, uri, 1)
        overflow = next(d for d in found if d.code == "PW502")
        assert written in overflow.message
        completion = await shared.text_document_completion_async(
            lsp.CompletionParams(text_document=DOC(uri=uri), position=at(2, 8))
        )
    assert isinstance(completion, lsp.CompletionList)
    detail = next(i.detail for i in completion.items if i.label == "gpt-4o")
    assert detail is not None and written in detail
    out = io.StringIO()
    main(["tokens", str(path)], out=out)
    assert written in out.getvalue()
    for text in (lens, hover, detail, out.getvalue(), overflow.message):
        assert not re.search(r"\d+K\b", text), text


async def test_squiggles_start_at_the_first_non_blank_character(
    shared: RecordingClient, tmp_path: Path
) -> None:
    path = tmp_path / "sort.chat.yaml"
    path.write_text(
        "model: gpt-4o\nmessages:\n  - role: system\n    content: |\n"
        "      Sort the email into billing or delivery.\n"
        "      Give a few reasons when appropriate.\n"
        "  - role: user\n    content: '{{email}}'\n"
    )
    lines = path.read_text().splitlines()
    async with opened(shared, path) as uri:
        found = await diagnostics(shared, uri, 1)
    assert found
    for diagnostic in found:
        start = diagnostic.range.start
        assert not lines[start.line][start.character :][:1].isspace(), (
            diagnostic.code,
            lines[start.line],
        )


async def test_the_cost_comparison_lists_each_model_once(
    shared: RecordingClient, tmp_path: Path
) -> None:
    (tmp_path / "promptwise.yaml").write_text(
        "comparison_models: [gpt-4o, openai/gpt-4o, GPT-4o, gpt-4o-mini, gpt-4o-mini, nope-1]\n"
    )
    path = tmp_path / "ask.prompty"
    path.write_text("---\nmodel:\n  id: azure/gpt-4o\n---\nsystem:\nSay hi.\n")
    async with opened(shared, path) as uri:
        result = await shared.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="promptwise.showCostComparison", arguments=[uri])
        )
    models = [row["model"] for row in result["rows"]]
    assert len(models) == 3, models  # gpt-4o (this file), gpt-4o-mini, nope-1
    assert result["rows"][0]["current"] and result["rows"][-1]["known"] is False
    out = io.StringIO()
    main(["tokens", str(path), "--compare"], out=out)
    listed = out.getvalue().split("comparison:", 1)[1].strip().splitlines()
    assert len(listed) == 3, listed
