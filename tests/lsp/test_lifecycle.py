"""Initialisation: what the server announces, and that logging reaches the client."""

from __future__ import annotations

import asyncio

from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig

from tests.conftest import EXAMPLES
from tests.lsp.conftest import SERVER, capabilities, diagnostics, make_client, open_file, session

COMMANDS = {
    "promptwise.showCostComparison",
    "promptwise.showEscalationReport",
    "promptwise.reanalyze",
    "promptwise.explainRule",
    "promptwise.ignoreRuleInConfig",
    "promptwise.showWorkspaceTokens",
}


async def test_initialize_result() -> None:
    client = await ClientServerConfig(server_command=SERVER, client_factory=make_client).start()
    try:
        result = await asyncio.wait_for(
            client.initialize_session(lsp.InitializeParams(capabilities=capabilities())), 20
        )
        caps = result.capabilities
        assert result.server_info is not None and result.server_info.name == "promptwise"
        sync = caps.text_document_sync
        assert isinstance(sync, lsp.TextDocumentSyncOptions)
        assert sync.change == lsp.TextDocumentSyncKind.Incremental
        assert sync.open_close and sync.save
        assert caps.position_encoding == lsp.PositionEncodingKind.Utf16
        assert isinstance(caps.code_action_provider, lsp.CodeActionOptions)
        assert set(caps.code_action_provider.code_action_kinds or []) == {
            lsp.CodeActionKind.QuickFix,
            "source.fixAll.promptwise",
        }
        assert caps.inlay_hint_provider and caps.code_lens_provider
        assert caps.hover_provider and caps.document_symbol_provider
        assert caps.folding_range_provider
        assert isinstance(caps.completion_provider, lsp.CompletionOptions)
        assert "{" in (caps.completion_provider.trigger_characters or [])
        assert isinstance(caps.diagnostic_provider, lsp.DiagnosticOptions)
        assert caps.execute_command_provider is not None
        assert set(caps.execute_command_provider.commands) == COMMANDS
        await client.shutdown_session()
    finally:
        await client.stop()


async def test_negotiates_the_clients_preferred_encoding() -> None:
    client = await ClientServerConfig(server_command=SERVER, client_factory=make_client).start()
    try:
        result = await asyncio.wait_for(
            client.initialize_session(
                lsp.InitializeParams(capabilities=capabilities(encodings=["utf-32", "utf-8"]))
            ),
            20,
        )
        assert result.capabilities.position_encoding == lsp.PositionEncodingKind.Utf32
        await client.shutdown_session()
    finally:
        await client.stop()


async def test_python_logging_reaches_the_client_without_pygls_noise() -> None:
    async with session() as client:
        uri = open_file(client, EXAMPLES / "support.prompty")
        await diagnostics(client, uri, 1)
        messages = [m.message for m in client.log_messages]
        assert any("serving pytest-lsp" in m for m in messages), messages
        assert not any("Sending data" in m for m in messages)
