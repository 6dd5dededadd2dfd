"""The model catalogue: prices, context windows and tokenizers, kept as data.

Prompt files name models in many spellings: provider prefixes (``azure/``,
``googleai/``, ``openrouter/anthropic/``), dated snapshots
(``gpt-4o-2024-08-06``, ``claude-sonnet-4-20250514``, ``...@20240620``),
Bedrock ids (``us.anthropic.claude-3-5-sonnet-20241022-v2:0``) and the display
names of editor pickers ("Claude Sonnet 4.5 (copilot)"). :meth:`Catalogue.lookup`
peels those decorations off one at a time and accepts only a whole-name match
at each step, never a prefix: ``gpt-4o-mini-...`` can reach ``gpt-4o-mini`` or
nothing, never ``gpt-4o``.

Tables stack. The bundled ``models.yaml`` comes first; each override (a YAML
table, a LiteLLM ``model_prices_and_context_window.json`` or an inline
mapping from config) then adds rows or updates rows with the same id, field by
field. Every row remembers the file it came from (``origin``) so a cost shown
in the editor can be traced to one row of one table.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import json
import math
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeAlias

from promptwise.document import yamlnodes
from promptwise.errors import ConfigError, InputError
from promptwise.reading import read_settings_file

ENCODINGS: tuple[str, ...] = ("o200k_base", "cl100k_base")
BUILTIN_ORIGIN = "builtin"
PER_MILLION = 1_000_000


@dataclass(frozen=True)
class FineTunePrice:
    """What a provider charges to fine-tune a model and to call the tuned model.

    Kept beside the base prices because the escalation advice weighs "keep
    editing the prompt" against "train once, then pay the tuned rate per
    call". All prices are USD per 1M tokens.
    """

    training: float | None  # None: the provider publishes no per-token training price
    input: float
    output: float
    cached_input: float | None = None


@dataclass(frozen=True, kw_only=True)
class PriceEntry:
    """One row of a price table: a model, its prices and its limits.

    Prices are USD per 1M tokens. ``approximate`` says the vendor publishes no
    offline tokenizer, so counts made with ``encoding`` are estimates.
    ``origin`` is ``"builtin"``, the path of the user table or LiteLLM file the
    row (or its last update) came from, or ``"config"`` for inline tables.
    """

    id: str
    provider: str
    display_name: str
    input: float
    output: float
    cached_input: float | None = None
    context_window: int
    max_output: int | None = None
    encoding: str = "o200k_base"
    approximate: bool = False
    fine_tune: FineTunePrice | None = None
    source: str = ""
    as_of: str = ""
    aliases: tuple[str, ...] = ()
    origin: str = BUILTIN_ORIGIN


# ------------------------------------------------------------------ names

_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")  # " (copilot)", " (Preview)"
# Bedrock model ids: optional cross-region prefix, then the vendor and a dot.
_BEDROCK_VENDOR = re.compile(
    r"^(?:[a-z]{2,6}\.)?(?:anthropic|meta|mistral|amazon|cohere|ai21|deepseek|openai)\."
)
_META_PREFIX = re.compile(r"^meta-(?=llama)")  # meta-llama-3.1-8b... on Together, Azure
# Decorations that name a snapshot or a serving variant of the same model at
# the same price. Tried repeatedly, one at a time, on the folded spelling.
_SNAPSHOT_SUFFIXES = (
    re.compile(r"-v\d+(?::\d+)?$"),  # Bedrock -v2:0, Vertex -v2
    re.compile(r"-\d{4}-\d{2}-\d{2}$"),  # OpenAI -2024-08-06
    re.compile(r"[-@]\d{8}$"),  # Anthropic -20250514, Vertex @20240620
    re.compile(r"-(?:preview|exp)-\d{2}-(?:\d{2}|\d{4})$"),  # Gemini -preview-06-05, -09-2025
    re.compile(r"-(?:latest|preview|exp)$"),
    re.compile(r"-\d{3,4}$"),  # Gemini -001, OpenAI -0613, Mistral -2411
    re.compile(r"-thinking$"),  # Copilot's "Claude 3.7 Sonnet Thinking": same model, same price
    re.compile(r"(?<=\d[bm])-instruct(?:-turbo|-fp8)?$"),  # Llama hosts: 70b-instruct-turbo
)
_FINE_TUNED = re.compile(r"^ft:([^:]+)")  # ft:gpt-4o-mini-2024-07-18:org::id
_AZURE_FINE_TUNED = re.compile(r"^(.+)\.ft-[0-9a-z]+$")  # gpt-4o-mini-2024-07-18.ft-abc


def _plain(name: str) -> str:
    """Lower case with runs of whitespace collapsed: the literal spelling of a name."""
    return " ".join(name.split()).lower()


def _fold(name: str) -> str:
    """The index key: spaces, dots and underscores all become dashes.

    "Claude Sonnet 4.5", "claude-sonnet-4.5" and "claude_sonnet_4_5" name the
    same model; folding makes them one key without guessing anything else.
    """
    return re.sub(r"[\s._]+", "-", _plain(name))


def _spellings(name: str) -> Iterator[str]:
    """Ever plainer spellings of ``name``, from the literal one to the bare family."""
    text = _plain(name)
    yield text
    while (stripped := _TRAILING_NOTE.sub("", text)) != text:
        text = stripped
        yield text
    text = text.rsplit("/", 1)[-1]  # provider and router prefixes
    yield text
    text = _BEDROCK_VENDOR.sub("", text)
    yield text
    text = _META_PREFIX.sub("", _fold(text))
    yield text
    changed = True
    while changed:
        changed = False
        for pattern in _SNAPSHOT_SUFFIXES:
            stripped = pattern.sub("", text)
            if stripped and stripped != text:
                text = stripped
                changed = True
                yield text


class Catalogue:
    """Price rows, findable by id, alias, display name or a decorated spelling."""

    def __init__(self, entries: Iterable[PriceEntry]) -> None:
        self._entries: dict[str, PriceEntry] = {}
        for entry in entries:
            self._entries[entry.id] = entry
        self._ids: dict[str, str] = {}
        self._index: dict[str, str] = {}
        # Later rows win an alias because user tables come after the bundled one.
        for entry in self._entries.values():
            for name in (entry.display_name, *entry.aliases):
                if name.strip():
                    self._index[_fold(name)] = entry.id
        # An id always beats another row's alias.
        for entry in self._entries.values():
            self._index[_fold(entry.id)] = entry.id
            self._ids[_plain(entry.id)] = entry.id

    @property
    def entries(self) -> tuple[PriceEntry, ...]:
        """Every row, in table order (bundled rows first, then user rows)."""
        return tuple(self._entries.values())

    def names(self) -> list[str]:
        """Canonical ids, sorted: what completion offers after ``model:``."""
        return sorted(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.lookup(name) is not None

    def lookup(self, name: str) -> PriceEntry | None:
        """The row a model name refers to, or None when no row matches.

        A fine-tuned model name (``ft:<base>:...``) resolves to its base row
        priced at the provider's fine-tuned inference rates, when the table
        has them; without them the cost would be understated, so it does not
        resolve at all.
        """
        text = _plain(name)
        if not text:
            return None
        tuned = _FINE_TUNED.match(text) or _AZURE_FINE_TUNED.match(text)
        if tuned is not None:
            return self._fine_tuned(tuned.group(1))
        return self._resolve(text)

    def _resolve(self, text: str) -> PriceEntry | None:
        for spelling in _spellings(text):
            found = self._ids.get(spelling) or self._index.get(_fold(spelling))
            if found is not None:
                return self._entries[found]
        return None

    def _fine_tuned(self, base_name: str) -> PriceEntry | None:
        own_row = self._ids.get(f"ft:{base_name}")  # e.g. a LiteLLM `ft:gpt-4o-...` row
        if own_row is not None:
            return self._entries[own_row]
        base = self._resolve(base_name)
        if base is None or base.fine_tune is None:
            return None
        tuned = base.fine_tune
        return dataclasses.replace(
            base,
            id=f"ft:{base.id}",
            display_name=f"{base.display_name} (fine-tuned)",
            input=tuned.input,
            cached_input=tuned.cached_input,
            output=tuned.output,
            aliases=(),
        )

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Ids of rows whose names are close to an unknown ``name``, best first."""
        spellings = list(_spellings(name)) if name.strip() else []
        if not spellings:
            return []
        probes = {_fold(spellings[0]), _fold(spellings[-1])}
        scores: dict[str, float] = {}
        for key, entry_id in self._index.items():
            best = 0.0
            for probe in probes:
                matcher = difflib.SequenceMatcher(None, probe, key)
                if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
                    best = max(best, matcher.ratio())
            if best >= 0.6 and best > scores.get(entry_id, 0.0):
                scores[entry_id] = best
        ranked = sorted(scores, key=lambda entry_id: (-scores[entry_id], entry_id))
        return ranked[:limit]


