"""What a setting is, written once: its kind, default, documentation, flag and editor scope.

Each field of the settings dataclasses in :mod:`promptwise.config` is
declared with :func:`setting` (or :func:`group` for a nested table), and that
one entry is the whole definition. Everything else is derived from it:

- validation of config files, editor settings and flags, with every bad key
  reported in one pass (:func:`parse_table`);
- the command-line flags (:func:`add_flag`, :func:`flag_value`);
- the editor key (camelCase of the name, ``budget.maxTokens``) and the VS Code
  settings in ``client-vscode/package.json`` (:func:`vscode_properties`,
  checked by a test; ``client-vscode/scripts/sync-settings.py`` rewrites them);
- the settings table in the README (:func:`settings_table`, also checked).

Adding a setting is adding one field; its kind decides how values are read.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar, overload

from promptwise.errors import ConfigError
from promptwise.findings import Severity

T = TypeVar("T")

CODE_PATTERN = r"PW\d{0,3}|ALL"  # a rule code, a code prefix, or every rule
_CODE = re.compile(rf"^(?:{CODE_PATTERN})$", re.I)
VSCODE_SECTION = "promptwise"


def snake(key: str) -> str:
    """``callsPerDay``, ``calls-per-day`` and ``calls_per_day`` are the same key."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).replace("-", "_").lower()


def camel(key: str) -> str:
    """The editor's spelling of a (dotted) key: ``budget.max_tokens`` -> ``budget.maxTokens``."""
    return ".".join(
        re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), part) for part in key.split(".")
    )


def type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


class Reader:
    """One source of settings being validated: names errors, and collects them.

    A kind raises :class:`ConfigError` for a value it rejects whole; kinds that
    hold several entries (mappings, tables) report each bad entry with
    :meth:`report` and keep the good ones, so one pass finds every problem.
    """

    def __init__(self, source: str, lines: Mapping[str, int]) -> None:
        self.source = source
        self.lines = lines
        self.problems: list[ConfigError] = []

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.source, line=self.lines.get(key), key=key)

    def report(self, error: ConfigError) -> None:
        self.problems.append(error)


# ----------------------------------------------------------------------- kinds


class Kind(Generic[T]):
    """How one setting's values are read, checked and described."""

    json_type: ClassVar[str] = "string"
    metavar: ClassVar[str] = "VALUE"

    def parse(self, reader: Reader, key: str, value: Any, base: T) -> T:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        """JSON-schema keywords beyond type and default (VS Code shows and checks them)."""
        return {}

    def describe(self) -> str:
        """The type as the README's table names it."""
        return self.json_type

    def flag_options(self) -> dict[str, Any]:
        return {"metavar": self.metavar}

    def from_flag(self, value: Any) -> Any:
        """A flag's value in the shape a config file would give (None: not given)."""
        return value


