"""Configuration: discovery, precedence, validation with file, line and key, and
everything derived from the one definition of each setting."""

from __future__ import annotations

import argparse
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from promptwise.config import (
    SETTINGS,
    InvalidSettings,
    Settings,
    apply,
    find_config,
    invalidate_discovery,
    load_settings,
    merge_overrides,
    problems_in,
    resolve_path,
)
from promptwise.config_schema import (
    Flag,
    Integer,
    Reader,
    Strings,
    add_flag,
    flag_value,
    leaves,
    parse_table,
    setting,
    settings_table,
    vscode_properties,
)
from promptwise.errors import ConfigError
from promptwise.findings import Severity
from tests.conftest import REPO

CLIENT = REPO / "client-vscode"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    invalidate_discovery()
    return path


def test_defaults() -> None:
    settings = Settings()
    assert settings.model == "gpt-4o"
    assert settings.select == ("PW",)
    assert settings.escalation.iteration_threshold == 30
    assert len(settings.comparison_models) == 5


def test_yaml_config_is_found_upward(tmp_path: Path) -> None:
    config = write(tmp_path / "promptwise.yaml", "model: gpt-4.1\ncalls_per_day: 5000\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_config(nested / "x.prompty") == config
    settings = load_settings(config)
    assert settings.model == "gpt-4.1" and settings.calls_per_day == 5000
    assert settings.root == str(tmp_path.resolve())


def test_nearest_config_wins(tmp_path: Path) -> None:
    write(tmp_path / "promptwise.yaml", "model: gpt-4.1\n")
    inner = write(tmp_path / "sub" / ".promptwise.yaml", "model: gpt-4o-mini\n")
    assert find_config(tmp_path / "sub" / "p.prompt") == inner


def test_pyproject_table(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.promptwise]\nmodel = "o3"\nignore = ["PW2"]\n'
        "[tool.promptwise.budget]\nmax_tokens = 900\n",
    )
    config = find_config(tmp_path)
    settings = load_settings(config)
    assert settings.model == "o3" and settings.ignore == ("PW2",)
    assert settings.budget.max_tokens == 900


def test_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert (
        find_config(tmp_path / "file.prompty") is None
        or find_config(tmp_path / "file.prompty") != tmp_path / "pyproject.toml"
    )


def test_precedence_defaults_file_editor_cli(tmp_path: Path) -> None:
    config = write(
        tmp_path / "promptwise.yaml",
        "model: gpt-4.1\ncalls_per_day: 10\nexpected_output_tokens: 50\n",
    )
    settings = load_settings(config)
    settings = merge_overrides(
        settings,
        [
            ("editor", {"callsPerDay": 20, "expectedOutputTokens": 60}),
            ("command line", {"calls_per_day": 30}),
        ],
    )
    assert settings.model == "gpt-4.1"  # file beats defaults
    assert settings.expected_output_tokens == 60  # editor beats file
    assert settings.calls_per_day == 30  # command line beats editor
    assert settings.sources[-2:] == ("editor", "command line")


