"""Inputs small on disk that would be huge once loaded: YAML aliases of big
scalars, and a price table nested thousands of levels deep."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from promptwise.document import yamlnodes
from promptwise.document.parse import parse_document
from tests.conftest import EXAMPLES, source_env
from tests.lsp.conftest import diagnostics, open_file, session, until

ENV = source_env()


def aliased_chat(anchor_chars: int, aliases: int, tab: bool = False) -> str:
    """A chat file whose first message is anchored and repeated ``aliases`` times."""
    words = "word " * (anchor_chars // 5)
    lines = ["messages:", "  - role: system", f'    content: &a "{words}"']
    lines += ["  - role: user", "    content: *a"] * aliases
    if tab:
        lines.append("#\tthe tab sends the text down the pure-Python loader")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("tab", [False, True], ids=["libyaml", "pure-python"])
def test_aliases_of_a_big_scalar_are_refused(tab: bool) -> None:
    text = aliased_chat(1_000_000, 100, tab)  # 1 MB on disk, 101 MB once expanded
    doc = parse_document(text, "chat.yaml")
    assert any("expand the text" in p.message for p in doc.problems), doc.problems
    with pytest.raises(yamlnodes.YamlProblem, match="refusing a possible alias bomb"):
        yamlnodes.load(text)


@pytest.mark.parametrize(
    ("anchor", "aliases"),
    [(2_000, 10), (20_000, 40), (300_000, 2), (300_000, 5), (600_000, 3), (3_000_000, 1)],
)
def test_what_loads_is_at_most_the_expansion_limit(anchor: int, aliases: int) -> None:
    """Loaded or refused, never more than twice the file (or 1 MB) of text to analyse."""
    text = aliased_chat(anchor, aliases)
    expanded = anchor * (aliases + 1)
    limit = yamlnodes.expansion_limit(text)
    try:
        value = yamlnodes.load(text).value
    except yamlnodes.YamlProblem:
        assert expanded > limit  # refused only when over
        return
    assert expanded <= limit
    assert sum(len(m["content"]) for m in value["messages"]) <= limit


def test_small_reuse_of_anchors_still_loads() -> None:
    text = aliased_chat(5_000, 20)  # a shared system prompt reused across test chats
    assert len(yamlnodes.load(text).value["messages"]) == 21


def deep_table(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "prices.json").write_text("[" * 200_000 + "]" * 200_000)
    (project / "promptwise.yaml").write_text("pricing: [prices.json]\n")
    (project / "a.prompty").write_text("---\nmodel: gpt-4o\n---\nsystem:\nSay hello.\n")
    return project


def test_deeply_nested_json_price_table_is_a_clear_error(tmp_path: Path) -> None:
    project = deep_table(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "promptwise", "check", "a.prompty"],
        cwd=project,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "prices.json" in done.stderr and "nested too deeply" in done.stderr
    assert "internal error" not in done.stderr


async def test_deeply_nested_price_table_leaves_the_server_working(tmp_path: Path) -> None:
    project = deep_table(tmp_path)
    prices = str(project / "prices.json")
    async with session(configuration={"promptwise": {"pricing": [prices]}}) as client:
        for path in (project / "a.prompty", EXAMPLES / "support.prompty"):
            uri = open_file(client, path)
            assert isinstance(await diagnostics(client, uri, 1), list)
        await until(
            lambda: any("nested too deeply" in m.message for m in client.messages),
            message="the user to be told about the price table",
        )