@dataclass(frozen=True)
class Text(Kind[str]):
    """A non-empty string, stripped."""

    def parse(self, reader: Reader, key: str, value: Any, base: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise reader.error(
                key, f"expected a non-empty string, got {type_name(value)} {value!r}"
            )
        return value.strip()


@dataclass(frozen=True)
class PathText(Text):
    """A path, relative to the config file that sets it (to the working folder on the
    command line); ``keywords`` are values that are not paths (``auto``)."""

    keywords: tuple[str, ...] = ()
    metavar: ClassVar[str] = "PATH"

    def describe(self) -> str:
        return "path" + "".join(f" or `{k}`" for k in self.keywords)

    def from_flag(self, value: Any) -> Any:
        if value is None or value.strip().lower() in self.keywords:
            return None if value is None else value.strip().lower()
        return os.path.abspath(os.path.expanduser(value))


# The largest whole number a float holds exactly. A setting above it is no
# count or price anyone means, and one past the float range (or past the
# 4,300 digits Python prints) failed far from the line that set it.
_LARGEST = 2**53


def _within_largest(reader: Reader, key: str, value: int) -> None:
    if not -_LARGEST <= value <= _LARGEST:
        raise reader.error(key, f"must be at most {_LARGEST:,} in size")


@dataclass(frozen=True)
class Integer(Kind[int]):
    minimum: int = 0
    maximum: int | None = None
    json_type: ClassVar[str] = "integer"
    metavar: ClassVar[str] = "N"

    def parse(self, reader: Reader, key: str, value: Any, base: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise reader.error(key, f"expected a whole number, got {type_name(value)} {value!r}")
        _within_largest(reader, key, value)
        if value < self.minimum:
            raise reader.error(key, f"must be at least {self.minimum}, got {value}")
        if self.maximum is not None and value > self.maximum:
            raise reader.error(key, f"must be at most {self.maximum}, got {value}")
        return value

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"minimum": self.minimum}
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out

    def describe(self) -> str:
        top = f"–{self.maximum:,}" if self.maximum is not None else "+"
        return f"integer, {self.minimum}{top}"

    def flag_options(self) -> dict[str, Any]:
        return {"metavar": self.metavar, "type": int}


@dataclass(frozen=True)
class Number(Kind[float]):
    """A non-negative number (dollars)."""

    json_type: ClassVar[str] = "number"
    metavar: ClassVar[str] = "X"

    def parse(self, reader: Reader, key: str, value: Any, base: float) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise reader.error(key, f"expected a number, got {type_name(value)} {value!r}")
        if isinstance(value, int):
            _within_largest(reader, key, value)
        if value < 0:
            raise reader.error(key, f"must not be negative, got {value}")
        return float(value)

    def schema(self) -> dict[str, Any]:
        return {"minimum": 0}


@dataclass(frozen=True)
class Boolean(Kind[bool]):
    json_type: ClassVar[str] = "boolean"

    def parse(self, reader: Reader, key: str, value: Any, base: bool) -> bool:
        if not isinstance(value, bool):
            raise reader.error(key, f"expected true or false, got {type_name(value)} {value!r}")
        return value

    def flag_options(self) -> dict[str, Any]:
        return {"action": "store_true"}

    def from_flag(self, value: Any) -> Any:
        return True if value else None


@dataclass(frozen=True)
class Strings(Kind[tuple[str, ...]]):
    """A list of strings (one string is a list of one); blanks are dropped."""

    max_items: int | None = None
    paths: bool = False  # globs or paths: relative to the config file, or the working folder
    json_type: ClassVar[str] = "array"
    metavar: ClassVar[str] = "GLOB"

    def parse(self, reader: Reader, key: str, value: Any, base: tuple[str, ...]) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise reader.error(key, f"expected a list of strings, got {type_name(value)}")
        if self.max_items is not None and len(value) > self.max_items:
            raise reader.error(key, f"at most {self.max_items} entries, got {len(value)}")
        return tuple(v.strip() for v in value if v.strip())

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"items": {"type": "string"}}
        if self.max_items is not None:
            out["maxItems"] = self.max_items
        return out

    def describe(self) -> str:
        return "list of paths or globs" if self.paths else "list of strings"

    def flag_options(self) -> dict[str, Any]:
        return {"metavar": self.metavar, "action": "append"}

    def from_flag(self, value: Any) -> Any:
        if not value:
            return None
        return [os.path.abspath(os.path.expanduser(v)) for v in value] if self.paths else value


@dataclass(frozen=True)
class Codes(Kind[tuple[str, ...]]):
    """Rule codes or prefixes (``PW201``, ``PW2``, ``ALL``), upper-cased."""

    json_type: ClassVar[str] = "array"
    metavar: ClassVar[str] = "CODES"

    def parse(self, reader: Reader, key: str, value: Any, base: tuple[str, ...]) -> tuple[str, ...]:
        codes = Strings().parse(reader, key, value, ())
        for code in codes:
            if not _CODE.match(code):
                raise reader.error(
                    key,
                    f"{code!r} is not a rule code or prefix "
                    "(expected e.g. `PW201`, `PW2` or `ALL`)",
                )
        return tuple(c.upper() for c in codes)

    def schema(self) -> dict[str, Any]:
        return {"items": {"type": "string", "pattern": f"^(?i:{CODE_PATTERN})$"}}

    def describe(self) -> str:
        return "list of rule codes"

    def from_flag(self, value: Any) -> Any:
        codes = [c.strip() for c in (value or "").split(",") if c.strip()]
        return codes or None


@dataclass(frozen=True)
class SeverityMap(Kind[Mapping[str, Severity]]):
    """Rule code or prefix -> severity; merged over what lower sources set."""

    json_type: ClassVar[str] = "object"

    def parse(
        self, reader: Reader, key: str, value: Any, base: Mapping[str, Severity]
    ) -> Mapping[str, Severity]:
        if not isinstance(value, Mapping):
            raise reader.error(key, "expected a mapping of rule codes to severities")
        severities = dict(base)
        for code, level in value.items():
            where = f"{key}.{code}"
            try:
                Codes().parse(reader, where, [str(code)], ())
                severities[str(code).upper()] = Severity.parse(str(level))
            except ConfigError as exc:
                reader.report(exc)
            except ValueError as exc:
                reader.report(reader.error(where, str(exc)))
        return severities

    def schema(self) -> dict[str, Any]:
        return {"additionalProperties": {"type": "string", "enum": [s.value for s in Severity]}}

    def describe(self) -> str:
        return "mapping: code -> severity"


