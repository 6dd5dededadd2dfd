"""Diagnostics: every format, the same findings as the core, moving with edits."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from promptwise.analysis import analyze_text, rules_for
from promptwise.config import find_config, load_settings
from promptwise.document.text import LineIndex
from tests.conftest import EXAMPLES
from tests.lsp.conftest import (
    RecordingClient,
    barrier,
    capabilities,
    change,
    codes,
    diagnostics,
    open_file,
    opened,
    session,
    span,
    until,
)

# Tests that only look share one server (see `shared`); the others start their own.
pytestmark = pytest.mark.asyncio(loop_scope="session")

EXAMPLE_FILES = [
    "support.prompty",
    "legacy-summary.prompty",
    "classify-ticket.prompt",
    "review.prompt.md",
    "AGENTS.md",
    "extract-invoice.chat.json",
    "rewrite.chat.yaml",
    "translate.txt",
]


def expected(path: Path) -> list[tuple[str, int, int, int, int, str]]:
    """What the core (and so the CLI) finds, in UTF-16 positions."""
    text = path.read_text(encoding="utf-8")
    settings = load_settings(find_config(path))
    analysis = analyze_text(text, str(path), settings)
    lines = LineIndex(text)
    out = []
    for f in analysis.findings:
        r = lines.range(f.span, "utf-16")
        out.append(
            (f.code, r.start.line, r.start.character, r.end.line, r.end.character, f.message)
        )
    return sorted(out)


def as_tuples(items: list[lsp.Diagnostic]) -> list[tuple[str, int, int, int, int, str]]:
    return sorted(
        (
            str(d.code),
            d.range.start.line,
            d.range.start.character,
            d.range.end.line,
            d.range.end.character,
            d.message,
        )
        for d in items
    )


async def test_every_example_format_matches_the_core(shared: RecordingClient) -> None:
    client = shared
    async with contextlib.AsyncExitStack() as stack:
        uris = {
            name: await stack.enter_async_context(opened(client, EXAMPLES / name))
            for name in EXAMPLE_FILES
        }
        rules = rules_for(load_settings(find_config(EXAMPLES / "support.prompty"))).by_code()
        for name, uri in uris.items():
            got = await diagnostics(client, uri, 1)
            assert as_tuples(got) == expected(EXAMPLES / name), name
            for d in got:
                assert d.source == "promptwise"
                assert d.code_description is not None
                assert d.code_description.href == rules[str(d.code)].docs_url
                assert d.severity is not None


async def test_known_findings_in_the_examples(shared: RecordingClient) -> None:
    client = shared
    async with (
        opened(client, EXAMPLES / "legacy-summary.prompty") as legacy,
        opened(client, EXAMPLES / "support.prompty") as support,
    ):
        found = await diagnostics(client, legacy, 1)
        undefined = next(d for d in found if d.code == "PW003")
        assert undefined.range == span(24, 3, 24, 8)  # `tiket` in {{ tiket }}
        assert undefined.severity == lsp.DiagnosticSeverity.Error
        assert "ticket" in undefined.message  # "did you mean `ticket`?"
        related = undefined.related_information or []
        assert related and related[0].location.uri == legacy
        assert related[0].location.range.start.line == 12  # the `inputs:` block
        unused = [d for d in await diagnostics(client, support, 1) if d.code == "PW004"]
        assert [d.range.start.line for d in unused] == [17]  # order_history


async def test_incremental_edits_move_diagnostics_with_the_text() -> None:
    async with session(initialization_options={"debounceMs": 0}) as client:
        uri = open_file(client, EXAMPLES / "legacy-summary.prompty")
        first = next(d for d in await diagnostics(client, uri, 1) if d.code == "PW003")
        assert first.range == span(24, 3, 24, 8)
        # Two new lines above the variable: it moves down two lines.
        change(client, uri, 2, span(21, 0), "Be factual.\n\n")
        moved = next(d for d in await diagnostics(client, uri, 2) if d.code == "PW003")
        assert moved.range == span(26, 3, 26, 8)
        # Text before it on its own line: the columns move.
        change(client, uri, 3, span(26, 0), ">> ")
        shifted = next(d for d in await diagnostics(client, uri, 3) if d.code == "PW003")
        assert shifted.range == span(26, 6, 26, 11)
        # Fix the typo: the finding goes away.
        change(client, uri, 4, span(26, 6, 26, 11), "ticket")
        assert "PW003" not in codes(await diagnostics(client, uri, 4))
        # Undo everything with a full-text change.
        change(client, uri, 5, None, (EXAMPLES / "legacy-summary.prompty").read_text())
        back = next(d for d in await diagnostics(client, uri, 5) if d.code == "PW003")
        assert back.range == first.range


async def test_typing_is_debounced_and_stale_versions_are_never_published() -> None:
    async with session(initialization_options={"debounceMs": 200}) as client:
        uri = open_file(client, EXAMPLES / "legacy-summary.prompty")
        await diagnostics(client, uri, 1)
        before = len(client.published[uri])
        for i in range(2, 22):  # 20 keystrokes, far faster than the debounce
            change(client, uri, i, span(21, i - 2), "x")
        final = await diagnostics(client, uri, 21, after=before)
        assert "PW003" in codes(final)
        await asyncio.sleep(0.5)
        versions = [p.version for p in client.published[uri][before:]]
        assert versions == [21], versions  # one publication, for the last version only


async def test_closing_clears_diagnostics_and_skips_pending_work() -> None:
    async with session(initialization_options={"debounceMs": 300}) as client:
        uri = open_file(client, EXAMPLES / "legacy-summary.prompty")
        await diagnostics(client, uri, 1)
        change(client, uri, 2, span(21, 0), "more text ")
        client.text_document_did_close(
            lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        await until(lambda: not client.published[uri][-1].diagnostics, message="clear")
        await asyncio.sleep(0.6)  # past the debounce: nothing is published for the closed file
        assert not client.published[uri][-1].diagnostics
        assert all(p.version != 2 for p in client.published[uri])


async def test_save_republishes(shared: RecordingClient) -> None:
    client = shared
    async with opened(client, EXAMPLES / "support.prompty") as uri:
        await diagnostics(client, uri, 1)
        before = len(client.published[uri])
        client.text_document_did_save(
            lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        await diagnostics(client, uri, 1, after=before)


async def test_pull_diagnostics_replace_push() -> None:
    async with session(capabilities(pull=True)) as client:
        uri = open_file(client, EXAMPLES / "legacy-summary.prompty")
        report = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
        assert as_tuples(list(report.items)) == expected(EXAMPLES / "legacy-summary.prompty")
        again = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                previous_result_id=report.result_id,
            )
        )
        assert isinstance(again, lsp.RelatedUnchangedDocumentDiagnosticReport)
        change(client, uri, 2, span(24, 3, 24, 8), "ticket")
        fixed = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                previous_result_id=report.result_id,
            )
        )
        assert isinstance(fixed, lsp.RelatedFullDocumentDiagnosticReport)
        assert "PW003" not in codes(list(fixed.items))
        await asyncio.sleep(0.3)
        assert client.published.get(uri, []) == []  # pull clients get no pushes


@pytest.mark.parametrize("name", ["notes.json", "settings.yaml"])
async def test_json_and_yaml_that_are_not_chat_files_stay_quiet(
    name: str, tmp_path: Path, shared: RecordingClient
) -> None:
    path = tmp_path / name
    path.write_text('{"name": "not a prompt"}\n' if name.endswith(".json") else "a: 1\n")
    async with opened(shared, path) as uri:
        client = shared
        assert await diagnostics(client, uri, 1) == []


def _deferred(code: str) -> bool:
    """Codes the first diagnostics leave for after the encoding is built."""
    return code.startswith(("PW5", "PW9")) or code == "PW007"


async def test_first_diagnostics_do_not_wait_for_the_encoding(tmp_path: Path) -> None:
    """A fresh server has no encoding built: the phrase findings are published
    first, the token-dependent ones (PW5xx) follow for the same version."""
    path = tmp_path / "fresh.prompt"
    text = "---\nmodel: no-such-model-xyz\n---\nGive some tips about the product.\n"
    async with session(folders=[tmp_path]) as client:
        uri = open_file(client, path, text)
        await until(lambda: len(client.published[uri]) >= 2, message="a second publication")
        first, full = client.published[uri][:2]
        assert first.version == full.version == 1
        assert codes(first.diagnostics) == ["PW201"]
        assert codes(full.diagnostics) == ["PW201", "PW501"]


async def test_quick_diagnostics_are_the_full_ones_without_the_deferred_rules() -> None:
    """Every example opened at launch: where a quick publication came first, it holds
    exactly the full findings minus PW5xx, PW9xx and PW007, at the same places."""
    async with session() as client:
        uris = [open_file(client, EXAMPLES / name) for name in EXAMPLE_FILES]
        for uri in uris:
            await diagnostics(client, uri, 1)
        await until(
            lambda: len(client.published[uris[0]]) >= 2,
            message="the first file's full publication",
        )
        await barrier(client)
        twice = 0
        for uri in uris:
            full = client.published[uri][-1].diagnostics
            first = client.published[uri][0].diagnostics
            if len(client.published[uri]) < 2:
                continue  # opened after the encoding was built: one publication
            twice += 1

            def key(d: lsp.Diagnostic) -> tuple[str, int, int, str]:
                return (str(d.code), d.range.start.line, d.range.start.character, d.message)

            assert sorted(map(key, first)) == sorted(
                key(d) for d in full if not _deferred(str(d.code))
            ), uri
        assert twice >= 1
