"""Price table: name resolution, overrides, LiteLLM import, cost arithmetic."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest

from promptwise.errors import ConfigError
from promptwise.pricing import (
    Catalogue,
    FineTunePrice,
    PriceEntry,
    estimate,
    format_usd,
    load_catalogue,
)
from promptwise.pricing.catalogue import ENCODINGS
from tests.conftest import DATA

LITELLM_SAMPLE = DATA / "pricing" / "litellm_sample.json"


def entry_for(name: str, catalogue: Catalogue | None = None) -> PriceEntry:
    found = (catalogue or load_catalogue()).lookup(name)
    assert found is not None, name
    return found


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ lookup


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # ids, display names, case and spacing
        ("gpt-4o", "gpt-4o"),
        ("  GPT-4o ", "gpt-4o"),
        ("Claude Sonnet 4", "claude-sonnet-4"),
        ("Claude Sonnet 4.5", "claude-sonnet-4-5"),
        ("claude-sonnet-4.5", "claude-sonnet-4-5"),
        ("Gemini 2.5 Pro", "gemini-2.5-pro"),
        ("GPT-5 mini", "gpt-5-mini"),
        ("GPT-5.3-Codex", "gpt-5.3-codex"),
        # dated snapshots and moving pointers
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-2024-11-20", "gpt-4o"),
        ("gpt-4.1-2025-04-14", "gpt-4.1"),
        ("gpt-4-0613", "gpt-4"),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
        ("o3-2025-04-16", "o3"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-opus-4-0", "claude-opus-4"),
        ("claude-3-5-sonnet@20240620", "claude-3-5-sonnet"),
        ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"),
        ("gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("gemini-1.5-pro-latest", "gemini-1.5-pro"),
        ("gemini-2.5-flash-preview-09-2025", "gemini-2.5-flash"),
        ("gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite"),
        ("mistral-large-2411", "mistral-large"),
        ("mistral-large-latest", "mistral-large-3"),  # -latest now serves Large 3
        ("codestral-latest", "codestral"),
        # provider and router prefixes
        ("azure/gpt-4o", "gpt-4o"),
        ("openai/gpt-4o-mini", "gpt-4o-mini"),
        ("azure/gpt-35-turbo", "gpt-3.5-turbo"),
        ("googleai/gemini-2.5-flash", "gemini-2.5-flash"),
        ("vertexai/gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("google/gemini-2.5-pro", "gemini-2.5-pro"),
        ("models/gemini-1.5-flash", "gemini-1.5-flash"),
        ("googleai/gemini-pro", "gemini-1.0-pro"),
        ("anthropic/claude-opus-4.1", "claude-opus-4-1"),
        ("openrouter/anthropic/claude-3.5-sonnet", "claude-3-5-sonnet"),
        ("mistral/mistral-small-latest", "mistral-small"),
        ("meta/llama-3.3-70b", "llama-3.3-70b"),
        # Bedrock ids
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"),
        ("bedrock/anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku"),
        ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet"),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("meta.llama3-1-405b-instruct-v1:0", "llama-3.1-405b"),
        ("mistral.mistral-large-2407-v1:0", "mistral-large"),
        # editor pickers
        ("GPT-4.1 (copilot)", "gpt-4.1"),
        ("Claude Sonnet 4.5 (copilot)", "claude-sonnet-4-5"),
        ("o3-mini (Preview)", "o3-mini"),
        ("Claude Sonnet 3.5", "claude-3-5-sonnet"),
        ("Claude 3.7 Sonnet Thinking", "claude-3-7-sonnet"),
        # open-weight model hosts
        ("meta-llama/Meta-Llama-3.1-8B-Instruct", "llama-3.1-8b"),
        ("together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo", "llama-3.1-70b"),
        ("llama-3.3-70b-instruct", "llama-3.3-70b"),
    ],
)
def test_names_resolve_to_their_row(name: str, expected: str) -> None:
    assert entry_for(name).id == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # a longer family name must never fall back to a shorter one
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4.1-mini", "gpt-4.1-mini"),
        ("gpt-4.1-nano-2025-04-14", "gpt-4.1-nano"),
        ("gpt-5-nano", "gpt-5-nano"),
        ("o3-mini-2025-01-31", "o3-mini"),
        ("o4-mini", "o4-mini"),
        ("gpt-4-turbo-2024-04-09", "gpt-4-turbo"),
        ("gemini-2.0-flash-lite-001", "gemini-2.0-flash-lite"),
        ("claude-opus-4-5", "claude-opus-4-5"),
        ("claude-opus-4-1", "claude-opus-4-1"),
        ("gpt-5.1", "gpt-5.1"),
        # a snapshot with its own price keeps it
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),
    ],
)
def test_families_never_cross(name: str, expected: str) -> None:
    assert entry_for(name).id == expected


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "claude-9",
        "gpt-4o-mini-x",  # not a snapshot suffix: must not become gpt-4o or gpt-4o-mini
        "gpt-4o-turbo-max",
        "gpt-4-32k",  # priced differently from gpt-4
        "gpt-3.5-turbo-instruct",  # a different model from gpt-3.5-turbo
        "o1-pro",
        "gemini-1.5-flash-8b",
        "gemini-2.5-flash-image-preview",
        "groq/llama-3.1-8b-instant",
    ],
)
def test_unknown_names(name: str) -> None:
    catalogue = load_catalogue()
    assert catalogue.lookup(name) is None
    assert name not in catalogue


def test_suggestions_for_unknown_names() -> None:
    catalogue = load_catalogue()
    assert catalogue.suggest("gpt-4o-minii")[0] == "gpt-4o-mini"
    assert "claude-sonnet-4" in catalogue.suggest("claude-sonet-4")
    assert "gemini-2.5-flash" in catalogue.suggest("googleai/gemini-2.5-flsh")
    assert len(catalogue.suggest("claude", limit=2)) <= 2
    assert catalogue.suggest("") == []
    assert catalogue.suggest("zzzzzzzzzzzz") == []


def test_fine_tuned_names_use_fine_tuned_prices() -> None:
    tuned = entry_for("ft:gpt-4o-mini-2024-07-18:acme::abc123")
    assert tuned.id == "ft:gpt-4o-mini"
    assert (tuned.input, tuned.cached_input, tuned.output) == (0.30, 0.15, 1.20)
    assert entry_for("gpt-4o-mini-2024-07-18.ft-0123abcd").id == "ft:gpt-4o-mini"
    # No fine-tuning prices for the base: unknown rather than underpriced.
    assert load_catalogue().lookup("ft:o3-2025-04-16:acme::x") is None


def test_names_and_entries() -> None:
    catalogue = load_catalogue()
    names = catalogue.names()
    assert names == sorted(names) and len(names) == len(catalogue) == len(catalogue.entries)
    assert all(catalogue.lookup(name).id == name for name in names)  # type: ignore[union-attr]
    assert "GPT-4o" in catalogue and 42 not in catalogue


# ---------------------------------------------------------- bundled table

REQUIRED_IDS = [
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "o3",
    "o3-mini",
    "o4-mini",
    "o1",
    "gpt-4-turbo",
    "gpt-4",
    "gpt-3.5-turbo",
    "claude-3-5-sonnet",
    "claude-3-5-haiku",
    "claude-3-7-sonnet",
    "claude-sonnet-4",
    "claude-opus-4",
    "claude-opus-4-1",
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
    "claude-opus-4-5",
    "claude-3-haiku",
    "claude-3-opus",
    "gemini-2.0-flash",
    "gemini-2.0-flash-lite",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-1.5-pro",
    "gemini-1.5-flash",
    "gemini-1.0-pro",
    "mistral-large",
    "mistral-small",
    "mistral-medium",
    "codestral",
    "llama-3.1-8b",
    "llama-3.1-70b",
    "llama-3.1-405b",
    "llama-3.3-70b",
]


def test_bundled_table_has_every_family() -> None:
    missing = set(REQUIRED_IDS) - set(load_catalogue().names())
    assert not missing


def test_bundled_rows_are_valid() -> None:
    for entry in load_catalogue().entries:
        assert entry.origin == "builtin"
        assert entry.provider in {"openai", "anthropic", "google", "mistral", "meta"}, entry.id
        assert entry.display_name, entry.id
        assert entry.input > 0 and entry.output > 0, entry.id
        assert entry.output >= entry.input, entry.id
        if entry.cached_input is not None:
            assert 0 < entry.cached_input < entry.input, entry.id
        assert entry.context_window > 0, entry.id
        if entry.max_output is not None:
            assert 0 < entry.max_output <= entry.context_window, entry.id
        assert entry.encoding in ENCODINGS, entry.id
        # Only OpenAI publishes its tokenizers; everything else is an estimate.
        assert entry.approximate == (entry.provider != "openai"), entry.id
        assert entry.source.startswith("https://"), entry.id
        assert datetime.date.fromisoformat(entry.as_of) <= datetime.date(2026, 7, 24), entry.id


def test_bundled_fine_tune_prices_are_consistent() -> None:
    tuned = {e.id: e.fine_tune for e in load_catalogue().entries if e.fine_tune is not None}
    for model_id in [
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4.1-nano",
        "gpt-3.5-turbo",
    ]:
        assert model_id in tuned
    for model_id, price in tuned.items():
        base = entry_for(model_id)
        assert price.training is None or price.training > 0, model_id
        assert price.input >= base.input and price.output >= base.output, model_id
        if price.cached_input is not None:
            assert price.cached_input < price.input, model_id


@pytest.mark.parametrize(
    ("model_id", "encoding"),
    [
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-4o", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("o3", "o200k_base"),
        ("claude-sonnet-4-5", "o200k_base"),
    ],
)
def test_bundled_encodings(model_id: str, encoding: str) -> None:
    assert entry_for(model_id).encoding == encoding


def test_every_bundled_name_resolves_to_its_own_row() -> None:
    """An alias that two rows share would silently price one of them wrongly."""
    catalogue = load_catalogue()
    for entry in catalogue.entries:
        for name in (entry.id, entry.display_name, *entry.aliases):
            assert entry_for(name, catalogue).id == entry.id, name


# -------------------------------------------------------------- overrides


def test_user_table_adds_rows_and_updates_fields(tmp_path: Path) -> None:
    table = write(
        tmp_path / "prices.yaml",
        """\