@dataclass(frozen=True)
class CodesMap(Kind[Mapping[str, tuple[str, ...]]]):
    """File glob -> rule codes (``per_file_ignores``)."""

    json_type: ClassVar[str] = "object"

    def parse(
        self, reader: Reader, key: str, value: Any, base: Mapping[str, tuple[str, ...]]
    ) -> Mapping[str, tuple[str, ...]]:
        if not isinstance(value, Mapping):
            raise reader.error(key, "expected a mapping of file globs to rule codes")
        out: dict[str, tuple[str, ...]] = {}
        for glob, codes in value.items():
            try:
                out[str(glob)] = Codes().parse(reader, f"{key}.{glob}", codes, ())
            except ConfigError as exc:
                reader.report(exc)
        return out

    def schema(self) -> dict[str, Any]:
        return {"additionalProperties": {"type": "array", **Codes().schema()}}

    def describe(self) -> str:
        return "mapping: glob -> codes"


@dataclass(frozen=True)
class PriceTables(Kind[tuple[Any, ...]]):
    """Price tables: paths to YAML or LiteLLM JSON files, or inline ``{models: [...]}``."""

    json_type: ClassVar[str] = "array"

    def parse(self, reader: Reader, key: str, value: Any, base: tuple[Any, ...]) -> tuple[Any, ...]:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, (str, Mapping)):
                raise reader.error(
                    key, "expected a path to a price table or a mapping with `models`"
                )
        return tuple(items)

    def schema(self) -> dict[str, Any]:
        return {"items": {"type": ["string", "object"]}}

    def describe(self) -> str:
        return "list of paths or tables"


@dataclass(frozen=True)
class Group(Kind[Any]):
    """A nested table of settings (``budget``, ``escalation``), itself a dataclass."""

    table: type[Any]
    json_type: ClassVar[str] = "object"

    def parse(self, reader: Reader, key: str, value: Any, base: Any) -> Any:
        if not isinstance(value, Mapping):
            names = ", ".join(f.name for f in dataclasses.fields(self.table))
            raise reader.error(key, f"expected a mapping ({names})")
        return dataclasses.replace(base, **parse_table(self.table, base, value, reader, key))


# ---------------------------------------------------------------- declaration


@dataclass(frozen=True)
class Flag:
    """A command-line flag that sets the setting (the CLI decides which commands offer it)."""

    name: str  # ``--calls-per-day``
    help: str  # what it does, in a few words; the setting's name and default are added


@dataclass(frozen=True)
class Spec:
    kind: Kind[Any]
    doc: str  # markdown: the README table, VS Code's settings editor
    flag: Flag | None = None
    scope: str | None = "resource"  # VS Code's scope; None: not an editor setting


METADATA = "promptwise.setting"


@overload
def setting(
    default: None,
    kind: Kind[T],
    doc: str,
    *,
    flag: Flag | None = None,
    scope: str | None = "resource",
) -> T | None: ...


@overload
def setting(
    default: T,
    kind: Kind[T],
    doc: str,
    *,
    flag: Flag | None = None,
    scope: str | None = "resource",
) -> T: ...


def setting(
    default: Any,
    kind: Kind[Any],
    doc: str,
    *,
    flag: Flag | None = None,
    scope: str | None = "resource",
) -> Any:
    """A settings field: its default, and the one entry everything else derives from."""
    spec = Spec(kind, " ".join(doc.split()), flag, scope)
    if isinstance(default, Mapping):
        frozen = dict(default)
        return field(default_factory=lambda: dict(frozen), metadata={METADATA: spec})
    return field(default=default, metadata={METADATA: spec})


def group(table: Callable[[], T], doc: str) -> T:
    """A nested table of settings; its own fields are declared with :func:`setting`."""
    assert isinstance(table, type)
    spec = Spec(Group(table), " ".join(doc.split()), scope=None)
    return field(default_factory=table, metadata={METADATA: spec})  # type: ignore[no-any-return]


def specs(table: type[Any]) -> Iterator[tuple[dataclasses.Field[Any], Spec]]:
    for item in dataclasses.fields(table):
        spec = item.metadata.get(METADATA)
        if isinstance(spec, Spec):
            yield item, spec


def default_of(item: dataclasses.Field[Any]) -> Any:
    if item.default_factory is not dataclasses.MISSING:
        return item.default_factory()
    return item.default


@dataclass(frozen=True)
class Leaf:
    """One setting with its dotted snake_case key (``budget.max_tokens``)."""

    key: str
    spec: Spec
    default: Any

    @property
    def editor_key(self) -> str:
        return camel(self.key)


