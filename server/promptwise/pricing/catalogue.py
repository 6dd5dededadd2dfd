"""The model catalogue: prices, context windows and encodings, as data.

Names in prompt files come in many spellings: provider prefixes
(``azure/``, ``googleai/``, ``openrouter/anthropic/``), dated snapshots
(``gpt-4o-2024-08-06``, ``claude-sonnet-4-20250514``), Bedrock ids
(``anthropic.claude-3-5-sonnet-20241022-v2:0``) and display names from
editor pickers ("Claude Sonnet 4", "GPT-4.1 (copilot)"). :meth:`lookup`
strips those decorations one at a time and only ever accepts an exact match,
so ``gpt-4o-mini-...`` can never resolve to ``gpt-4o``.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from promptwise.document import yamlnodes
from promptwise.errors import ConfigError

ENCODINGS = ("o200k_base", "cl100k_base")
BUILTIN = Path(__file__).with_name("models.yaml")


@dataclass(frozen=True)
class FineTunePrice:
    training: float  # USD per 1M training tokens
    input: float
    output: float
    cached_input: float | None = None


@dataclass(frozen=True)
class PriceEntry:
    id: str
    provider: str
    display_name: str
    input: float  # USD per 1M input tokens
    output: float
    context_window: int
    encoding: str
    cached_input: float | None = None
    max_output: int | None = None
    approximate: bool = False
    fine_tune: FineTunePrice | None = None
    source: str = ""
    as_of: str = ""
    aliases: tuple[str, ...] = ()
    origin: str = "builtin"  # the file the row came from, so every number is traceable


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


_PAREN = re.compile(r"\s*\([^)]*\)\s*$")
_BEDROCK = re.compile(r"^(?:[a-z]{2}\.)?(?:anthropic|meta|mistral|amazon|cohere)\.")
_BEDROCK_VERSION = re.compile(r"-v\d+(?::\d+)?$|:\d+$")
_SUFFIXES = (
    re.compile(r"-\d{4}-\d{2}-\d{2}$"),  # -2024-08-06
    re.compile(r"[-@]\d{8}$"),  # -20250514, @20240620
    re.compile(r"-(?:latest|preview|exp)$"),
    re.compile(r"-(?:preview|exp)-\d{2}-\d{2}$"),  # -preview-06-05
    re.compile(r"-\d{3}$"),  # gemini -001
    re.compile(r"-\d{4}$"),  # mistral -2411
    re.compile(r"-(?:instruct|chat)(?:-turbo)?$"),
)


def _variants(name: str) -> Iterable[str]:
    """Spellings to try, from the most literal to the most stripped."""
    current = _norm(name)
    seen: set[str] = set()

    def emit(value: str) -> Iterable[str]:
        for candidate in (value, value.replace(" ", "-"), value.replace(".", "-"),
                          value.replace(" ", "-").replace(".", "-")):
            if candidate and candidate not in seen:
                seen.add(candidate)
                yield candidate

    yield from emit(current)
    current = _PAREN.sub("", current)
    yield from emit(current)
    current = current.rsplit("/", 1)[-1]
    yield from emit(current)
    current = _BEDROCK_VERSION.sub("", _BEDROCK.sub("", current))
    yield from emit(current)
    changed = True
    while changed:
        changed = False
        for pattern in _SUFFIXES:
            stripped = pattern.sub("", current)
            if stripped != current and stripped:
                current = stripped
                changed = True
                yield from emit(current)


class Catalogue:
    """Price rows indexed by every name they answer to."""

    def __init__(self, entries: Iterable[PriceEntry]) -> None:
        self._entries: dict[str, PriceEntry] = {}
        for entry in entries:
            self._entries[entry.id] = entry
        self._index: dict[str, str] = {}
        for entry in self._entries.values():
            for name in (entry.id, entry.display_name, *entry.aliases):
                for key in _variants(name):
                    self._index.setdefault(key, entry.id)
        for entry in self._entries.values():  # a row's own id always wins
            for key in _variants(entry.id):
                self._index[key] = entry.id

    @property
    def entries(self) -> tuple[PriceEntry, ...]:
        return tuple(self._entries.values())

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.lookup(name) is not None

    def lookup(self, name: str) -> PriceEntry | None:
        if not name or not name.strip():
            return None
        for key in _variants(name):
            found = self._index.get(key)
            if found is not None:
                return self._entries[found]
        return None

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Known ids close to an unknown name, for "did you mean"."""
        keys = list(self._index)
        out: list[str] = []
        for variant in list(_variants(name))[-1:] + [_norm(name)]:
            for key in difflib.get_close_matches(variant, keys, n=limit * 3, cutoff=0.6):
                entry_id = self._index[key]
                if entry_id not in out:
                    out.append(entry_id)
        return out[:limit]


