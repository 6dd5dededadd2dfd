"""The server's pure helpers, without a client: config edits, editor settings,
document edits in each position encoding, lens wording."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from promptwise.findings import apply_edits
from promptwise.lsp import suppressions
from promptwise.lsp.settings import editor_settings
from promptwise.lsp.workspace import OpenDocument


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("model: gpt-4o\n", "model: gpt-4o\nignore:\n  - PW201\n"),
        ("model: gpt-4o", "model: gpt-4o\nignore:\n  - PW201\n"),
        ("ignore: [PW101]\n", "ignore: [PW101, PW201]\n"),
        ("ignore: []\n", "ignore: [PW201]\n"),
        ("ignore:\n  - PW101\nmodel: x\n", "ignore:\n  - PW101\n  - PW201\nmodel: x\n"),
        ("ignore:\n    - PW101\n", "ignore:\n    - PW101\n    - PW201\n"),
        ("ignore: PW101\n", "ignore: [PW101, PW201]\n"),
        ("ignore:\n", "ignore: [PW201]\n"),
        (
            "# comment kept\nignore: [PW101] # why\n",
            "# comment kept\nignore: [PW101, PW201] # why\n",
        ),
    ],
)
def test_ignore_in_yaml_config(tmp_path: Path, before: str, after: str) -> None:
    config = tmp_path / "promptwise.yaml"
    config.write_text(before)
    change = suppressions.ignore_in_config(config, "PW201", tmp_path)
    assert change is not None and not change.create
    assert change.new_text == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            '[tool.promptwise]\nmodel = "gpt-4o"\n',
            '[tool.promptwise]\nignore = ["PW201"]\nmodel = "gpt-4o"\n',
        ),
        (
            '[tool.promptwise]\nignore = ["PW101"]\n',
            '[tool.promptwise]\nignore = ["PW101", "PW201"]\n',
        ),
        ("[tool.promptwise]\nignore = []\n", '[tool.promptwise]\nignore = ["PW201"]\n'),
        (
            '[tool.promptwise]\nignore = [\n  "PW101",\n]\n[tool.other]\nignore = []\n',
            '[tool.promptwise]\nignore = [\n  "PW101",\n  "PW201",\n]\n[tool.other]\nignore = []\n',
        ),
    ],
)
def test_ignore_in_pyproject(tmp_path: Path, before: str, after: str) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(before)
    change = suppressions.ignore_in_config(config, "PW201", tmp_path)
    assert change is not None and change.new_text == after


def test_already_ignored_or_broken_config_offers_nothing(tmp_path: Path) -> None:
    config = tmp_path / "promptwise.yaml"
    config.write_text("ignore: [PW201]\n")
    assert suppressions.ignore_in_config(config, "PW201", tmp_path) is None
    config.write_text("ignore: [unclosed\n")
    assert suppressions.ignore_in_config(config, "PW201", tmp_path) is None


def test_new_config_file() -> None:
    change = suppressions.ignore_in_config(None, "PW201", Path("/work/project"))
    assert change is not None and change.create
    assert change.path == Path("/work/project/promptwise.yaml")
    assert "ignore:\n  - PW201\n" in apply_edits("", change.edits)


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
    assert doc.text == "new" and [e.text for e in doc.edits_since(2)] == ["!", "new"]
