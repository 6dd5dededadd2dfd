"""Settings: one dataclass, filled from defaults, a config file, the editor
and the command line, in that order of precedence.

Config lives in ``promptwise.yaml``, ``.promptwise.yaml`` or the
``[tool.promptwise]`` table of ``pyproject.toml``, found by walking up from
each prompt file; the nearest one wins (no merging across directories, so a
sub-project's config is complete on its own). Every key is validated: an
unknown key or a bad value is a :class:`ConfigError` naming the file, line and
key, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from promptwise.document import yamlnodes
from promptwise.errors import ConfigError
from promptwise.findings import Severity
from promptwise.rules.options import validate_overrides

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

CONFIG_FILES = ("promptwise.yaml", ".promptwise.yaml", "pyproject.toml")
DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "dist",
    "build",
    ".promptfoo",
)
DEFAULT_COMPARISON = (
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1-mini",
    "claude-sonnet-4-5",
    "gemini-2.5-flash",
)
_CODE = re.compile(r"^(?:PW\d{0,3}|ALL)$", re.I)


@dataclass(frozen=True)
class Budget:
    max_tokens: int | None = None
    max_cost_per_call: float | None = None
    max_cost_per_day: float | None = None


@dataclass(frozen=True)
class EscalationSettings:
    logs: tuple[str, ...] = ()
    iteration_threshold: int = 30
    min_experiments: int = 50
    promptfoo_db: str | None = None  # a path, "auto" (default location) or None
    dataset: str | None = None
    rag_context_tokens: int = 1500
    retrain_days: int = 30
    fine_tune_model: str | None = None
    epochs: int = 3


@dataclass(frozen=True)
class Settings:
    model: str = "gpt-4o"
    expected_output_tokens: int = 400
    calls_per_day: int = 1000
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    select: tuple[str, ...] = ("PW",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    rule_dirs: tuple[str, ...] = ()
    pricing: tuple[Any, ...] = ()  # paths to price tables, or inline {models: [...]}
    budget: Budget = field(default_factory=Budget)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    comparison_models: tuple[str, ...] = DEFAULT_COMPARISON
    preview: bool = False
    debounce_ms: int = 150
    # Per rule code, changes to the rule's options (rules/options.py).
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Where the settings came from; relative paths resolve against ``root``.
    root: str | None = None
    sources: tuple[str, ...] = ()

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


# ------------------------------------------------------------------ validation

_Validator = Any


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


class _Reader:
    """Validates one mapping of settings from one source, with error positions."""

    def __init__(self, source: str, lines: Mapping[str, int]) -> None:
        self.source = source
        self.lines = lines

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.source, line=self.lines.get(key), key=key)

    def integer(self, key: str, value: Any, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected a whole number, got {_type_name(value)} {value!r}")
        if value < minimum:
            raise self.error(key, f"must be at least {minimum}, got {value}")
        return value

    def number(self, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"expected a number, got {_type_name(value)} {value!r}")
        if value < 0:
            raise self.error(key, f"must not be negative, got {value}")
        return float(value)

    def string(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"expected a non-empty string, got {_type_name(value)} {value!r}")
        return value.strip()

    def strings(self, key: str, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, f"expected a list of strings, got {_type_name(value)}")
        return tuple(v.strip() for v in value if v.strip())

    def codes(self, key: str, value: Any) -> tuple[str, ...]:
        codes = self.strings(key, value)
        for code in codes:
            if not _CODE.match(code):
                raise self.error(
                    key,
                    f"{code!r} is not a rule code or prefix "
                    "(expected e.g. `PW201`, `PW2` or `ALL`)",
                )
        return tuple(c.upper() for c in codes)

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {_type_name(value)} {value!r}")
        return value


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).replace("-", "_").lower()


_FIELDS = {f.name for f in dataclasses.fields(Settings)} - {"root", "sources"}
_BUDGET_FIELDS = {f.name for f in dataclasses.fields(Budget)}
_ESCALATION_FIELDS = {f.name for f in dataclasses.fields(EscalationSettings)}


def _check_keys(reader: _Reader, data: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    for key in data:
        if _snake(str(key)) not in allowed:
            import difflib

            close = difflib.get_close_matches(_snake(str(key)), sorted(allowed), n=1)
            hint = f"; did you mean `{prefix}{close[0]}`?" if close else ""
            raise reader.error(f"{prefix}{key}", f"unknown setting{hint}")


def apply(
    base: Settings,
    data: Mapping[str, Any],
    source: str,
    lines: Mapping[str, int] | None = None,
    root: str | None = None,
) -> Settings:
    """Return ``base`` updated with the settings in ``data``, validated.

    Keys may be snake_case (config files), camelCase (editor settings) or
    kebab-case; paths inside are kept as written and resolved against
    ``root`` when used.
    """
    reader = _Reader(source, lines or {})
    if not isinstance(data, Mapping):
        raise ConfigError(f"expected a mapping of settings, got {_type_name(data)}", path=source)
    _check_keys(reader, data, _FIELDS, "")
    changes: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = _snake(str(raw_key))
        if value is None:
            continue
        if key == "model":
            changes[key] = reader.string(key, value)
        elif key in ("expected_output_tokens", "calls_per_day", "debounce_ms"):
            changes[key] = reader.integer(key, value)
        elif key in ("include", "exclude", "rule_dirs", "comparison_models"):
            changes[key] = reader.strings(key, value)
        elif key in ("select", "ignore", "extend_select"):
            changes[key] = reader.codes(key, value)
        elif key == "preview":
            changes[key] = reader.boolean(key, value)
        elif key == "severity":
            if not isinstance(value, Mapping):
                raise reader.error(key, "expected a mapping of rule codes to severities")
            severities = dict(base.severity)
            for code, level in value.items():
                reader.codes(f"severity.{code}", [str(code)])
                try:
                    severities[str(code).upper()] = Severity.parse(str(level))
                except ValueError as exc:
                    raise reader.error(f"severity.{code}", str(exc)) from None
            changes[key] = severities
        elif key == "per_file_ignores":
            if not isinstance(value, Mapping):
                raise reader.error(key, "expected a mapping of file globs to rule codes")
            changes[key] = {
                str(glob): reader.codes(f"per_file_ignores.{glob}", codes)
                for glob, codes in value.items()
            }
        elif key == "pricing":
            items = value if isinstance(value, list) else [value]
            for item in items:
                if not isinstance(item, (str, Mapping)):
                    raise reader.error(
                        key, "expected a path to a price table or a mapping with `models`"
                    )
            changes[key] = tuple(items)
        elif key == "budget":
            if not isinstance(value, Mapping):
                raise reader.error(
                    key, "expected a mapping (max_tokens, max_cost_per_call, max_cost_per_day)"
                )
            _check_keys(reader, value, _BUDGET_FIELDS, "budget.")
            budget: dict[str, Any] = {}
            for sub, item in value.items():
                name = _snake(str(sub))
                if item is None:
                    continue
                budget[name] = (
                    reader.integer(f"budget.{sub}", item, 1)
                    if name == "max_tokens"
                    else reader.number(f"budget.{sub}", item)
                )
            changes[key] = dataclasses.replace(base.budget, **budget)
        elif key == "escalation":
            changes[key] = _escalation(reader, base.escalation, value)
        elif key == "rule_options":
            merged = {code: dict(options) for code, options in base.rule_options.items()}
            for code, options in validate_overrides(value, reader.error).items():
                merged.setdefault(code, {}).update(options)
            changes[key] = merged
    if root is not None:
        changes["root"] = root
    changes["sources"] = (*base.sources, source)
    return dataclasses.replace(base, **changes)


def _escalation(reader: _Reader, base: EscalationSettings, value: Any) -> EscalationSettings:
    if not isinstance(value, Mapping):
        raise reader.error("escalation", "expected a mapping")
    _check_keys(reader, value, _ESCALATION_FIELDS, "escalation.")
    out: dict[str, Any] = {}
    for sub, item in value.items():
        name = _snake(str(sub))
        key = f"escalation.{sub}"
        if item is None:
            continue
        if name == "logs":
            out[name] = reader.strings(key, item)
        elif name in ("promptfoo_db", "dataset", "fine_tune_model"):
            out[name] = reader.string(key, item)
        elif name in ("iteration_threshold", "epochs", "retrain_days"):
            out[name] = reader.integer(key, item, 1)
        else:
            out[name] = reader.integer(key, item, 0)
    return dataclasses.replace(base, **out)


# ------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class ConfigFile:
    path: Path
    data: Mapping[str, Any]
    lines: Mapping[str, int]


def _yaml_config(path: Path, text: str) -> ConfigFile:
    try:
        loaded = yamlnodes.load(text)
    except yamlnodes.YamlProblem as exc:
        raise ConfigError(
            f"invalid YAML: {exc.message}", path=str(path), line=exc.line + 1
        ) from None
    data = loaded.value if loaded.value is not None else {}
    if not isinstance(data, Mapping):
        raise ConfigError("the config file must be a mapping of settings", path=str(path), line=1)
    lines: dict[str, int] = {}
    for dotted, start, _, _ in yamlnodes.key_spans(loaded.node):
        lines[dotted] = text.count("\n", 0, start) + 1
    return ConfigFile(path, data, lines)


def _toml_config(path: Path, text: str) -> ConfigFile | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"invalid TOML: {exc}", path=str(path), line=line) from None
    table = data.get("tool", {}).get("promptwise")
    if table is None:
        return None
    # tomllib keeps no positions; find each key's line by its text, inside the table.
    lines: dict[str, int] = {}
    all_lines = text.splitlines()
    start = next(
        (i for i, line in enumerate(all_lines) if line.strip().startswith("[tool.promptwise")), 0
    )
    for key in _flatten_keys(table):
        leaf = key.rsplit(".", 1)[-1]
        for i in range(start, len(all_lines)):
            if re.match(rf"\s*[\"']?{re.escape(leaf)}[\"']?\s*=", all_lines[i]):
                lines[key] = i + 1
                break
    return ConfigFile(path, table, lines)


def _flatten_keys(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        keys.append(dotted)
        if isinstance(value, Mapping):
            keys.extend(_flatten_keys(value, dotted + "."))
    return keys


def read_config_file(path: Path) -> ConfigFile | None:
    """Read one config file; None for a pyproject.toml without our table."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config file not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file: {exc}", path=str(path)) from None
    if path.name == "pyproject.toml" or path.suffix == ".toml":
        return _toml_config(path, text)
    return _yaml_config(path, text)