# ----------------------------------------------------------------- tables

_TABLE_KEYS = ("as_of", "models")
_ROW_FIELDS = (
    "id",
    "provider",
    "display_name",
    "aliases",
    "input",
    "cached_input",
    "output",
    "context_window",
    "max_output",
    "encoding",
    "approximate",
    "fine_tune",
    "source",
    "as_of",
)
_FINE_TUNE_FIELDS = ("training", "input", "cached_input", "output")
_NEW_ROW_NEEDS = ("input", "output", "context_window")


@dataclass(frozen=True)
class _Where:
    """Where a table came from, so an error can name the file, line and key."""

    origin: str  # recorded on each row
    path: str | None  # named in errors; None for inline tables from config
    lines: Mapping[str, int] = dataclasses.field(default_factory=dict)
    key_prefix: str = ""  # "pricing[1]." for an inline table

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, line=self._line(key), key=self.key_prefix + key)

    def _line(self, key: str) -> int | None:
        if key in self.lines:
            return self.lines[key]
        # A sequence item has no key of its own: use its first key's line.
        nested = [
            line for path, line in self.lines.items() if path.startswith((key + ".", key + "["))
        ]
        if nested:
            return min(nested)
        parent = re.sub(r"(?:\.[^.\[\]]+|\[\d+\])$", "", key)
        return self._line(parent) if parent and parent != key else None


