"""The server's pure helpers, without a client: editor settings, document edits
in each position encoding, lens wording."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from promptwise.lsp.settings import SETTINGS_WAIT_ENV, editor_settings, settings_wait
from promptwise.lsp.workspace import OpenDocument


def test_editor_settings_drop_only_the_bad_keys() -> None:
    parsed = editor_settings(
        {
            "callsPerDay": "many",
            "ignore": ["PW201"],
            "budget": {"maxTokens": 0, "maxCostPerDay": 2},
            "unknownThing": 1,
            "logLevel": "debug",
            "interpreter": ["/usr/bin/python3"],
        }
    )
    assert parsed.analysis == {"ignore": ["PW201"], "budget": {"maxCostPerDay": 2}}
    assert parsed.level == 10
    assert len(parsed.problems) == 3
    assert editor_settings(None).analysis == {}


@pytest.mark.parametrize(("encoding", "column"), [("utf-8", 6), ("utf-16", 4), ("utf-32", 3)])
def test_document_edits_in_each_encoding(encoding: str, column: int) -> None:
    doc = OpenDocument("file:///a.prompty", "/a.prompty", "prompty", 1, "a😀b\nsecond\n")
    rng = SimpleNamespace(
        start=SimpleNamespace(line=0, character=column),
        end=SimpleNamespace(line=0, character=column),
    )
    doc.apply([SimpleNamespace(range=rng, text="X")], 2, encoding)  # type: ignore[arg-type]
    assert doc.text == "a😀bX\nsecond\n" and doc.version == 2
    # Positions past the end are clamped; a change without a range replaces everything.
    far = SimpleNamespace(
        start=SimpleNamespace(line=99, character=0), end=SimpleNamespace(line=99, character=5)
    )
    doc.apply([SimpleNamespace(range=far, text="!")], 3, encoding)  # type: ignore[arg-type]
    assert doc.text.endswith("second\n!")
    doc.apply([SimpleNamespace(range=None, text="new")], 4, encoding)  # type: ignore[arg-type]
    assert doc.text == "new" and doc.version == 4


def test_the_settings_wait_comes_from_the_client_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SETTINGS_WAIT_ENV, raising=False)
    assert settings_wait(editor_settings(None)) == 5.0
    monkeypatch.setenv(SETTINGS_WAIT_ENV, "250")
    assert settings_wait(editor_settings({"model": "gpt-4o"})) == 0.25
    initial = editor_settings({"settingsWaitMs": 0, "model": "gpt-4o"})
    assert settings_wait(initial) == 0.0 and initial.analysis == {"model": "gpt-4o"}
    monkeypatch.setenv(SETTINGS_WAIT_ENV, "soon")
    assert settings_wait(editor_settings(None)) == 5.0  # unreadable: the default, and a log line
    bad = editor_settings({"settingsWaitMs": -1})
    assert settings_wait(bad) == 5.0 and "settingsWaitMs" in bad.problems[0]
