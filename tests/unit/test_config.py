"""Configuration: discovery, precedence, validation with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptwise.config import (
    Settings,
    apply,
    find_config,
    invalidate_discovery,
    load_settings,
    merge_overrides,
    resolve_path,
)
from promptwise.errors import ConfigError
from promptwise.findings import Severity


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