def _price(where: _Where, key: str, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise where.error(key, f"expected a number >= 0 (USD per 1M tokens), got {value!r}")
    return float(value)


def _tokens(where: _Where, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise where.error(key, f"expected a whole number of tokens > 0, got {value!r}")
    return value


def _text(where: _Where, key: str, value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()[:10]  # YAML reads an unquoted 2025-11-01 as a date
    if not isinstance(value, str):
        raise where.error(key, f"expected text, got {value!r}")
    return value.strip()


def _unknown_field(where: _Where, key: str, name: Any, known: Sequence[str]) -> ConfigError:
    close = difflib.get_close_matches(str(name), known, n=1)
    hint = f"; did you mean `{close[0]}`?" if close else f" (known: {', '.join(known)})"
    return where.error(f"{key}.{name}", f"unknown price-table field{hint}")


def _fine_tune(
    where: _Where, key: str, value: Any, current: FineTunePrice | None
) -> FineTunePrice | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise where.error(key, "expected a mapping with `training`, `input` and `output`")
    for name in value:
        if name not in _FINE_TUNE_FIELDS:
            raise _unknown_field(where, key, name, _FINE_TUNE_FIELDS)
    # A partial mapping updates the row's existing fine-tuning prices.
    prices: dict[str, float | None] = dataclasses.asdict(current) if current else {}
    for name, raw in value.items():
        prices[name] = (
            None
            if raw is None and name in ("cached_input", "training")
            else _price(where, f"{key}.{name}", raw)
        )

    def required(name: str) -> float:
        given = prices.get(name)
        if given is None:
            raise where.error(f"{key}.{name}", "missing required field")
        return given

    return FineTunePrice(
        training=prices.get("training"),
        input=required("input"),
        output=required("output"),
        cached_input=prices.get("cached_input"),
    )


def _row_fields(
    where: _Where, key: str, raw: Mapping[str, Any], current: PriceEntry | None
) -> dict[str, Any]:
    """The validated fields a table row sets, and only those."""
    fields: dict[str, Any] = {}
    for name, value in raw.items():
        where_key = f"{key}.{name}"
        if name == "id":
            continue
        if name in ("input", "output"):
            fields[name] = _price(where, where_key, value)
        elif name == "cached_input":
            fields[name] = None if value is None else _price(where, where_key, value)
        elif name == "context_window":
            fields[name] = _tokens(where, where_key, value)
        elif name == "max_output":
            fields[name] = None if value is None else _tokens(where, where_key, value)
        elif name == "encoding":
            if value not in ENCODINGS:
                raise where.error(
                    where_key,
                    f"unknown encoding {value!r}; bundled encodings: {', '.join(ENCODINGS)}",
                )
            fields[name] = value
        elif name == "approximate":
            if not isinstance(value, bool):
                raise where.error(where_key, f"expected true or false, got {value!r}")
            fields[name] = value
        elif name == "aliases":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise where.error(where_key, "expected a list of model names")
            # Adding a name to a known row should not drop the names it had.
            existing = current.aliases if current else ()
            fields[name] = tuple(dict.fromkeys([*existing, *(v.strip() for v in value)]))
        elif name == "fine_tune":
            fields[name] = _fine_tune(
                where, where_key, value, current.fine_tune if current else None
            )
        elif name in ("provider", "display_name", "source", "as_of"):
            fields[name] = _text(where, where_key, value)
        else:
            raise _unknown_field(where, key, name, _ROW_FIELDS)
    return fields


def _guess_encoding(model_id: str) -> tuple[str, bool]:
    """The tokenizer of a row that does not name one, judged from its id.

    A fine-tuned model keeps its base model's tokenizer, so ``ft:gpt-4o-...``
    is judged by ``gpt-4o-...``.
    """
    from promptwise.tokens.counter import encoding_for_name  # tiktoken loads lazily

    tuned = _FINE_TUNED.match(_plain(model_id))
    choice = encoding_for_name(tuned.group(1) if tuned else model_id)
    return choice.encoding, choice.approximate


def _new_row(
    where: _Where,
    key: str,
    model_id: str,
    fields: dict[str, Any],
    table_as_of: str,
    catalogue: Catalogue,
) -> PriceEntry:
    missing = [name for name in _NEW_ROW_NEEDS if name not in fields]
    if missing:
        known = catalogue.lookup(model_id)
        if known is not None:
            raise where.error(
                f"{key}.id",
                f"`{model_id}` is another name for `{known.id}`; "
                f"use `id: {known.id}` to update that row",
            )
        raise where.error(
            f"{key}.{missing[0]}",
            "missing required field (a new model needs `input`, `output` and `context_window`)",
        )
    encoding, approximate = _guess_encoding(model_id)
    fields.setdefault("encoding", encoding)
    fields.setdefault("approximate", approximate)
    fields.setdefault("provider", "")
    fields.setdefault("as_of", table_as_of)
    if not fields.get("display_name"):
        fields["display_name"] = model_id
    return PriceEntry(id=model_id, origin=where.origin, **fields)


def _table_rows(where: _Where, data: Any, known: Mapping[str, PriceEntry]) -> list[PriceEntry]:
    """Rows of a table in the bundled shape, each merged into the row it updates."""
    if not isinstance(data, Mapping):
        raise where.error("models", "a price table is a mapping with a `models` list")
    for name in data:
        if name not in _TABLE_KEYS:
            raise where.error(
                str(name),
                "unknown top-level key in a price table (expected `models` and optionally `as_of`)",
            )
    models = data.get("models")
    if not isinstance(models, list):
        raise where.error("models", "a price table is a mapping with a `models` list")
    table_as_of = _text(where, "as_of", data["as_of"]) if data.get("as_of") is not None else ""
    by_plain_id = {_plain(model_id): entry for model_id, entry in known.items()}
    catalogue = Catalogue(known.values())
    seen: dict[str, int] = {}
    rows: list[PriceEntry] = []
    for i, raw in enumerate(models):
        key = f"models[{i}]"
        if not isinstance(raw, Mapping):
            raise where.error(
                key, "expected a mapping with `id`, `input`, `output` and `context_window`"
            )
        model_id = raw.get("id")
        if not isinstance(model_id, str) or not model_id.strip():
            raise where.error(f"{key}.id", "each model needs an `id` (the name prompt files use)")
        model_id = model_id.strip()
        if _plain(model_id) in seen:
            raise where.error(
                f"{key}.id", f"duplicate id `{model_id}` (also models[{seen[_plain(model_id)]}])"
            )
        seen[_plain(model_id)] = i
        current = by_plain_id.get(_plain(model_id))
        fields = _row_fields(where, key, raw, current)
        if current is not None:
            rows.append(dataclasses.replace(current, origin=where.origin, **fields))
        else:
            rows.append(_new_row(where, key, model_id, fields, table_as_of, catalogue))
    return rows


# ---------------------------------------------------------------- LiteLLM

_LITELLM_MODES = (None, "chat", "completion", "responses")


def _is_litellm(data: Any) -> bool:
    """LiteLLM's file is an object of model specs priced per token, with no `models` list."""
    return (
        isinstance(data, Mapping)
        and not isinstance(data.get("models"), list)
        and any(
            isinstance(spec, Mapping)
            and ("input_cost_per_token" in spec or "litellm_provider" in spec)
            for spec in data.values()
        )
    )


def _per_million(value: Any) -> float | None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        return None
    # 2.5e-06 * 1e6 is 2.4999999999999996 in binary floating point.
    return round(float(value) * PER_MILLION, 9)


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _litellm_rows(
    where: _Where, data: Mapping[str, Any], as_of: str, known: Mapping[str, PriceEntry]
) -> list[PriceEntry]:
    """Chat-capable rows of a LiteLLM price file, converted from per-token to per-1M.

    Embedding, image and audio models and rows without both prices or a
    context size are skipped: Promptwise prices prompts, and a row it cannot
    price fully would only show a wrong number. A row whose name is already
    known keeps its aliases, display name, tokenizer and fine-tuning prices.
    """
    by_plain_id = {_plain(model_id): entry for model_id, entry in known.items()}
    rows: list[PriceEntry] = []
    for name, spec in data.items():
        if name == "sample_spec" or not isinstance(spec, Mapping) or not name.strip():
            continue
        if spec.get("mode") not in _LITELLM_MODES:
            continue
        input_price = _per_million(spec.get("input_cost_per_token"))
        output_price = _per_million(spec.get("output_cost_per_token"))
        window = _whole(spec.get("max_input_tokens")) or _whole(spec.get("max_tokens"))
        if input_price is None or output_price is None or window is None:
            continue
        prices: dict[str, Any] = {
            "input": input_price,
            "output": output_price,
            "cached_input": _per_million(spec.get("cache_read_input_token_cost")),
            "context_window": window,
            "max_output": _whole(spec.get("max_output_tokens")),
            "source": "LiteLLM model_prices_and_context_window.json",
            "as_of": as_of,
        }
        provider = spec.get("litellm_provider")
        if isinstance(provider, str) and provider:
            prices["provider"] = provider
        current = by_plain_id.get(_plain(name))
        if current is not None:
            rows.append(dataclasses.replace(current, origin=where.origin, **prices))
            continue
        encoding, approximate = _guess_encoding(name)
        prices.setdefault("provider", "")
        rows.append(
            PriceEntry(
                id=name.strip(),
                display_name=name.strip(),
                encoding=encoding,
                approximate=approximate,
                origin=where.origin,
                **prices,
            )
        )
    return rows


# ---------------------------------------------------------------- loading


TABLE_MAX_BYTES = 10 << 20  # LiteLLM's whole table is about 1 MB


def _read_table(path: Path) -> tuple[Any, dict[str, int]]:
    """A table file's data and the line of each key; JSON is recognised by content."""
    try:
        text = read_settings_file(path, TABLE_MAX_BYTES)
    except InputError as exc:
        raise ConfigError(
            f"price table not read: {exc.detail}", path=str(path), key="pricing"
        ) from None
    except FileNotFoundError:
        raise ConfigError("price table not found", path=str(path), key="pricing") from None
    except IsADirectoryError:
        raise ConfigError(
            "expected a price-table file, found a folder", path=str(path), key="pricing"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read price table: {exc}", path=str(path), key="pricing"
        ) from None
    return _parse_table(text, str(path), is_json=path.suffix.lower() == ".json")


def _parse_table(
    text: str, path: str, *, is_json: bool, packaged: bool = False
) -> tuple[Any, dict[str, int]]:
    if is_json or text.lstrip().startswith("{"):
        try:
            return json.loads(text), {}
        except RecursionError:  # a hostile or broken table nested thousands deep
            raise ConfigError(
                "invalid JSON: nested too deeply to be a price table", path=path, key="pricing"
            ) from None
        except json.JSONDecodeError as exc:
            if is_json:
                raise ConfigError(
                    f"invalid JSON: {exc.msg}", path=path, line=exc.lineno, key="pricing"
                ) from None
            # Not JSON after all: a YAML flow mapping such as `{models: [...]}`.
        except ValueError:  # an integer with more digits than Python converts
            raise ConfigError(
                "invalid JSON: a number too long to be a price", path=path, key="pricing"
            ) from None
    try:
        loaded = yamlnodes.load_packaged(text) if packaged else yamlnodes.load(text)
    except yamlnodes.YamlProblem as exc:
        raise ConfigError(
            f"invalid YAML: {exc.message}", path=path, line=exc.line + 1, key="pricing"
        ) from None
    return loaded.value, yamlnodes.key_lines(text, loaded.node)


@lru_cache(maxsize=1)
def _builtin_rows() -> tuple[PriceEntry, ...]:
    """The bundled table, parsed once per process."""
    resource = resources.files("promptwise.pricing").joinpath("models.yaml")
    data, lines = _parse_table(
        resource.read_text(encoding="utf-8"), str(resource), is_json=False, packaged=True
    )
    where = _Where(origin=BUILTIN_ORIGIN, path=str(resource), lines=lines)
    return tuple(_table_rows(where, data, {}))


def _file_date(path: Path) -> str:
    """When a downloaded LiteLLM file was last written: the best 'prices read on' we have."""
    stamp = path.stat().st_mtime
    return datetime.datetime.fromtimestamp(stamp, tz=datetime.timezone.utc).date().isoformat()


Override: TypeAlias = "str | Path | Mapping[str, Any]"


def _resolve(overrides: Sequence[Override], base: Path | None) -> list[Path | Mapping[str, Any]]:
    resolved: list[Path | Mapping[str, Any]] = []
    for item in overrides:
        if isinstance(item, (str, Path)):
            path = Path(item).expanduser()
            if not path.is_absolute() and base is not None:
                path = base / path
            resolved.append(path)
        elif isinstance(item, Mapping):
            resolved.append(item)
        else:
            raise ConfigError(
                f"expected a path to a price table or a mapping with `models`, got {item!r}",
                key="pricing",
            )
    return resolved


def _cache_key(items: Sequence[Path | Mapping[str, Any]]) -> tuple[str, ...] | None:
    """Identifies a stack of tables, files by path and modification stamp."""
    parts: list[str] = []
    for item in items:
        if isinstance(item, Path):
            try:
                info = item.stat()
            except OSError:
                return None  # let loading report the missing file
            parts.append(f"{item}|{info.st_mtime_ns}|{info.st_size}")
        else:
            try:
                parts.append(json.dumps(item, sort_keys=True, default=str))
            except (TypeError, ValueError):
                return None
    return tuple(parts)


_CACHE_LIMIT = 16
_cache: dict[tuple[str, ...], Catalogue] = {}
_cache_lock = threading.Lock()


def load_catalogue(
    overrides: Sequence[str | Path | Mapping[str, Any]] = (), base: Path | None = None
) -> Catalogue:
    """The bundled price table with each override applied in order.

    An override is a path to a YAML table in the bundled shape, a path to a
    LiteLLM ``model_prices_and_context_window.json`` (recognised by its
    content), or an inline ``{models: [...]}`` mapping from config. A row
    whose id is already known updates only the fields it names (its aliases
    are added to the existing ones); any other row must be complete. Relative
    paths resolve against ``base``.

    The language server asks for the catalogue on every keystroke, so results
    are cached by the overrides and the files' modification stamps.

    Raises :class:`ConfigError` naming the file, line and key of the first
    problem, e.g. ``prices.yaml:7: `models[3].input`: expected a number``.
    """
    items = _resolve(overrides, base)
    key = _cache_key(items)
    if key is not None:
        with _cache_lock:
            cached = _cache.get(key)
        if cached is not None:
            return cached
    rows: dict[str, PriceEntry] = {entry.id: entry for entry in _builtin_rows()}
    for index, item in enumerate(items):
        if isinstance(item, Path):
            data, lines = _read_table(item)
            where = _Where(origin=str(item), path=str(item), lines=lines)
            as_of = _file_date(item)
        else:
            data = item
            where = _Where(origin="config", path=None, key_prefix=f"pricing[{index}].")
            as_of = ""
        if _is_litellm(data):
            new_rows = _litellm_rows(where, data, as_of, rows)
        else:
            new_rows = _table_rows(where, data, rows)
        for row in new_rows:
            rows[row.id] = row
    catalogue = Catalogue(rows.values())
    if key is not None:
        with _cache_lock:
            if len(_cache) >= _CACHE_LIMIT:
                _cache.clear()
            _cache[key] = catalogue
    return catalogue
