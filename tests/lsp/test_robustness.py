"""Nothing a client sends takes the server down: broken documents, bad settings,
out-of-range positions, unknown URIs, a crashing rule, a crashing stage."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

from tests.conftest import EXAMPLES
from tests.lsp.conftest import (
    at,
    change,
    codes,
    diagnostics,
    open_file,
    session,
    span,
)

DOC = lsp.TextDocumentIdentifier
BROKEN = {
    "bad-yaml.prompty": "---\nmodel: [unclosed\ninputs: {a\n---\nsystem:\nHello {{ a }}\n",
    "unterminated.prompty": "---\nmodel:\n  id: gpt-4o\n---\nsystem:\n{{ name\n{% if %}\n",
    "no-close.prompt": '---\nmodel: gpt-4o\n---\n{{#role "system"}}\n{{#if x}}\nhi\n',
    "empty.prompt.md": "",
    "nul.prompty": "system:\nhello\x00world\n",
    "surrogate.txt": "lone \ud800 surrogate {x}\n",
    "long-line.prompt.md": "# Title\n" + "word " * 60_000 + "\n",
    "broken.chat.json": '{"messages": [{"role": "system", "content": "unterminated',
    "deep.chat.yaml": "messages:\n" + "  " * 0 + "- " * 200 + "x\n",
    "weird-roles.prompty": "system:\nuser:\nassistant:\n\n\nuser:\n",
}


async def every_request(client: Any, uri: str) -> None:
    """One of each request, some with positions far outside the text."""
    far = at(10_000, 10_000)
    await client.text_document_hover_async(
        lsp.HoverParams(text_document=DOC(uri=uri), position=far)
    )
    await client.text_document_hover_async(
        lsp.HoverParams(text_document=DOC(uri=uri), position=at(0, 0))
    )
    await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=DOC(uri=uri),
            range=lsp.Range(start=at(0, 0), end=far),
            context=lsp.CodeActionContext(diagnostics=[]),
        )
    )
    await client.text_document_inlay_hint_async(
        lsp.InlayHintParams(text_document=DOC(uri=uri), range=lsp.Range(start=at(0, 0), end=far))
    )
    await client.text_document_code_lens_async(lsp.CodeLensParams(text_document=DOC(uri=uri)))
    await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=DOC(uri=uri))
    )
    await client.text_document_folding_range_async(
        lsp.FoldingRangeParams(text_document=DOC(uri=uri))
    )
    await client.text_document_completion_async(
        lsp.CompletionParams(text_document=DOC(uri=uri), position=far)
    )
    await client.protocol.send_request_async("promptwise/status", {"uri": uri})


async def test_broken_documents_and_wild_positions(tmp_path: Path) -> None:
    async with session() as client:
        for name, text in BROKEN.items():
            uri = open_file(client, tmp_path / name, text=text)
            await diagnostics(client, uri, 1)
            await every_request(client, uri)
            # An edit far past the end is clamped onto the end of the text.
            change(client, uri, 2, span(9_999, 5, 10_005, 0), "\nuser:\nmore\n")
            await diagnostics(client, uri, 2)
            await every_request(client, uri)
        # Unknown documents get empty answers.
        await every_request(client, (tmp_path / "never-opened.prompty").as_uri())
        # And the server still works for a normal file.
        uri = open_file(client, EXAMPLES / "legacy-summary.prompty")
        assert "PW003" in codes(await diagnostics(client, uri, 1))


async def test_surrogates_become_a_visible_error_not_a_crash(tmp_path: Path) -> None:
    async with session() as client:
        uri = open_file(client, tmp_path / "surrogate.txt", text=BROKEN["surrogate.txt"])
        found = await diagnostics(client, uri, 1)
        assert all(d.source == "promptwise" for d in found)
        uri2 = open_file(client, EXAMPLES / "support.prompty")
        assert await diagnostics(client, uri2, 1) is not None


async def test_broken_settings_of_every_shape(workdir: Path) -> None:
    for settings in (
        {"promptwise": 42},
        {"promptwise": {"severity": "loud"}},
        {"promptwise": {"ruleDirs": ["/does/not/exist"]}},
        {"promptwise": {"pricing": ["/does/not/exist.yaml"]}},
        {"promptwise": {"escalation": {"logs": [3]}}},
    ):
        async with session(configuration=settings, initialization_options="nonsense") as client:
            uri = open_file(client, workdir / "legacy-summary.prompty")
            assert "PW003" in codes(await diagnostics(client, uri, 1)), settings
            await every_request(client, uri)
            assert client.messages, settings  # the user is told


@pytest.fixture
def crashing() -> list[str]:
    return [sys.executable, str(Path(__file__).with_name("crashing_server.py"))]


async def test_a_crashing_rule_and_a_crashing_stage_do_not_kill_the_server(
    crashing: list[str], tmp_path: Path
) -> None:
    async with session(command=crashing) as client:
        uri = open_file(client, EXAMPLES / "support.prompty")
        found = codes(await diagnostics(client, uri, 1))
        assert "PW008" in found  # the broken rule is reported ...
        assert "PW004" in found  # ... and the other rules still run
        boom = open_file(client, tmp_path / "explode.prompty", text="system:\nhi\n")
        (failure,) = await diagnostics(client, boom, 1)
        assert failure.code == "PW008" and "deliberately broken parser" in failure.message
        await every_request(client, boom)
        assert client.log_messages and any(
            "explode.prompty" in m.message
            for m in client.log_messages
            if m.type == lsp.MessageType.Error
        )  # logged with the URI
        change(client, uri, 2, span(0, 0), "")
        assert "PW004" in codes(await diagnostics(client, uri, 2))