# ------------------------------------------------------------------- loading


def _fail(origin: str, key: str, message: str, line: int | None = None) -> ConfigError:
    return ConfigError(message, path=origin, line=line, key=key)


def _number(origin: str, key: str, value: Any, line: int | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _fail(origin, key, f"expected a price >= 0, got {value!r}", line)
    return float(value)


def _integer(origin: str, key: str, value: Any, line: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail(origin, key, f"expected a whole number > 0, got {value!r}", line)
    return value


_FIELDS = {f.name for f in dataclasses.fields(PriceEntry)} - {"origin"}


def _entry(raw: Mapping[str, Any], origin: str, key: str, lines: Mapping[str, int],
           base: PriceEntry | None) -> PriceEntry:
    for field_name in raw:
        if field_name not in _FIELDS:
            raise _fail(origin, f"{key}.{field_name}", "unknown price-table field",
                        lines.get(f"{key}.{field_name}"))
    values: dict[str, Any] = dataclasses.asdict(base) if base else {}
    if base is not None and base.fine_tune is not None:
        values["fine_tune"] = base.fine_tune
    for field_name, value in raw.items():
        where = f"{key}.{field_name}"
        line = lines.get(where)
        if field_name in ("input", "output"):
            values[field_name] = _number(origin, where, value, line)
        elif field_name == "cached_input":
            values[field_name] = None if value is None else _number(origin, where, value, line)
        elif field_name in ("context_window", "max_output"):
            values[field_name] = None if value is None and field_name == "max_output" \
                else _integer(origin, where, value, line)
        elif field_name == "encoding":
            if value not in ENCODINGS:
                raise _fail(origin, where, f"unknown encoding {value!r} (bundled: "
                                           f"{', '.join(ENCODINGS)})", line)
            values[field_name] = value
        elif field_name == "approximate":
            if not isinstance(value, bool):
                raise _fail(origin, where, "expected true or false", line)
            values[field_name] = value
        elif field_name == "aliases":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise _fail(origin, where, "expected a list of names", line)
            values[field_name] = tuple(value)
        elif field_name == "fine_tune":
            values[field_name] = _fine_tune(value, origin, where, lines)
        else:
            values[field_name] = "" if value is None else str(value)
    for required in ("id", "input", "output", "context_window"):
        if values.get(required) in (None, ""):
            raise _fail(origin, f"{key}.{required}", "missing required field",
                        lines.get(key))
    values.setdefault("provider", "")
    values.setdefault("display_name", values["id"])
    if not values.get("display_name"):
        values["display_name"] = values["id"]
    values.setdefault("encoding", "o200k_base")
    values["origin"] = origin
    values.pop("fine_tune", None) if values.get("fine_tune") is None else None
    fine_tune = values.pop("fine_tune", None)
    if isinstance(fine_tune, dict):
        fine_tune = FineTunePrice(**fine_tune)
    return PriceEntry(**values, fine_tune=fine_tune)


def _fine_tune(value: Any, origin: str, key: str, lines: Mapping[str, int]) -> FineTunePrice | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _fail(origin, key, "expected a mapping with training, input, output",
                    lines.get(key))
    allowed = {"training", "input", "output", "cached_input"}
    for name in value:
        if name not in allowed:
            raise _fail(origin, f"{key}.{name}", "unknown fine-tune field", lines.get(key))
    for name in ("training", "input", "output"):
        if name not in value:
            raise _fail(origin, f"{key}.{name}", "missing required field", lines.get(key))
    return FineTunePrice(
        training=_number(origin, f"{key}.training", value["training"], lines.get(key)),
        input=_number(origin, f"{key}.input", value["input"], lines.get(key)),
        output=_number(origin, f"{key}.output", value["output"], lines.get(key)),
        cached_input=None if value.get("cached_input") is None else
        _number(origin, f"{key}.cached_input", value["cached_input"], lines.get(key)),
    )


def _table(data: Any, origin: str, lines: Mapping[str, int],
           existing: Mapping[str, PriceEntry]) -> list[PriceEntry]:
    if not isinstance(data, Mapping) or not isinstance(data.get("models"), list):
        raise _fail(origin, "models", "a price table is a mapping with a `models` list", 1)
    out: list[PriceEntry] = []
    for i, raw in enumerate(data["models"]):
        key = f"models[{i}]"
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            raise _fail(origin, key, "each model needs an `id`", lines.get(key))
        out.append(_entry(raw, origin, key, lines, existing.get(raw["id"])))
    return out


def _litellm(data: Mapping[str, Any], origin: str) -> list[PriceEntry]:
    """Rows from LiteLLM's model_prices_and_context_window.json (USD per token)."""
    from promptwise.tokens.counter import encoding_for_name

    out: list[PriceEntry] = []
    for name, spec in data.items():
        if name == "sample_spec" or not isinstance(spec, Mapping):
            continue
        if spec.get("mode") not in (None, "chat", "completion", "responses"):
            continue
        per_in = spec.get("input_cost_per_token")
        per_out = spec.get("output_cost_per_token")
        if not isinstance(per_in, (int, float)) or not isinstance(per_out, (int, float)):
            continue
        window = spec.get("max_input_tokens") or spec.get("max_tokens")
        if not isinstance(window, int) or window <= 0:
            continue
        cached = spec.get("cache_read_input_token_cost")
        max_out = spec.get("max_output_tokens")
        choice = encoding_for_name(name)
        out.append(PriceEntry(
            id=name,
            provider=str(spec.get("litellm_provider", "")),
            display_name=name,
            input=float(per_in) * 1_000_000,
            output=float(per_out) * 1_000_000,
            cached_input=float(cached) * 1_000_000 if isinstance(cached, (int, float)) else None,
            context_window=window,
            max_output=max_out if isinstance(max_out, int) else None,
            encoding=choice.encoding,
            approximate=choice.approximate,
            source="LiteLLM model_prices_and_context_window.json",
            origin=origin,
        ))
    return out


def _read(path: Path) -> tuple[Any, dict[str, int], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("price table not found", path=str(path), key="pricing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read price table: {exc}", path=str(path),
                          key="pricing") from None
    if path.suffix == ".json":
        try:
            return json.loads(text), {}, "json"
        except json.JSONDecodeError as exc:
            raise ConfigError(f"invalid JSON: {exc.msg}", path=str(path), line=exc.lineno,
                              key="pricing") from None
    try:
        loaded = yamlnodes.load(text)
    except yamlnodes.YamlProblem as exc:
        raise ConfigError(f"invalid YAML: {exc.message}", path=str(path), line=exc.line + 1,
                          key="pricing") from None
    lines = {p: text.count("\n", 0, s) + 1 for p, s, _, _ in yamlnodes.key_spans(loaded.node)}
    return loaded.value, lines, "yaml"


@lru_cache(maxsize=1)
def _builtin_entries() -> tuple[PriceEntry, ...]:
    data, lines, _ = _read(BUILTIN)
    return tuple(_table(data, "builtin", lines, {}))


def _is_litellm(data: Any) -> bool:
    return isinstance(data, Mapping) and "models" not in data and any(
        isinstance(v, Mapping) and "input_cost_per_token" in v for v in data.values())


def _overrides_key(overrides: Sequence[str | Path | Mapping[str, Any]]) -> tuple[Any, ...]:
    key: list[Any] = []
    for item in overrides:
        if isinstance(item, (str, Path)):
            path = Path(item)
            try:
                stamp = path.stat().st_mtime_ns
            except OSError:
                stamp = -1
            key.append((str(path), stamp))
        else:
            key.append(json.dumps(item, sort_keys=True, default=str))
    return tuple(key)


_cache: dict[tuple[Any, ...], Catalogue] = {}


def load_catalogue(overrides: Sequence[str | Path | Mapping[str, Any]] = (),
                   base: Path | None = None) -> Catalogue:
    """The bundled table with each override applied in order.

    An override is a path to a YAML table in the bundled shape (rows replace
    or partially update rows with the same id), a path to a LiteLLM JSON, or
    an inline ``{models: [...]}`` mapping from config. Relative paths resolve
    against ``base``. Results are cached by the overrides and file mtimes.
    """
    resolved: list[str | Path | Mapping[str, Any]] = []
    for item in overrides:
        if isinstance(item, (str, Path)):
            path = Path(item).expanduser()
            if not path.is_absolute() and base is not None:
                path = base / path
            resolved.append(path)
        else:
            resolved.append(item)
    key = _overrides_key(resolved)
    found = _cache.get(key)
    if found is not None:
        return found
    entries: dict[str, PriceEntry] = {e.id: e for e in _builtin_entries()}
    for item in resolved:
        if isinstance(item, Path):
            data, lines, kind = _read(item)
            origin = str(item)
            rows = _litellm(data, origin) if kind == "json" and _is_litellm(data) else \
                _table(data, origin, lines, entries)
        else:
            rows = _table(item, "config", {}, entries)
        for row in rows:
            entries[row.id] = row
    catalogue = Catalogue(entries.values())
    if len(_cache) > 32:
        _cache.clear()
    _cache[key] = catalogue
    return catalogue
