"""The language server's per-document analysis budget (issue 12).

With the budget made tiny (``PROMPTWISE_ANALYSIS_BUDGET``), a document keeps
its structural findings (here an unclosed template tag, PW002), gets one
PW009 saying from which rule on the analysis was cut, loses the other rules'
findings for that version, and the server goes on answering requests.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from tests.hardening.hostile_inputs import tips
from tests.lsp.conftest import TIMEOUT, codes, diagnostics, open_file, session

TEXT = "---\nmodel: gpt-4o\n---\n# Task\n\nSummarise {{ text in some sentences.\n\n"


async def test_a_document_over_its_budget_keeps_its_structure_and_says_what_was_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMPTWISE_ANALYSIS_BUDGET", "0")
    target = tmp_path / "big.prompt"
    target.write_text(TEXT + tips(200_000), encoding="utf-8")
    other = tmp_path / "other.prompt"
    other.write_text("---\nmodel: gpt-4o\n---\nSay hello.\n", encoding="utf-8")
    async with session(folders=[tmp_path]) as client:
        uri = open_file(client, target)
        found = await diagnostics(client, uri, timeout=60)
        assert "PW002" in codes(found)  # structural: found while parsing, always kept
        cut = [d for d in found if d.code == "PW009"]
        assert len(cut) == 1 and cut[0].severity == lsp.DiagnosticSeverity.Information
        assert "analysis stopped at rule PW" in cut[0].message and "did not run" in cut[0].message
        assert "PW201" not in codes(found)  # the phrase rules were cut
        # The server still answers: a hover on the other file, and a symbol request.
        other_uri = open_file(client, other)
        await diagnostics(client, other_uri, timeout=60)
        symbols = await asyncio.wait_for(
            client.text_document_document_symbol_async(
                lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
            ),
            TIMEOUT,
        )
        assert symbols is not None


async def test_without_the_cut_the_same_document_gets_every_rule(tmp_path: Path) -> None:
    target = tmp_path / "big.prompt"
    target.write_text(TEXT + tips(2_000), encoding="utf-8")
    async with session(folders=[tmp_path]) as client:
        uri = open_file(client, target)
        found = codes(await diagnostics(client, uri, timeout=60))
        assert "PW002" in found and "PW009" not in found and "PW201" in found
