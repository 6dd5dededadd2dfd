"""What one keystroke costs the server besides the analysis itself, counted, not timed.

``bench/lsp_latency.py --stages`` showed where the time between a
``didChange`` and its ``publishDiagnostics`` went; these tests hold the
fixes in place by counting the work: one parse per scheduled run (the quick
analysis hands its document to the full one), and the same findings in
each position encoding whichever path produced them.
"""

from __future__ import annotations

from pathlib import Path

from promptwise.analysis import analyze
from promptwise.document.parse import parse_document
from promptwise.lsp.analyser import Analyser
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
