"""The escalation advisor's slot: a second lens, its report command, and re-analysis
when a watched failure log changes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from lsprotocol import types as lsp

from tests.conftest import EXAMPLES
from tests.lsp.conftest import codes, diagnostics, open_file, session, until


def write_log(path: Path, versions: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for version in range(1, versions + 1):
            out.write(
                json.dumps(
                    {
                        "prompt": "support.prompty",
                        "version": version,
                        "case": "refund-window",
                        "passed": False,
                        "category": "knowledge",
                        "reason": "quoted the wrong refund window",
                    }
                )
                + "\n"
            )
            out.write(
                json.dumps(
                    {
                        "prompt": "support.prompty",
                        "version": version,
                        "case": "greeting",
                        "passed": True,
                    }
                )
                + "\n"
            )


async def lenses(client: object, uri: str) -> list[lsp.CodeLens]:
    found = await client.text_document_code_lens_async(  # type: ignore[attr-defined]
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    return list(found or [])


async def test_escalation_lens_report_and_log_watching(tmp_path: Path) -> None:
    (tmp_path / "support.prompty").write_text((EXAMPLES / "support.prompty").read_text())
    (tmp_path / "promptwise.yaml").write_text("escalation:\n  logs:\n    - evals/*.jsonl\n")
    (tmp_path / "evals").mkdir()
    log = tmp_path / "evals" / "run.jsonl"
    write_log(log, 35)
    async with session(folders=[tmp_path]) as client:
        uri = open_file(client, tmp_path / "support.prompty")
        await diagnostics(client, uri, 1)
        # The logs are read off the analysis path; once read, the file is analysed again.
        await until(
            lambda: any(c.startswith("PW9") for c in codes(client.published[uri][-1].diagnostics)),
            message="escalation findings once the log is read",
        )
        cost, advice = await lenses(client, uri)
        assert cost.command is not None and advice.command is not None
        assert advice.command.command == "promptwise.showEscalationReport"
        assert "35 iterations" in advice.command.title
        report = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="promptwise.showEscalationReport", arguments=[uri])
        )
        assert "refund-window" in report["markdown"]
        # The log is rewritten with fewer iterations; the watcher event re-analyses.
        write_log(log, 3)
        count = len(client.published[uri])
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[lsp.FileEvent(uri=log.as_uri(), type=lsp.FileChangeType.Changed)]
            )
        )
        await diagnostics(client, uri, 1, after=count)

        async def still_35() -> bool:
            titles = [lens.command.title for lens in await lenses(client, uri) if lens.command]
            return any("35 iterations" in t for t in titles)

        for _ in range(500):
            if not await still_35():
                break
            await asyncio.sleep(0.02)
        assert not await still_35()


async def test_a_large_log_never_delays_the_first_diagnostics(tmp_path: Path) -> None:
    """Structural and rule findings are published before any log is read; the
    escalation findings follow in a later publication."""
    (tmp_path / "support.prompty").write_text((EXAMPLES / "support.prompty").read_text())
    (tmp_path / "promptwise.yaml").write_text("escalation:\n  logs:\n    - evals/*.jsonl\n")
    (tmp_path / "evals").mkdir()
    write_log(tmp_path / "evals" / "run.jsonl", 35)
    with (tmp_path / "evals" / "bulk.jsonl").open("w", encoding="utf-8") as out:
        for n in range(60_000):  # other prompts' results: read, then ignored
            row = {"prompt": "other.txt", "version": n % 40, "case": f"c{n}", "passed": False}
            out.write(json.dumps(row) + "\n")
    async with session(folders=[tmp_path]) as client:
        uri = open_file(client, tmp_path / "support.prompty")
        first = await diagnostics(client, uri, 1)
        assert first and not any(c.startswith("PW9") for c in codes(first)), codes(first)
        await until(
            lambda: any(c.startswith("PW9") for c in codes(client.published[uri][-1].diagnostics)),
            message="escalation findings once the logs are read",
        )
        later = client.published[uri][-1].diagnostics
        assert set(codes(first)) <= set(codes(later))