@lru_cache(maxsize=1024)
def _find_config_cached(directory: str, stamp: int) -> str | None:
    del stamp  # part of the cache key only
    current = Path(directory)
    for folder in (current, *current.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file():
                if name == "pyproject.toml":
                    try:
                        if "[tool.promptwise" not in candidate.read_text(encoding="utf-8"):
                            continue
                    except (OSError, UnicodeDecodeError):
                        continue
                return str(candidate)
    return None


_generation = 0


def invalidate_discovery() -> None:
    """Forget which directories map to which config file (a config file changed)."""
    global _generation
    _generation += 1


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above ``start`` (a file or directory)."""
    directory = start if start.is_dir() else start.parent
    found = _find_config_cached(str(directory.resolve()), _generation)
    return Path(found) if found else None


def load_settings(config_path: Path | None, base: Settings | None = None) -> Settings:
    """Defaults (or ``base``) updated with one config file."""
    settings = base or Settings()
    if config_path is None:
        return settings
    config = read_config_file(config_path)
    if config is None:
        return settings
    return apply(
        settings,
        config.data,
        str(config_path),
        config.lines,
        root=str(config_path.parent.resolve()),
    )


def resolve_path(settings: Settings, value: str) -> Path:
    """A path from the settings, relative to the config file that set it."""
    path = Path(value).expanduser()
    if not path.is_absolute() and settings.root:
        path = Path(settings.root) / path
    return path


def merge_overrides(
    settings: Settings, overrides: Sequence[tuple[str, Mapping[str, Any]]]
) -> Settings:
    """Apply editor settings, then command-line flags, each as a named source."""
    for source, data in overrides:
        if data:
            settings = apply(settings, data, source)
    return settings
