"""Settings: one dataclass, filled from defaults, a config file, the editor
and the command line, in that order of precedence.

Each setting is one field declared with :func:`~promptwise.config_schema.setting`:
name, type, default, validation, documentation, flag and editor scope in one
entry, from which validation, the CLI flags, the editor keys, the VS Code
manifest and the README table are derived.

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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Final

from promptwise.config_schema import (
    Boolean,
    Codes,
    CodesMap,
    Flag,
    Integer,
    Kind,
    Leaf,
    Number,
    PathText,
    PriceTables,
    Reader,
    SeverityMap,
    Strings,
    Text,
    group,
    leaves,
    parse_table,
    setting,
    type_name,
)
from promptwise.document import yamlnodes
from promptwise.errors import ConfigError, InputError
from promptwise.findings import Severity
from promptwise.reading import read_settings_file
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
AUTO = "auto"  # `escalation.promptfoo_db: auto`: promptfoo's default location


@dataclass(frozen=True)
class RuleOptions(Kind[Mapping[str, Mapping[str, Any]]]):
    """Rule code -> option -> value, checked against each rule's own options; merged
    over what lower sources set, option by option."""

    json_type: ClassVar[str] = "object"

    def parse(
        self, reader: Reader, key: str, value: Any, base: Mapping[str, Mapping[str, Any]]
    ) -> Mapping[str, Mapping[str, Any]]:
        merged = {code: dict(options) for code, options in base.items()}
        for code, options in validate_overrides(value, reader.error, prefix=key).items():
            merged.setdefault(code, {}).update(options)
        return merged

    def schema(self) -> dict[str, Any]:
        return {"additionalProperties": {"type": "object"}}

    def describe(self) -> str:
        return "mapping: code -> options"


@dataclass(frozen=True)
class Budget:
    max_tokens: int | None = setting(
        None,
        Integer(minimum=1),
        "Warn when a prompt's input tokens exceed this (`PW5xx`). Empty = no limit.",
    )
    max_cost_per_call: float | None = setting(
        None, Number(), "Warn when one call costs more than this many dollars. Empty = no limit."
    )
    max_cost_per_day: float | None = setting(
        None,
        Number(),
        "Warn when a day of calls (`calls_per_day`) costs more than this many dollars. "
        "Empty = no limit.",
    )


@dataclass(frozen=True)
class EscalationSettings:
    logs: tuple[str, ...] = setting(
        (),
        Strings(paths=True),
        "Evaluation logs to learn from: JSON Lines eval results or promptfoo `results.json` "
        "files (globs allowed).",
        flag=Flag("--logs", "failure logs to read (native JSONL, promptfoo JSON); repeatable"),
    )
    iteration_threshold: int = setting(
        30,
        Integer(minimum=1),
        "A case failing in this many prompt versions is a signal to escalate to RAG or "
        "fine-tuning.",
        flag=Flag("--threshold", "failing iterations before escalating"),
    )
    min_experiments: int = setting(
        30,
        Integer(),
        "Below this many logged experiments (prompt versions with eval results), any "
        "escalation advice is premature. The rule of thumb is 50–100; the default lets the "
        "30-iteration threshold speak, and the report says when fewer than 50 are logged.",
    )
    promptfoo_db: str | None = setting(
        None,
        PathText(keywords=(AUTO,)),
        "promptfoo's database: a path, or `auto` for its default location. Empty = not read.",
        flag=Flag("--promptfoo-db", "promptfoo's database, or `auto` for its default location"),
    )
    dataset: str | None = setting(
        None,
        PathText(),
        "Labelled examples available for fine-tuning (JSON Lines, JSON, CSV or TSV), to judge "
        "whether fine-tuning is possible.",
    )
    rag_context_tokens: int = setting(
        1500, Integer(), "Retrieved context tokens per call assumed when costing RAG."
    )
    retrain_days: int = setting(
        30, Integer(minimum=1), "Days between fine-tuning runs, for the break-even."
    )
    fine_tune_model: str | None = setting(
        None,
        Text(),
        "Model to price fine-tuning with. Empty = the cheapest tunable model of the prompt "
        "model's provider that fits the context (the prompt's own model is shown beside it).",
    )
    epochs: int = setting(
        3, Integer(minimum=1), "Training epochs assumed when pricing fine-tuning."
    )

    def reads_files(self) -> bool:
        """Whether a log, promptfoo's database or a dataset is configured.

        Without one there is nothing to read or watch, and the server does not
        import the escalation advisor (a tenth of a second at launch) to find
        that out.
        """
        return bool(self.logs or self.promptfoo_db or self.dataset)


@dataclass(frozen=True)
class Settings:
    """Every setting, defined once: see :mod:`promptwise.config_schema` for what derives
    from each entry (validation, flags, editor keys, the VS Code manifest, the README)."""

    model: str = setting(
        "gpt-4o",
        Text(),
        "Model to count tokens and price calls for when a prompt file names none.",
    )
    expected_output_tokens: int = setting(
        400,
        Integer(),
        "Output tokens expected per call when the file sets no limit (`max_tokens`, "
        "`maxOutputTokens`, …).",
        flag=Flag("--expected-output-tokens", "output tokens per call when the file sets no limit"),
    )
    calls_per_day: int = setting(
        1000,
        Integer(),
        "Calls per day, for the per-day cost in the code lens and the fine-tuning break-even.",
        flag=Flag("--calls-per-day", "calls per day for daily cost"),
    )
    include: tuple[str, ...] = setting(
        (),
        Strings(paths=True),
        "Extra glob patterns of prompt files, e.g. `prompts/**/*.txt`, relative to the config "
        "file (in VS Code, to the workspace folder): `check` takes them when walking folders, "
        "and the editor attaches to them.",
        scope="window",
    )
    exclude: tuple[str, ...] = setting(
        (),
        Strings(paths=True),
        "Glob patterns of files and folders to leave alone, e.g. `vendor/`, relative to the "
        "config file (or workspace folder): `check` does not walk into them and the language "
        "server does not analyse them.",
    )
    select: tuple[str, ...] = setting(
        ("PW",),
        Codes(),
        "Rule codes or prefixes to enable (`PW2` = every vague-instruction rule). The most "
        "specific of `select`/`ignore` wins.",
        flag=Flag("--select", "comma-separated codes or prefixes to enable"),
    )
    extend_select: tuple[str, ...] = setting(
        (),
        Codes(),
        "Rule codes or prefixes to enable on top of `select`, e.g. preview rules.",
        flag=Flag("--extend-select", "comma-separated codes to add to the selection"),
    )
    ignore: tuple[str, ...] = setting(
        (),
        Codes(),
        "Rule codes or prefixes to disable, e.g. `PW203`.",
        flag=Flag("--ignore", "comma-separated codes or prefixes to disable"),
    )
    severity: Mapping[str, Severity] = setting(
        {},
        SeverityMap(),
        'Override the severity of rules by code or prefix, e.g. `{"PW2": "info"}`.',
    )
    per_file_ignores: Mapping[str, tuple[str, ...]] = setting(
        {},
        CodesMap(),
        'Rule codes to ignore per file glob, e.g. `{"legacy/*.prompty": ["PW1", "PW3"]}`.',
    )
    rule_dirs: tuple[str, ...] = setting(
        (),
        Strings(paths=True),
        "Folders of your own declarative rules (YAML). Relative paths resolve against the "
        "config file (or workspace folder).",
    )
    pricing: tuple[Any, ...] = setting(
        (),
        PriceTables(),
        "Extra or overriding price tables: paths to YAML price files or a LiteLLM "
        "`model_prices_and_context_window.json`.",
    )
    # group() returns a dataclasses.field with a default factory, as setting() does.
    budget: Budget = group(Budget, "Token and cost limits (`PW5xx`).")  # noqa: RUF009
    escalation: EscalationSettings = group(  # noqa: RUF009
        EscalationSettings, "The escalation advisor: failure logs, threshold, costs."
    )
    comparison_models: tuple[str, ...] = setting(
        DEFAULT_COMPARISON,
        Strings(max_items=12),
        "Models in the cost comparison table.",
    )
    preview: bool = setting(
        False,
        Boolean(),
        "Enable rules that are still in preview.",
        flag=Flag("--preview", "enable preview rules"),
    )
    section_lenses: bool = setting(
        False,
        Boolean(),
        "Show a code lens above each heading and each message with its tokens, its share of "
        "the prompt and its cost per call (the inlay hints show the tokens at the line's end).",
        scope="window",
    )
    debounce_ms: int = setting(
        150,
        Integer(maximum=5000),
        "Milliseconds after the last keystroke before a prompt is analysed again.",
        scope="window",
    )
    rule_options: Mapping[str, Mapping[str, Any]] = setting(
        {},
        RuleOptions(),
        "Per rule code, changes to the rule's options (its word lists and thresholds), e.g. "
        '`{"PW401": {"extend_input_names": ["payload"]}}`; `extend_<name>` adds to a list '
        "instead of replacing it. `promptwise rules PW401` lists a rule's options.",
    )
    # Where the settings came from; relative paths resolve against ``root``.
    root: str | None = None
    sources: tuple[str, ...] = ()

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


SETTINGS: Final = tuple(leaves(Settings))  # every setting, flattened, in declaration order


def leaf(key: str) -> Leaf:
    """The definition of one setting by its dotted snake_case key."""
    return next(item for item in SETTINGS if item.key == key)


# ------------------------------------------------------------------ validation


class InvalidSettings(ConfigError):
    """Every bad key of one source of settings, reported together."""

    def __init__(self, problems: Sequence[ConfigError]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        if len(self.problems) == 1:
            super().__init__(first.detail, path=first.path, line=first.line, key=first.key)
        else:
            super().__init__("; ".join(p.render() for p in self.problems))


def problems_in(data: Mapping[str, Any], source: str) -> tuple[ConfigError, ...]:
    """Every problem with ``data`` as settings from ``source``, found in one pass."""
    try:
        apply(Settings(), data, source)
    except InvalidSettings as exc:
        return exc.problems
    except ConfigError as exc:
        return (exc,)
    return ()


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
    ``root`` when used. Every unknown key and bad value is found before
    raising, and :class:`InvalidSettings` carries them all.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"expected a mapping of settings, got {type_name(data)}", path=source)
    reader = Reader(source, lines or {})
    changes = parse_table(Settings, base, data, reader)
    if reader.problems:
        raise InvalidSettings(reader.problems)
    if root is not None:
        changes["root"] = root
    changes["sources"] = (*base.sources, source)
    return dataclasses.replace(base, **changes)


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
    return ConfigFile(path, data, yamlnodes.key_lines(text, loaded.node))


def _toml_config(path: Path, text: str) -> ConfigFile | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"invalid TOML: {exc}", path=str(path), line=line) from None
    except ValueError:  # an integer with more digits than Python converts
        raise ConfigError("invalid TOML: a number too long to read", path=str(path)) from None
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


CONFIG_MAX_BYTES: Final = 1 << 20


def read_config_file(path: Path, *, named: bool = True) -> ConfigFile | None:
    """Read one config file; None for a pyproject.toml without our table.

    A config file found by discovery (``named`` false) was put there by
    whoever wrote the repository: it is read only if it is a regular file,
    and a symbolic link is followed only to a file inside its own folder.
    """
    try:
        text = read_settings_file(path, CONFIG_MAX_BYTES, None if named else path.parent)
    except FileNotFoundError:
        raise ConfigError("config file not found", path=str(path)) from None
    except InputError as exc:
        raise ConfigError(f"config file not read: {exc.detail}", path=str(path)) from None
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
                        text = read_settings_file(candidate, CONFIG_MAX_BYTES)
                        if "[tool.promptwise" not in text:
                            continue
                    except (OSError, UnicodeDecodeError, InputError):
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


def load_settings(
    config_path: Path | None, base: Settings | None = None, *, named: bool = True
) -> Settings:
    """Defaults (or ``base``) updated with one config file (``named``: chosen by
    the user, not discovered; see :func:`read_config_file`)."""
    settings = base or Settings()
    if config_path is None:
        return settings
    config = read_config_file(config_path, named=named)
    if config is None:
        return settings
    confine_log_globs(config)
    return apply(
        settings,
        config.data,
        str(config_path),
        config.lines,
        root=str(config_path.parent.resolve()),
    )


def repository_root(folder: Path) -> Path:
    """The repository a config folder belongs to: the nearest folder with a ``.git``,
    else the config folder itself."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def confine_log_globs(config: ConfigFile) -> None:
    """A config file's ``escalation.logs`` must stay inside its repository.

    A repository is untrusted input: ``/**/*.jsonl`` or ``../../**`` would
    have the advisor list the whole disk, again on every request. A pattern
    that is absolute or climbs out of the repository (also through a
    symbolic link) is a configuration error naming the file and line;
    command-line flags and editor settings, which the user types, are not
    confined.
    """
    section = config.data.get("escalation")
    logs = section.get("logs") if isinstance(section, Mapping) else None
    if isinstance(logs, str):
        logs = [logs]
    if not isinstance(logs, list):
        return
    folder = config.path.parent.resolve()
    root = repository_root(folder)
    for entry in logs:
        if not isinstance(entry, str):
            continue
        problem = _log_glob_escape(entry, folder, root)
        if problem:
            raise ConfigError(
                f"`escalation.logs` entry {entry!r} {problem}; a config file's log globs stay "
                f"inside its repository ({root}): use a path relative to the config file",
                path=str(config.path),
                line=config.lines.get("escalation.logs") or config.lines.get("escalation"),
            )


def _log_glob_escape(entry: str, folder: Path, root: Path) -> str | None:
    """Why ``entry`` would read outside ``root``, or None when it stays inside."""
    import os.path

    text = entry.strip().replace("\\", "/")
    if text.startswith("~"):
        return "starts in a home folder"
    absolute = text.startswith("/") or re.match(r"^[A-Za-z]:/", text) is not None
    pattern = Path(text) if absolute else folder / text
    # The part before the first wildcard is the folder a glob would list.
    static: list[str] = []
    for part in pattern.parts:
        if any(c in part for c in "*?["):
            break
        static.append(part)
    base = Path(os.path.normpath(Path(*static)))
    for candidate in (base, base.resolve()):  # the second follows symbolic links
        if not candidate.is_relative_to(root):
            return (
                "is an absolute path outside the repository"
                if absolute
                else "reaches outside the repository"
            )
    return None


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