as_of: 2026-01-15
models:
  - id: acme-1
    input: 1.0
    output: 2.0
    context_window: 1000
    aliases: [acme/one]
  - id: gpt-4o
    input: 2.0
    aliases: [prod-4o]
  - id: gpt-4o-mini
    fine_tune: {training: 4.0}
""",
    )
    catalogue = load_catalogue([table])
    acme = entry_for("acme/one", catalogue)
    assert acme.id == "acme-1" and acme.origin == str(table)
    assert acme.display_name == "acme-1" and acme.as_of == "2026-01-15"
    assert acme.encoding == "o200k_base" and acme.approximate  # no public tokenizer known
    gpt = entry_for("prod-4o", catalogue)
    assert gpt.id == "gpt-4o" and gpt.origin == str(table)
    assert gpt.input == 2.0 and gpt.output == 10.0 and gpt.cached_input == 1.25  # the rest stays
    assert "gpt-4o-2024-08-06" in gpt.aliases  # aliases are added, not replaced
    mini = entry_for("gpt-4o-mini", catalogue)
    assert mini.fine_tune == FineTunePrice(training=4.0, input=0.30, output=1.20, cached_input=0.15)
    assert entry_for("gpt-4o").input == 2.5  # the bundled table is untouched


def test_later_overrides_win(tmp_path: Path) -> None:
    first = write(tmp_path / "a.yaml", "models:\n  - id: gpt-4o\n    input: 2.0\n")
    second = write(tmp_path / "b.yaml", "models:\n  - id: gpt-4o\n    output: 9.0\n")
    gpt = entry_for("gpt-4o", load_catalogue([first, second]))
    assert (gpt.input, gpt.output, gpt.origin) == (2.0, 9.0, str(second))


def test_user_alias_beats_a_bundled_alias_but_not_an_id(tmp_path: Path) -> None:
    table = write(
        tmp_path / "prices.yaml",
        """\
