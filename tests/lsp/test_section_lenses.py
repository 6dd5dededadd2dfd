"""Per-section token counts as code lenses, with the `sectionLenses` setting."""

from __future__ import annotations

from lsprotocol import types as lsp

from tests.conftest import EXAMPLES
from tests.lsp.conftest import diagnostics, open_file, session

DOC = lsp.TextDocumentIdentifier


async def test_each_message_and_heading_gets_a_lens_with_its_tokens_share_and_cost() -> None:
    settings = {"promptwise": {"sectionLenses": True}}
    async with session(configuration=settings) as client:
        path = EXAMPLES / "support.prompty"
        uri = open_file(client, path)
        await diagnostics(client, uri, 1)
        lenses = await client.text_document_code_lens_async(
            lsp.CodeLensParams(text_document=DOC(uri=uri))
        )
        assert lenses is not None
        lines = path.read_text(encoding="utf-8").splitlines()
        sections = [lens for lens in lenses if lens.range.start.line > 0]
        roles = [lines[lens.range.start.line].strip() for lens in sections]
        assert roles == ["system:", "# Policy", "user:"]
        titles = [lens.command.title for lens in sections if lens.command is not None]
        assert [t.split(" · ")[0] for t in titles] == ["system message", "Policy", "user message"]
        for lens in sections:
            assert lens.command is not None and lens.command.command == ""
            _, count, share, cost = lens.command.title.split(" · ")
            assert count.endswith(" tok") and int(count.split()[0].replace(",", "")) > 0
            assert share.endswith("% of the prompt") and cost.startswith("$")


async def test_without_the_setting_only_the_file_lens() -> None:
    async with session(configuration={"promptwise": {}}) as client:
        uri = open_file(client, EXAMPLES / "support.prompty")
        await diagnostics(client, uri, 1)
        lenses = await client.text_document_code_lens_async(
            lsp.CodeLensParams(text_document=DOC(uri=uri))
        )
        assert lenses is not None and [lens.range.start.line for lens in lenses] == [0]
