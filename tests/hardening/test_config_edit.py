""" "Ignore in config" keeps the config valid, or refuses and says why.

The edit used to be blind text surgery: ``ignore: ["PW201", ]`` became
``["PW201", , PW305]``, which no YAML parser reads, so the next run had no
settings at all. Now every edit is placed by the parser's positions and the
result is parsed again: it must hold exactly the old settings plus the new
code, or nothing is written. The server command also checks that the code
it is sent is a rule code before anything reaches a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import strategies as st
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from promptwise.edits import ConfigEditError, ignore_in_config
from tests.hardening.conftest import run_property
from tests.lsp.conftest import open_file, session

CODE = "PW305"

# Config texts whose `ignore` is written in every style a person writes it.
EDITABLE = [
    'ignore: ["PW201", ]\n',
    "ignore: [PW201,]  # noisy\nmodel: gpt-4o\n",
    "ignore: [\n  PW201,  # legacy prompts\n  PW101,\n]\n",
    "ignore: [\n  PW201,\n  # more later\n]\nmodel: gpt-4o\n",
    "ignore:\n  - PW201  # why\n  # - PW999 commented out\nmodel: gpt-4o\n",
    "ignore:\n- PW201\n- PW101\nselect: [PW2]\n",
    "model: gpt-4o\nignore:\n    - 'PW201'\n",
    'ignore: "PW201"   # one code\n',
    "ignore: PW201\n",
    "ignore: []\n",
    "ignore: [ ]  # none yet\n",
    "ignore:\n",
    "ignore: ~\n",
    "# only a comment\n",
    "",
    "model: gpt-4o",
    "model: gpt-4o\r\nignore: [PW201, ]\r\n",
    "ignore: [PW201]\nmodel: gpt-4o  # ] , [ in a comment\n",
]

REFUSED = [
    ("ignore: |\n  PW201\n", "by hand"),
    ("ignore: {PW201: true}\n", "not a list"),
    ("ignore: [PW201\n", "invalid YAML"),
    ("- ignore\n", "not a mapping"),
]


def comments(text: str) -> list[str]:
    return [line[line.index("#") :].strip() for line in text.splitlines() if "#" in line]


def assert_valid_edit(before: str, after: str) -> None:
    old = yaml.safe_load(before) or {}
    new = yaml.safe_load(after)
    ignored = old.get("ignore")
    listed = [] if ignored is None else [ignored] if isinstance(ignored, str) else ignored
    assert new == {**old, "ignore": [*listed, CODE]}, after
    assert comments(after) == comments(before), after


@pytest.mark.parametrize("before", EDITABLE)
def test_yaml_edit_keeps_the_config_valid(tmp_path: Path, before: str) -> None:
    config = tmp_path / "promptwise.yaml"
    config.write_bytes(before.encode())
    change = ignore_in_config(config, CODE, tmp_path)
    assert change is not None
    assert_valid_edit(before, change.new_text)
    assert ignore_in_config(_written(config, change.new_text), CODE, tmp_path) is None


def _written(config: Path, text: str) -> Path:
    config.write_bytes(text.encode())
    return config


@pytest.mark.parametrize(("before", "reason"), REFUSED)
def test_unusual_config_is_refused_with_a_reason(tmp_path: Path, before: str, reason: str) -> None:
    config = tmp_path / "promptwise.yaml"
    config.write_text(before)
    with pytest.raises(ConfigEditError, match=reason) as caught:
        ignore_in_config(config, CODE, tmp_path)
    assert str(config) in str(caught.value)


@pytest.mark.parametrize("code", ["PW201]\nselect: [ALL", "PW2", "pw201", "", "PW1234", "x: y"])
def test_only_a_rule_code_is_written(tmp_path: Path, code: str) -> None:
    config = tmp_path / "promptwise.yaml"
    config.write_text("ignore: [PW101]\n")
    with pytest.raises(ConfigEditError, match="not a rule code"):
        ignore_in_config(config, code, tmp_path)
    with pytest.raises(ConfigEditError, match="not a rule code"):
        ignore_in_config(None, code, tmp_path)


def test_toml_edit_keeps_the_table_valid(tmp_path: Path) -> None:
    import tomllib

    config = tmp_path / "pyproject.toml"
    before = '[tool.promptwise]\nignore = ["PW201", ]  # legacy\nmodel = "gpt-4o"\n'
    config.write_text(before)
    change = ignore_in_config(config, CODE, tmp_path)
    assert change is not None
    table = tomllib.loads(change.new_text)["tool"]["promptwise"]
    assert table == {"ignore": ["PW201", CODE], "model": "gpt-4o"}
    assert "# legacy" in change.new_text


# Generated flow and block lists: random spacing, trailing commas, comments,
# quoting and line breaks. Each edit is valid with exactly the code added,
# or refused with a reason; never invalid.
_item = st.sampled_from(["PW201", "'PW101'", '"PW202"', "PW4"])
_gap = st.sampled_from(["", " ", "  ", "\n  ", "\n", " # c\n  "])


@st.composite
def configs(draw: Any) -> str:
    items = draw(st.lists(_item, max_size=4))
    before = draw(st.sampled_from(["", "model: gpt-4o\n", "# head\n"]))
    after = draw(st.sampled_from(["", "select: [PW2]\n", "# tail\n", "model: x  # [ ] ,\n"]))
    if draw(st.booleans()):
        body = "[" + draw(_gap)
        for item in items:
            body += item + draw(_gap) + "," + draw(_gap)
        if items and not draw(st.booleans()):
            body = body.rstrip(" ,\n#c")  # no trailing comma
            body += draw(st.sampled_from(["", " ", "\n"]))
        body += "]"
        line = "ignore: " + body + draw(st.sampled_from(["", "  # trailing"])) + "\n"
    else:
        indent = draw(st.sampled_from(["", "  ", "    "]))
        line = "ignore:\n" + "".join(
            f"{indent}- {item}{draw(st.sampled_from(['', '  # c']))}\n" for item in items
        )
        if not items:
            line = "ignore: []\n"
    return before + line + after


def test_generated_lists_are_edited_validly_or_refused(tmp_path: Path, fuzz_seed: int) -> None:
    config = tmp_path / "promptwise.yaml"

    def check(text: str) -> None:
        try:
            old = yaml.safe_load(text)
        except yaml.YAMLError:
            return  # the generator wrote invalid YAML: not a config to edit
        if CODE in (old or {}).get("ignore") or []:
            return
        config.write_text(text)
        try:
            change = ignore_in_config(config, CODE, tmp_path)
        except ConfigEditError as exc:
            assert str(config) in str(exc)
            return
        assert change is not None
        assert_valid_edit(text, change.new_text)

    run_property("config-edit", configs(), check, fuzz_seed, 400)


async def test_server_command_edits_validly_and_checks_the_code(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    prompt = folder / "support.prompt.md"
    prompt.write_text("# Support\n\nGive some tips on refunds.\n")
    config = folder / "promptwise.yaml"
    before = 'ignore: ["PW201", ]  # keep this\nmodel: gpt-4o\n'
    config.write_text(before)

    async def run(*arguments: Any) -> Any:
        return await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(
                command="promptwise.ignoreRuleInConfig", arguments=[*arguments]
            )
        )

    async with session(folders=[folder]) as client:
        uri = open_file(client, prompt)
        for bad in ("PW201]\nselect: [ALL", "PW999", 7, "../../etc/passwd"):
            with pytest.raises(JsonRpcException, match="rule code"):
                await run(uri, bad)
            assert config.read_text() == before
        result = await run(uri, "PW101")
        assert result["changed"] is True
        after = config.read_text()
        assert yaml.safe_load(after) == {"ignore": ["PW201", "PW101"], "model": "gpt-4o"}
        assert "# keep this" in after
        assert (await run(uri, "PW101"))["changed"] is False  # already there
        config.write_text("ignore: |\n  PW201\n")
        result = await run(uri, "PW101")
        assert result["changed"] is False and "by hand" in result["reason"]
        assert config.read_text() == "ignore: |\n  PW201\n"


def test_a_config_linking_out_of_its_folder_is_not_edited(tmp_path: Path) -> None:
    """Writing through the link would change a file outside the repository."""
    outside = tmp_path / "outside.yaml"
    outside.write_text("ignore: [PW201]\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    config = repo / "promptwise.yaml"
    config.symlink_to(outside)
    with pytest.raises(ConfigEditError, match="not followed"):
        ignore_in_config(config, CODE, repo)
    assert outside.read_text() == "ignore: [PW201]\n"
    # A link that stays inside the repository is edited as the file it names.
    (repo / "shared.yaml").write_text("ignore: [PW201]\n")
    config.unlink()
    config.symlink_to("shared.yaml")
    change = ignore_in_config(config, CODE, repo)
    assert change is not None
    assert yaml.safe_load(change.new_text) == {"ignore": ["PW201", CODE]}
