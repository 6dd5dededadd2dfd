"""What one keystroke costs the server besides the analysis itself, counted, not timed.

``bench/lsp_latency.py --stages`` showed where the time between a
``didChange`` and its ``publishDiagnostics`` went; these tests hold the
fixes in place by counting the work: one parse per scheduled run (the quick
analysis hands its document to the full one), and the same findings in
the same notification on the wire as pygls would send, with each finding
converted to a diagnostic once while it stays where it is on screen.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

from promptwise.analysis import analyze
from promptwise.document.parse import parse_document
from promptwise.lsp import convert
from promptwise.lsp.analyser import Analyser
from promptwise.lsp.features import diagnostics
from promptwise.lsp.language_server import PromptwiseServer
from promptwise.lsp.server import build
from promptwise.lsp.settings import SettingsResolver
from promptwise.lsp.workspace import Snapshot

PROMPT = """---
name: support
model:
  id: gpt-4o
---
system:
You are a helpful assistant. Be concise where possible and try to be clear.

user:
{{question}}
"""


def _snapshot(tmp_path: Path, text: str, version: int) -> Snapshot:
    path = tmp_path / "support.prompty"
    return Snapshot(path.as_uri(), str(path), version, text, 0)


def test_a_scheduled_run_parses_its_text_once(tmp_path: Path) -> None:
    analyser = Analyser(SettingsResolver(lambda message: None))
    first = _snapshot(tmp_path, PROMPT, 1)
    analyser(first)  # builds gpt-4o's encoding: from now on the quick analysis stops early
    before = analyser.parses
    # What the workspace does per edit: the quick analysis, then the full one.
    edited = _snapshot(tmp_path, PROMPT.replace("helpful", "helpfull"), 2)
    assert analyser.quick(edited) is None
    result = analyser(edited)
    assert analyser.parses == before + 1
    # The handed-over document is the one a fresh parse gives: same findings.
    assert result.analysis is not None
    fresh = analyze(parse_document(edited.text, edited.path), result.analysis.settings)
    assert result.analysis.findings == fresh.findings
    assert result.analysis.document.text == edited.text
    # The full analysis took the document; a second one of the same text parses again.
    analyser(edited)
    assert analyser.parses == before + 2


def test_the_kept_document_is_for_its_own_text_only(tmp_path: Path) -> None:
    analyser = Analyser(SettingsResolver(lambda message: None))
    analyser(_snapshot(tmp_path, PROMPT, 1))
    stale = _snapshot(tmp_path, PROMPT + "\nmore\n", 2)
    assert analyser.quick(stale) is None
    # The document moved on before the full analysis of version 2 ran (superseded):
    # version 3's text is parsed, not answered with version 2's document.
    current = _snapshot(tmp_path, PROMPT + "\nmore!\n", 3)
    before = analyser.parses
    result = analyser(current)
    assert analyser.parses == before + 1
    assert result.analysis is not None and result.analysis.document.text == current.text
    # Closing documents drops whatever still waits.
    analyser.quick(_snapshot(tmp_path, PROMPT, 4))
    analyser.release()
    before = analyser.parses
    analyser(_snapshot(tmp_path, PROMPT, 4))
    assert analyser.parses == before + 1


VAGUE = """---
name: support
---
system:
You are a helpful assistant. Try to be clear.
Answer the question well and be concise where possible.
Do something appropriate if needed.
Keep it short and brief as needed.

user:
{{question}}
"""


class Wire:
    """A writer that keeps the JSON bodies the server sends."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.messages.append(json.loads(data.split(b"\r\n\r\n", 1)[1]))

    def close(self) -> None:
        pass


def _server() -> tuple[PromptwiseServer, Wire]:
    server = build()
    wire = Wire()
    server.protocol.set_writer(wire)
    return server, wire


def _publish(server: PromptwiseServer, path: Path, text: str, version: int) -> None:
    uri = path.as_uri()
    doc = server.documents.get(uri)
    if doc is None:
        doc = server.documents.open(uri, str(path), "prompty", version, text)
    doc.text, doc.version = text, version
    result = server.analyser(Snapshot(uri, str(path), version, text, 0))
    diagnostics.publish(server, doc, result)


def test_a_finding_that_stays_on_screen_is_converted_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversions: list[str] = []
    original = convert.diagnostic

    def counting(finding: Any, *args: Any) -> lsp.Diagnostic:
        conversions.append(finding.code)
        return original(finding, *args)

    monkeypatch.setattr(convert, "diagnostic", counting)
    server, wire = _server()
    path = tmp_path / "support.prompty"
    _publish(server, path, VAGUE, 1)
    first = len(conversions)
    assert first >= 5  # one per finding
    # A character typed at the start of one line moves the one finding on that line;
    # the others keep their line and column, before and after it.
    edited = VAGUE.replace("Answer the question", "XAnswer the question")
    _publish(server, path, edited, 2)
    assert conversions[first:] == ["PW204"]
    sent = wire.messages[-1]["params"]["diagnostics"]
    assert len(sent) == first
    moved = [d for d in sent if d["range"]["start"]["line"] == 5]
    assert [d["range"]["start"]["character"] for d in moved] == [41]
    # What was sent equals what pygls sends for freshly converted diagnostics.
    fresh, fresh_wire = _server()
    uri = path.as_uri()
    fresh.documents.open(uri, str(path), "prompty", 2, edited)
    result = fresh.analyser(Snapshot(uri, str(path), 2, edited, 0))
    assert result.analysis is not None
    rules = diagnostics.rules_by_code(fresh, result)
    lines = result.analysis.document.lines
    items = [
        original(f, lines, "utf-16", rules.get(f.code), lambda item: None)
        for f in result.analysis.findings
    ]
    fresh.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=uri, version=2, diagnostics=items)
    )
    assert wire.messages[-1] == fresh_wire.messages[-1]
    # Closing the document forgets its conversions.
    diagnostics.clear(server, uri)
    assert uri not in server.converted_diagnostics