def test_unknown_key_names_file_line_and_key(tmp_path: Path) -> None:
    config = write(tmp_path / "promptwise.yaml", "model: gpt-4o\ncals_per_day: 5\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    message = str(info.value)
    assert str(config) in message and ":2:" in message
    assert "`cals_per_day`" in message and "calls_per_day" in message  # did you mean


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("calls_per_day: lots\n", "calls_per_day", "whole number"),
        ("calls_per_day: -5\n", "calls_per_day", "at least 0"),
        ("select: [PW2, E501]\n", "select", "not a rule code"),
        ("severity:\n  PW201: fatal\n", "severity.PW201", "unknown severity"),
        ("budget:\n  max_cost_per_call: cheap\n", "budget.max_cost_per_call", "expected a number"),
        ("budget:\n  max_money: 3\n", "budget.max_money", "unknown setting"),
        ("escalation:\n  iteration_threshold: 0\n", "escalation.iteration_threshold", "at least 1"),
        ("preview: maybe\n", "preview", "true or false"),
        ("include: 3\n", "include", "list of strings"),
    ],
)
def test_bad_values(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    config = write(tmp_path / "promptwise.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert info.value.key == key and fragment in str(info.value)
    assert info.value.path == str(config) and info.value.line is not None


def test_broken_yaml_and_toml(tmp_path: Path) -> None:
    config = write(tmp_path / "promptwise.yaml", "model: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_settings(config)
    toml = write(tmp_path / "t" / "pyproject.toml", "[tool.promptwise\nmodel = 1\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(toml)


def test_config_must_be_a_mapping(tmp_path: Path) -> None:
    config = write(tmp_path / "promptwise.yaml", "- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(config)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.yaml")


def test_severity_and_per_file_ignores(tmp_path: Path) -> None:
    config = write(
        tmp_path / "promptwise.yaml",
        "severity:\n  PW2: error\n  pw201: info\n"
        "per_file_ignores:\n  'legacy/*.prompty': [PW1, PW003]\n",
    )
    settings = load_settings(config)
    assert settings.severity == {"PW2": Severity.ERROR, "PW201": Severity.INFO}
    assert settings.per_file_ignores == {"legacy/*.prompty": ("PW1", "PW003")}


def test_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    config = write(tmp_path / "cfg" / "promptwise.yaml", "rule_dirs: [my_rules]\n")
    settings = load_settings(config)
    expected = (tmp_path / "cfg" / "my_rules").resolve()
    assert resolve_path(settings, settings.rule_dirs[0]) == expected


def test_editor_settings_in_camel_case() -> None:
    settings = apply(
        Settings(),
        {"comparisonModels": ["gpt-4o"], "debounceMs": 0, "escalation": {"iterationThreshold": 12}},
        "editor",
    )
    assert settings.comparison_models == ("gpt-4o",)
    assert settings.debounce_ms == 0
    assert settings.escalation.iteration_threshold == 12


def test_every_bad_key_is_reported_at_once(tmp_path: Path) -> None:
    config = write(
        tmp_path / "promptwise.yaml",
        "model: gpt-4o\ncals_per_day: 5\nselect: [E501]\n"
        "severity: {PW2: fatal, PW3: error, X1: info}\nbudget: {max_tokens: 0}\n",
    )
    with pytest.raises(InvalidSettings) as info:
        load_settings(config)
    keys = [p.key for p in info.value.problems]
    assert keys == ["cals_per_day", "select", "severity.PW2", "severity.X1", "budget.max_tokens"]
    assert [p.line for p in info.value.problems] == [2, 3, 4, 4, 5]
    message = str(info.value)
    assert all(f"`{key}`" in message for key in keys) and message.count(str(config)) == 5
    # One problem reads exactly as before: the file, line, key and what is wrong.
    single = write(tmp_path / "one" / "promptwise.yaml", "calls_per_day: lots\n")
    with pytest.raises(ConfigError, match=r"promptwise.yaml:1: `calls_per_day`: expected a whole"):
        load_settings(single)


def test_problems_in_editor_settings_come_from_one_pass() -> None:
    data = {"callsPerDay": "many", "severity": {"PW2": "loud", "PW3": "error"}, "nope": 1}
    problems = problems_in(data, "editor settings")
    assert [p.key for p in problems] == ["nope", "callsPerDay", "severity.PW2"]
    assert problems_in({"callsPerDay": 5}, "editor settings") == ()
    assert [p.detail for p in problems_in([1], "editor settings")] == [  # type: ignore[arg-type]
        "expected a mapping of settings, got a list"
    ]


def test_limits_written_once_hold_everywhere() -> None:
    with pytest.raises(ConfigError, match="at most 5000"):
        apply(Settings(), {"debounce_ms": 6000}, "test")
    with pytest.raises(ConfigError, match="at most 12 entries"):
        apply(Settings(), {"comparison_models": [f"m{i}" for i in range(13)]}, "test")
    properties = vscode_properties(Settings)
    assert properties["promptwise.debounceMs"]["maximum"] == 5000
    assert properties["promptwise.comparisonModels"]["maxItems"] == 12
    assert properties["promptwise.budget.maxTokens"]["minimum"] == 1


def _sync_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "sync_settings", CLIENT / "scripts" / "sync_settings.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vscode_package_json_declares_every_setting_as_defined() -> None:
    """client-vscode/package.json is generated from the definitions; rerun the script
    (python client-vscode/scripts/sync_settings.py) when this fails."""
    text = (CLIENT / "package.json").read_text(encoding="utf-8")
    script = _sync_script()
    assert script.updated_manifest(text) == text, (
        "run python client-vscode/scripts/sync_settings.py"
    )
    properties = json.loads(text)["contributes"]["configuration"]["properties"]
    editor = {f"promptwise.{leaf.editor_key}" for leaf in SETTINGS}
    client_only = {f"promptwise.{key}" for key in script.CLIENT_ONLY}
    assert set(properties) == editor | client_only
    assert {"promptwise.exclude", "promptwise.extendSelect"} <= editor
    for leaf in SETTINGS:
        entry = properties[f"promptwise.{leaf.editor_key}"]
        value = list(leaf.default) if isinstance(leaf.default, tuple) else leaf.default
        assert entry["default"] == value and entry["markdownDescription"] == leaf.spec.doc
        # What VS Code would store is what the server accepts.
        if value not in (None, [], {}):
            assert (
                problems_in({leaf.editor_key.split(".")[0]: _nested(leaf.editor_key, value)}, "t")
                == ()
            )


def _nested(key: str, value: object) -> object:
    parts = key.split(".")
    return value if len(parts) == 1 else {parts[1]: value}


def test_the_readme_lists_every_setting_as_defined() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert settings_table(Settings) in readme
    for leaf in SETTINGS:
        assert f"| `{leaf.key}` |" in readme


@dataclass(frozen=True)
class _Table:
    """A settings table with one new key, declared the way every key is."""

    retries: int = setting(
        2,
        Integer(minimum=1, maximum=9),
        "How often to retry.",
        flag=Flag("--retries", "retries per call"),
    )
    hosts: tuple[str, ...] = setting((), Strings(), "Hosts to try.", scope=None)


def test_a_new_setting_is_one_entry() -> None:
    """Validation, the editor key, the VS Code entry and the flag all come from the field."""
    reader = Reader("promptwise.yaml", {"retries": 3})
    assert parse_table(_Table, _Table(), {"retries": 4, "hosts": "a"}, reader) == {
        "retries": 4,
        "hosts": ("a",),
    }
    assert parse_table(_Table, _Table(), {"retries": 10, "retrys": 1}, reader) == {}
    assert [(p.key, p.line) for p in reader.problems] == [("retrys", None), ("retries", 3)]
    assert "did you mean `retries`?" in reader.problems[0].detail
    assert vscode_properties(_Table) == {
        "promptwise.retries": {
            "type": "integer",
            "default": 2,
            "markdownDescription": "How often to retry.",
            "minimum": 1,
            "maximum": 9,
            "scope": "resource",
        }
    }
    parser = argparse.ArgumentParser()
    retries, _ = leaves(_Table)
    add_flag(parser, retries)
    assert "retries per call (setting: retries, default 2)" in parser.format_help()
    assert flag_value(parser.parse_args(["--retries", "5"]), retries) == 5
    assert flag_value(parser.parse_args([]), retries) is None
    assert "| `hosts` |  | list of strings | — |  | Hosts to try. |" in settings_table(_Table)