models:
  - id: inhouse-sonnet
    input: 1.0
    output: 1.0
    context_window: 200000
    aliases: [Claude Sonnet 3.5, claude-3.5-sonnet]
""",
    )
    catalogue = load_catalogue([table])
    assert entry_for("Claude Sonnet 3.5", catalogue).id == "inhouse-sonnet"
    # "claude-3.5-sonnet" is a spelling of the bundled row's id, and ids win.
    assert entry_for("claude-3.5-sonnet", catalogue).id == "claude-3-5-sonnet"


def test_relative_paths_resolve_against_base(tmp_path: Path) -> None:
    write(tmp_path / "prices.yaml", "models:\n  - id: gpt-4o\n    input: 1.0\n")
    assert entry_for("gpt-4o", load_catalogue(["prices.yaml"], base=tmp_path)).input == 1.0


def test_inline_table_from_config() -> None:
    catalogue = load_catalogue(
        [{"models": [{"id": "inhouse-7b", "input": 0.1, "output": 0.1, "context_window": 8192}]}]
    )
    assert entry_for("inhouse-7b", catalogue).origin == "config"


def test_catalogue_is_cached_until_a_table_changes(tmp_path: Path) -> None:
    table = write(tmp_path / "prices.yaml", "models:\n  - id: gpt-4o\n    input: 1.0\n")
    first = load_catalogue([table])
    assert load_catalogue([table]) is first
    write(table, "models:\n  - id: gpt-4o\n    input: 3.0\n")
    stat = table.stat()
    os.utime(table, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert entry_for("gpt-4o", load_catalogue([table])).input == 3.0


# ----------------------------------------------------------------- LiteLLM


def test_litellm_import() -> None:
    catalogue = load_catalogue([LITELLM_SAMPLE])
    acme = entry_for("acme-large-1", catalogue)
    assert (acme.input, acme.output, acme.cached_input) == (4.0, 12.0, 1.0)
    assert (acme.context_window, acme.max_output) == (64000, 8192)
    assert acme.provider == "acme" and acme.approximate and acme.encoding == "o200k_base"
    assert acme.origin == str(LITELLM_SAMPLE)
    assert "LiteLLM" in acme.source and acme.as_of
    small = entry_for("acme/acme-small-1", catalogue)  # completion mode, max_tokens only
    assert (small.input, small.output, small.context_window) == (0.25, 0.75, 32000)
    assert entry_for("acme/acme-reasoner", catalogue).output == 10.0  # responses mode
    for skipped in ["sample_spec", "acme-embed", "acme-unpriced", "acme-image-1"]:
        assert catalogue.lookup(skipped) is None, skipped


def test_litellm_row_updates_a_known_model() -> None:
    catalogue = load_catalogue([LITELLM_SAMPLE])
    gpt = entry_for("gpt-4o-2024-08-06", catalogue)  # the bundled alias still leads here
    assert gpt.id == "gpt-4o" and gpt.origin == str(LITELLM_SAMPLE)
    assert (gpt.input, gpt.output, gpt.cached_input) == (3.0, 11.0, 1.5)
    assert gpt.encoding == "o200k_base" and not gpt.approximate
    assert gpt.fine_tune is not None  # LiteLLM has no training prices; keep ours


def test_litellm_fine_tuned_row_is_used_for_fine_tuned_names() -> None:
    tuned = entry_for("ft:gpt-4o-mini-2024-07-18:acme::abc", load_catalogue([LITELLM_SAMPLE]))
    assert tuned.id == "ft:gpt-4o-mini-2024-07-18" and tuned.origin == str(LITELLM_SAMPLE)
    assert (tuned.input, tuned.output) == (0.3, 1.2)
    assert tuned.encoding == "o200k_base" and not tuned.approximate  # the base's tokenizer


def test_litellm_file_is_recognised_by_content(tmp_path: Path) -> None:
    copy = write(tmp_path / "prices.txt", LITELLM_SAMPLE.read_text(encoding="utf-8"))
    assert entry_for("acme-large-1", load_catalogue([copy])).input == 4.0


# ------------------------------------------------------------------ errors

ROW = "models:\n  - id: x\n    input: 1\n    output: 1\n    context_window: 5\n"


@pytest.mark.parametrize(
    ("text", "key", "line", "fragment"),
    [
        (
            ROW.replace("input: 1", "input: abc"),
            "models[0].input",
            3,
            "expected a number >= 0 (USD per 1M tokens), got 'abc'",
        ),
        (ROW.replace("input: 1", "input: -1"), "models[0].input", 3, "expected a number >= 0"),
        (
            ROW.replace("context_window: 5", "context_window: 0"),
            "models[0].context_window",
            5,
            "whole number of tokens > 0",
        ),
        (
            ROW.replace("context_window: 5", "context_window: 1.5"),
            "models[0].context_window",
            5,
            "whole number of tokens > 0",
        ),
        (ROW + "    max_output: many\n", "models[0].max_output", 6, "whole number"),
        (ROW + "    encoding: p50k_base\n", "models[0].encoding", 6, "unknown encoding"),
        (ROW + "    approximate: maybe\n", "models[0].approximate", 6, "true or false"),
        (ROW + "    aliases: x-1\n", "models[0].aliases", 6, "list of model names"),
        (ROW + "    imput: 2\n", "models[0].imput", 6, "did you mean `input`"),
        (
            ROW + "    fine_tune: {training: 1}\n",  # training alone prices no tuned call
            "models[0].fine_tune.input",
            6,
            "missing required field",
        ),
        (
            ROW + "    fine_tune: {training: 1, input: 1, output: x}\n",
            "models[0].fine_tune.output",
            6,
            "expected a number",
        ),
        (
            "models:\n  - id: x\n    output: 1\n    context_window: 5\n",
            "models[0].input",
            2,
            "missing required field",
        ),
        ("models:\n  - input: 1\n", "models[0].id", 2, "needs an `id`"),
        ("models:\n  - just-a-name\n", "models[0]", None, "expected a mapping"),
        (ROW + "  - id: x\n    input: 2\n", "models[1].id", 6, "duplicate id `x`"),
        ("prices: []\n", "prices", 1, "unknown top-level key"),
        ("as_of: 2026-01-01\n", "models", None, "`models` list"),
        (
            "models:\n  - id: claude-3.5-sonnet\n    input: 1\n",
            "models[0].id",
            2,
            "another name for `claude-3-5-sonnet`",
        ),
    ],
)
def test_bad_tables_name_file_line_and_key(
    tmp_path: Path, text: str, key: str, line: int | None, fragment: str
) -> None:
    table = write(tmp_path / "bad.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_catalogue([table])
    error = info.value
    assert error.key == key and error.path == str(table)
    assert fragment in str(error) and str(table) in str(error)
    if line is not None:
        assert error.line == line


def test_error_message_shape(tmp_path: Path) -> None:
    table = write(tmp_path / "bad.yaml", ROW + "  - id: y\n    input: abc\n")
    with pytest.raises(
        ConfigError, match=re.escape(f"{table}:7: `models[1].input`: expected a number >= 0")
    ):
        load_catalogue([table])


def test_inline_table_errors_name_the_setting() -> None:
    with pytest.raises(ConfigError) as info:
        load_catalogue([{"models": [{"id": "x", "input": "abc"}]}])
    assert info.value.key == "pricing[0].models[0].input"


def test_missing_table(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="price table not found") as info:
        load_catalogue([missing])
    assert info.value.path == str(missing)


def test_unreadable_tables(tmp_path: Path) -> None:
    broken_json = write(tmp_path / "prices.json", '{"gpt-4o": {"input_cost_per_token": }')
    with pytest.raises(ConfigError, match="invalid JSON") as info:
        load_catalogue([broken_json])
    assert info.value.line == 1
    broken_yaml = write(tmp_path / "prices.yaml", "models: [\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_catalogue([broken_yaml])
    with pytest.raises(ConfigError, match="found a folder"):
        load_catalogue([tmp_path])


def test_unsafe_yaml_is_refused(tmp_path: Path) -> None:
    table = write(tmp_path / "prices.yaml", "models: !!python/object/apply:os.system [echo]\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_catalogue([table])


# -------------------------------------------------------------------- cost


def test_cost_arithmetic_by_hand() -> None:
    gpt = entry_for("gpt-4o")  # $2.50 in, $1.25 cached, $10 out per 1M
    cost = estimate(gpt, 1000, 500, 20_000)
    assert cost.model == "gpt-4o" and cost.calls_per_day == 20_000
    assert cost.input_cost_per_call == pytest.approx(0.0025)  # 1,000 x $2.50 / 1M
    assert cost.output_cost_per_call == pytest.approx(0.005)  # 500 x $10 / 1M
    assert cost.cost_per_call == pytest.approx(0.0075)
    assert cost.cost_per_day == pytest.approx(150.0)  # x 20,000 calls
    assert cost.context_window == 128_000
    assert cost.context_share == pytest.approx(1500 / 128_000)
    assert not cost.approximate and cost.price_origin == "builtin"


def test_cached_input_tokens() -> None:
    gpt = entry_for("gpt-4o")
    cached = estimate(gpt, 1000, 0, 1, cached_input_tokens=600)
    assert cached.cost_per_call == pytest.approx((400 * 2.50 + 600 * 1.25) / 1e6)
    clamped = estimate(gpt, 1000, 0, 1, cached_input_tokens=5000)
    assert clamped.cost_per_call == pytest.approx(1000 * 1.25 / 1e6)
    no_cache_price = entry_for("gpt-4")  # cached tokens billed at the full price
    assert estimate(
        no_cache_price, 1000, 0, 1, cached_input_tokens=600
    ).cost_per_call == pytest.approx(1000 * 30.0 / 1e6)


def test_cost_of_an_approximate_model() -> None:
    sonnet = entry_for("Claude Sonnet 4.5")  # $3 in, $15 out
    cost = estimate(sonnet, 2000, 1000, 0)
    assert cost.cost_per_call == pytest.approx(2000 * 3 / 1e6 + 1000 * 15 / 1e6)
    assert cost.cost_per_day == 0.0 and cost.approximate


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "$0"),
        (0.0, "$0"),
        (0.0075, "$0.0075"),
        (0.0042, "$0.0042"),
        (0.000123, "$0.00012"),
        (0.00102, "$0.0010"),
        (0.00099996, "$0.0010"),
        (0.0099996, "$0.01"),
        (0.00000015, "$0.00000015"),
        (0.01, "$0.01"),
        (0.05, "$0.05"),
        (1.234, "$1.23"),
        (83.3, "$83.30"),
        (999.994, "$999.99"),
        (999.996, "$1,000"),
        (12345.6, "$12,346"),
        (1_234_567.0, "$1,234,567"),
        (-2.5, "-$2.50"),
        (-0.0042, "-$0.0042"),
    ],
)
def test_format_usd(amount: float, text: str) -> None:
    assert format_usd(amount) == text
