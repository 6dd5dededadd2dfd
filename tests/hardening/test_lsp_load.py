"""The language server under load: rapid edits with cancellations, hundreds of
documents opened and closed, and a client that vanishes mid-request.

The server must stay responsive (a last request is answered, and answered
correctly) and give memory back once documents close.
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

from promptwise.analysis import analyze
from promptwise.config import Settings
from promptwise.document.parse import parse_document
from tests.conftest import REPO, source_env
from tests.lsp.conftest import diagnostics, open_file, session

sys.path.insert(0, str(REPO / "bench"))
from generate import generate

DOC = lsp.TextDocumentIdentifier


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def server_pid(client: Any) -> int:
    process = client._server
    assert process is not None
    return int(process.pid)


def local_codes(text: str, path: Path) -> list[tuple[str, int, int]]:
    """What the core says about ``text``: the server must publish the same."""
    result = analyze(parse_document(text, str(path)), Settings())
    lines = result.document.lines
    return sorted(
        (f.code, lines.position(f.span.start).line, lines.position(f.span.start).character)
        for f in result.findings
    )


def published_codes(items: list[lsp.Diagnostic]) -> list[tuple[str, int, int]]:
    return sorted((str(d.code), d.range.start.line, d.range.start.character) for d in items)


pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads resident memory from /proc"
)


async def test_thousand_rapid_edits_with_cancellations(tmp_path: Path) -> None:
    path = tmp_path / "typing.prompty"
    text = generate(30_000, seed=3)
    path.write_text(text, encoding="utf-8")
    async with session(initialization_options={"debounceMs": 20}) as client:
        uri = open_file(client, path, text, language_id="prompty")
        await diagnostics(client, uri, version=1, timeout=60)
        lines = text.split("\n")
        row = next(i for i in range(len(lines) // 2, len(lines)) if lines[i][:1].isalpha())
        pending: list[asyncio.Future[Any]] = []
        column = 3
        for version in range(2, 1002):
            char = "abcdefghij"[version % 10] if version % 50 else "\n"
            client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        lsp.TextDocumentContentChangePartial(
                            range=lsp.Range(
                                start=lsp.Position(line=row, character=column),
                                end=lsp.Position(line=row, character=column),
                            ),
                            text=char,
                        )
                    ],
                )
            )
            lines[row] = lines[row][:column] + char + lines[row][column:]
            if char == "\n":
                head, tail = lines[row].split("\n", 1)
                lines[row : row + 1] = [head, tail]
                row, column = row + 1, 0
            else:
                column += 1
            if version % 7 == 0:  # ask, then change our mind at once
                msg_id = f"load-{version}"
                method = (
                    lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL
                    if version % 2
                    else lsp.TEXT_DOCUMENT_CODE_LENS
                )
                params = (
                    lsp.DocumentSymbolParams(text_document=DOC(uri=uri))
                    if version % 2
                    else lsp.CodeLensParams(text_document=DOC(uri=uri))
                )
                pending.append(
                    asyncio.ensure_future(
                        client.protocol.send_request_async(method, params, msg_id=msg_id)
                    )
                )
                client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id=msg_id))
            if version % 25 == 0:
                await asyncio.sleep(0)  # let the transport flush, as a fast typist would
        final = "\n".join(lines)
        published = await diagnostics(client, uri, version=1001, timeout=120)
        done, waiting = await asyncio.wait(pending, timeout=60)
        assert not waiting, f"{len(waiting)} cancelled requests never completed"
        # Each cancelled request ends as an answer or as a cancellation, never another error.
        errors = [f.exception() for f in done if f.exception() is not None]
        assert all("cancel" in f"{type(e).__name__} {e}".lower() for e in errors), errors[:3]
        # The server is still responsive, and its view of the text is exactly ours.
        symbols = await asyncio.wait_for(
            client.text_document_document_symbol_async(
                lsp.DocumentSymbolParams(text_document=DOC(uri=uri))
            ),
            30,
        )
        assert symbols, "no answer after the edit storm"
        assert published_codes(published) == local_codes(final, path)


async def test_two_hundred_documents_opened_and_closed(tmp_path: Path) -> None:
    """Two rounds of 200 documents of 20 KB opened, analysed and closed.

    After the first round the server gives back what it cached for the
    closed documents; what stays resident is allocator fragmentation, which
    the second round reuses: memory does not climb round after round.
    """
    folder = tmp_path / "many"
    folder.mkdir()
    rounds: list[list[Path]] = []
    for r in range(2):
        files = []
        for i in range(200):
            path = folder / f"r{r}-p{i:03}.prompty"
            path.write_text(generate(20_000, seed=1000 + 200 * r + i), encoding="utf-8")
            files.append(path)
        rounds.append(files)
    warm = folder / "warm.prompty"
    warm.write_text(generate(2_000, seed=1), encoding="utf-8")
    async with session(initialization_options={"debounceMs": 0}) as client:
        pid = server_pid(client)
        uri = open_file(client, warm, language_id="prompty")
        await diagnostics(client, uri, version=1, timeout=60)
        baseline = rss_mb(pid)
        peaks: list[float] = []
        afters: list[float] = []
        for number, files in enumerate(rounds):
            uris = [open_file(client, path, language_id="prompty") for path in files]
            for uri in uris:
                await diagnostics(client, uri, version=1, timeout=120)
            peaks.append(rss_mb(pid))
            for uri in uris:
                client.text_document_did_close(
                    lsp.DidCloseTextDocumentParams(text_document=DOC(uri=uri))
                )
            # A request after the closes is answered once they are processed.
            symbols = await asyncio.wait_for(
                client.text_document_document_symbol_async(
                    lsp.DocumentSymbolParams(
                        text_document=DOC(
                            uri=open_file(client, warm, language_id="prompty", version=2 + number)
                        )
                    )
                ),
                30,
            )
            assert symbols is not None
            await asyncio.sleep(1.5)  # the release runs 0.5 s after the last close
            afters.append(rss_mb(pid))
    report = (
        f"RSS baseline {baseline:.0f} MB; round 1: 200 open {peaks[0]:.0f} MB, closed "
        f"{afters[0]:.0f} MB; round 2: {peaks[1]:.0f} MB, closed {afters[1]:.0f} MB"
    )
    print(report)
    assert max(peaks) < 400, report
    # Closing gives memory back...
    assert afters[0] < peaks[0] - 0.2 * (peaks[0] - baseline), report
    # ...and what stays is reused, not leaked: a second round ends where the first did.
    assert afters[1] <= afters[0] + 5, report
    assert peaks[1] <= peaks[0] + 10, report


def test_core_releases_memory_after_many_documents() -> None:
    """What the server can get back after closing documents: the core's side.

    Two rounds of 200 different documents, each followed by a release: the
    release gives back most of what the round grew, and the second round
    ends where the first did (what stays is fragmentation that gets reused,
    not a cache that keeps growing).
    """
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO / "bench")!r})
        from generate import generate
        from promptwise.analysis import analyze, release_memory
        from promptwise.config import Settings
        from promptwise.document.parse import parse_document

        def rss():
            for line in open("/proc/self/status"):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024

        settings = Settings()
        # The warm-up reads a token count: the encoding is built once per
        # process, and belongs to the baseline, not to what a release returns.
        analyze(parse_document(generate(2_000, seed=1), "warm.prompty"), settings).tokens.total
        out = [rss()]
        for r in range(2):
            for i in range(200):
                seed = 1000 + 200 * r + i
                analyze(parse_document(generate(20_000, seed=seed), f"p{{seed}}.prompty"),
                        settings)
            out.append(rss())
            release_memory()
            out.append(rss())
        print(*out)
    """)
    env = source_env()
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    base, peak1, after1, peak2, after2 = (float(x) for x in done.stdout.split())
    report = (
        f"base {base:.0f} MB, round 1 {peak1:.0f} -> {after1:.0f}, "
        f"round 2 {peak2:.0f} -> {after2:.0f}"
    )
    print(report)
    assert peak1 - base > 5, "the workload did not grow the caches: " + report
    assert after1 < peak1 - 0.3 * (peak1 - base), "the release gave little back: " + report
    assert after2 <= after1 + 3, "memory climbs from round to round: " + report


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body