def leaves(table: type[Any], prefix: str = "") -> Iterator[Leaf]:
    """Every setting of ``table``, nested tables flattened, in declaration order."""
    for item, spec in specs(table):
        if isinstance(spec.kind, Group):
            yield from leaves(spec.kind.table, f"{prefix}{item.name}.")
        else:
            yield Leaf(f"{prefix}{item.name}", spec, default_of(item))


def parse_table(
    table: type[Any], base: Any, data: Mapping[str, Any], reader: Reader, prefix: str = ""
) -> dict[str, Any]:
    """The valid changes ``data`` makes to ``base``; every problem goes to ``reader``.

    Keys may be snake_case, camelCase or kebab-case. ``None`` leaves a setting
    as it is. Unknown keys come first, each with the closest known one.
    """
    fields = {item.name: spec for item, spec in specs(table)}
    where = f"{prefix}." if prefix else ""
    for raw in data:
        if snake(str(raw)) not in fields:
            close = difflib.get_close_matches(snake(str(raw)), sorted(fields), n=1)
            hint = f"; did you mean `{where}{close[0]}`?" if close else ""
            reader.report(reader.error(f"{where}{raw}", f"unknown setting{hint}"))
    changes: dict[str, Any] = {}
    for raw, value in data.items():
        name = snake(str(raw))
        spec = fields.get(name)
        if spec is None or value is None:
            continue
        key = f"{where}{raw}"  # as the user wrote it, so the message and line match
        try:
            changes[name] = spec.kind.parse(reader, key, value, getattr(base, name))
        except ConfigError as exc:
            reader.report(exc)
    return changes


# ----------------------------------------------------------------- command line


def flag_dest(leaf: Leaf) -> str:
    return "setting__" + leaf.key.replace(".", "__")


def add_flag(parser: argparse.ArgumentParser, leaf: Leaf) -> None:
    """Add ``leaf``'s flag to ``parser``, its help naming the setting and its default."""
    assert leaf.spec.flag is not None, leaf.key
    shown = leaf.default
    if isinstance(shown, tuple):
        shown = ",".join(shown)
    default = "" if shown in (None, "", {}, False) else f", default {shown}"
    parser.add_argument(
        leaf.spec.flag.name,
        dest=flag_dest(leaf),
        help=f"{leaf.spec.flag.help} (setting: {leaf.key}{default})",
        **leaf.spec.kind.flag_options(),
    )


def flag_value(args: argparse.Namespace, leaf: Leaf) -> Any:
    """The value the command line gives ``leaf`` (None when its flag is absent or unset)."""
    return leaf.spec.kind.from_flag(getattr(args, flag_dest(leaf), None))


def nest(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"escalation.logs": [...]}`` -> ``{"escalation": {"logs": [...]}}``."""
    out: dict[str, Any] = {}
    for dotted, value in values.items():
        *parents, last = dotted.split(".")
        target = out
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return out


# ---------------------------------------------------------------- derived text


def json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


def vscode_property(leaf: Leaf) -> dict[str, Any]:
    """One entry of VS Code's ``contributes.configuration.properties``."""
    assert leaf.spec.scope is not None, leaf.key
    kind = leaf.spec.kind
    return {
        "type": kind.json_type if leaf.default is not None else [kind.json_type, "null"],
        "default": json_value(leaf.default),
        "markdownDescription": leaf.spec.doc,
        **kind.schema(),
        "scope": leaf.spec.scope,
    }


def vscode_properties(table: type[Any]) -> dict[str, dict[str, Any]]:
    """Every editor setting of ``table`` as VS Code declares it, keyed ``promptwise.<camelKey>``."""
    return {
        f"{VSCODE_SECTION}.{leaf.editor_key}": vscode_property(leaf)
        for leaf in leaves(table)
        if leaf.spec.scope is not None
    }


def settings_table(table: type[Any]) -> str:
    """The README's table of settings: key, editor key, type, default, flag, meaning."""
    rows = [
        "| setting | editor key | type | default | flag | what it does |",
        "|---|---|---|---|---|---|",
    ]
    for leaf in leaves(table):
        default = json_value(leaf.default)
        shown = "—" if default in (None, [], {}) else f"`{_yaml_inline(default)}`"
        flag = f"`{leaf.spec.flag.name}`" if leaf.spec.flag else ""
        editor = f"`{leaf.editor_key}`" if leaf.spec.scope is not None else ""
        doc = leaf.spec.doc.replace("|", "\\|")
        rows.append(
            f"| `{leaf.key}` | {editor} | {leaf.spec.kind.describe()} | {shown} | {flag} | {doc} |"
        )
    return "\n".join(rows) + "\n"


def _yaml_inline(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_inline(v) for v in value) + "]"
    return str(value)
