"""Position encodings (LSP 3.17): UTF-8, UTF-16 and UTF-32, with emoji and CJK
text before a finding on the same line."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp

from tests.lsp.conftest import (
    apply_text_edits,
    at,
    capabilities,
    change,
    diagnostics,
    edits_for,
    open_file,
    session,
    span,
)

PROMPT = (
    "---\nmodel:\n  id: gpt-4o\ninputs:\n  ticket:\n    type: string\n---\n"
    "system:\n😀 漢字 {{ tiket }}\n"
)
PREFIX = "😀 漢字 {{ "  # before `tiket` on line 8
UNITS = {
    "utf-8": len(PREFIX.encode("utf-8")),
    "utf-16": len(PREFIX.encode("utf-16-le")) // 2,
    "utf-32": len(PREFIX),
}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
async def test_positions_in_the_negotiated_encoding(encoding: str, tmp_path: Path) -> None:
    assert UNITS == {"utf-8": 15, "utf-16": 9, "utf-32": 8}
    path = tmp_path / "wide.prompty"
    path.write_text(PROMPT, encoding="utf-8")
    async with session(capabilities(encodings=[encoding])) as client:
        uri = open_file(client, path)
        start = UNITS[encoding]
        found = next(d for d in await diagnostics(client, uri, 1) if d.code == "PW003")
        assert found.range == span(8, start, 8, start + 5)
        # Inbound positions use the same unit: hover inside `tiket`.
        hover = await client.text_document_hover_async(
            lsp.HoverParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri), position=at(8, start + 2)
            )
        )
        assert hover is not None and "`tiket`" in str(hover.contents)
        # An incremental edit right after the emoji moves the finding by one "é".
        after_emoji = {"utf-8": 4, "utf-16": 2, "utf-32": 1}[encoding]
        change(client, uri, 2, span(8, after_emoji), "é")
        moved = next(d for d in await diagnostics(client, uri, 2) if d.code == "PW003")
        width = {"utf-8": 2, "utf-16": 1, "utf-32": 1}[encoding]
        assert moved.range == span(8, start + width, 8, start + width + 5)
        # Edits the server computes come back in the same unit.
        actions = await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                range=moved.range,
                context=lsp.CodeActionContext(diagnostics=[moved]),
            )
        )
        action = next(a for a in actions or [] if a.title == "Disable PW003 for this line")
        assert isinstance(action, lsp.CodeAction) and action.edit is not None
        text = PROMPT.replace("😀 ", "😀é ")
        new = apply_text_edits(text, edits_for(action.edit, uri), encoding)
        assert new.endswith("😀é 漢字 {{ tiket }} {# promptwise: disable-line=PW003 #}\n")