@pytest.mark.parametrize("when", ["during-analysis", "after-request"])
def test_client_that_disconnects_mid_request(tmp_path: Path, when: str) -> None:
    """Stdin closes while a request is in flight: the server exits on its own."""
    env = source_env()
    server = subprocess.Popen(
        [sys.executable, "-m", "promptwise", "serve"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert server.stdin is not None
    uri = (tmp_path / "big.prompty").as_uri()
    text = generate(1_000_000 if when == "during-analysis" else 20_000, seed=5)
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "processId": None,
                "rootUri": tmp_path.as_uri(),
                "capabilities": {},
                "initializationOptions": {"debounceMs": 0},
            },
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": uri, "languageId": "prompty", "version": 1, "text": text}
            },
        },
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "textDocument/documentSymbol",
            "params": {"textDocument": {"uri": uri}},
        },
    ]
    try:
        for message in messages:
            server.stdin.write(_frame(message))
        server.stdin.flush()
        if when == "after-request":
            time.sleep(1.0)
        server.stdin.close()  # the client is gone, mid-request
        code = server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
            pytest.fail("the server kept running after its client disconnected")
    stderr = server.stderr.read().decode("utf-8", "replace") if server.stderr else ""
    assert code in (0, 1), stderr[-2000:]
    assert "Traceback" not in stderr, stderr[-2000:]


def teardown_module() -> None:
    gc.collect()
