"""Price table: aliases, overrides, LiteLLM import, cost arithmetic."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptwise.errors import ConfigError
from promptwise.pricing import estimate, format_usd, load_catalogue
from promptwise.pricing.catalogue import ENCODINGS
from tests.conftest import DATA


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpt-4o", "gpt-4o"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("azure/gpt-4o", "gpt-4o"),
        ("openai/gpt-4o-mini", "gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4.1", "gpt-4.1"),
        ("gpt-4.1-mini", "gpt-4.1-mini"),
        ("GPT-4.1 (copilot)", "gpt-4.1"),
        ("gpt-4", "gpt-4"),
        ("o4-mini", "o4-mini"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("Claude Sonnet 4", "claude-sonnet-4"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-sonnet-4.5", "claude-sonnet-4-5"),
        ("claude-3-5-sonnet@20240620", "claude-3-5-sonnet"),
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"),
        ("openrouter/anthropic/claude-3.5-sonnet", "claude-3-5-sonnet"),
        ("googleai/gemini-2.5-flash", "gemini-2.5-flash"),
        ("vertexai/gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("googleai/gemini-pro", "gemini-1.0-pro"),
        ("mistral-large-latest", "mistral-large"),
        ("meta-llama/Meta-Llama-3.1-8B-Instruct", "llama-3.1-8b"),
        ("llama-3.3-70b-instruct", "llama-3.3-70b"),
    ],
)
def test_aliases_resolve(name: str, expected: str) -> None:
    entry = load_catalogue().lookup(name)
    assert entry is not None and entry.id == expected


@pytest.mark.parametrize("name", ["gpt-4o-turbo-max", "claude-9", "", "   ", "gpt-4o-mini-x"])
def test_unknown_names(name: str) -> None:
    assert load_catalogue().lookup(name) is None


def test_families_never_cross() -> None:
    catalogue = load_catalogue()
    assert catalogue.lookup("gpt-4o-mini-2024-07-18").id != "gpt-4o"
    assert catalogue.lookup("gpt-4.1-nano").id == "gpt-4.1-nano"
    assert catalogue.lookup("o3-mini").id == "o3-mini"


def test_suggestions_for_unknown_names() -> None:
    assert "gpt-4o-mini" in load_catalogue().suggest("gpt-4o-minii")
    assert "claude-sonnet-4" in load_catalogue().suggest("claude-sonet-4")


def test_bundled_table_is_complete_and_valid() -> None:
    catalogue = load_catalogue()
    ids = set(catalogue.names())
    for required in ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5",
                     "gpt-5-mini", "o3", "o4-mini", "claude-3-5-sonnet", "claude-3-7-sonnet",
                     "claude-sonnet-4", "claude-opus-4", "claude-sonnet-4-5", "claude-haiku-4-5",
                     "claude-3-5-haiku", "gemini-2.0-flash", "gemini-2.5-pro",
                     "gemini-2.5-flash", "mistral-large", "mistral-small", "llama-3.1-8b",
                     "llama-3.1-70b"]:
        assert required in ids
    for entry in catalogue.entries:
        assert entry.input > 0 and entry.output > 0 and entry.context_window > 0, entry.id
        assert entry.encoding in ENCODINGS
        assert entry.source and entry.as_of and entry.origin == "builtin"
        if entry.provider != "openai":
            assert entry.approximate, entry.id  # no public tokenizer
        if entry.fine_tune is not None:
            assert entry.fine_tune.training > 0
            assert entry.fine_tune.input >= entry.input and entry.fine_tune.output >= entry.output


def test_user_table_adds_and_updates(tmp_path: Path) -> None:
    table = tmp_path / "prices.yaml"
    table.write_text(
        "models:\n"
        "  - id: acme-1\n    input: 1.0\n    output: 2.0\n    context_window: 1000\n"
        "    aliases: [acme/one]\n"
        "  - id: gpt-4o\n    input: 2.0\n"
    )
    catalogue = load_catalogue([table])
    acme = catalogue.lookup("acme/one")
    assert acme is not None and acme.id == "acme-1" and acme.origin == str(table)
    gpt = catalogue.lookup("gpt-4o")
    assert gpt.input == 2.0 and gpt.output == 10.0  # partial update keeps the rest
    assert gpt.origin == str(table)
    assert load_catalogue().lookup("gpt-4o").input == 2.5  # the bundled table is untouched


def test_inline_table_from_config() -> None:
    catalogue = load_catalogue([{"models": [{"id": "inhouse-7b", "input": 0.1, "output": 0.1,
                                             "context_window": 8192}]}])
    assert catalogue.lookup("inhouse-7b").origin == "config"


def test_litellm_import() -> None:
    catalogue = load_catalogue([DATA / "pricing" / "litellm_sample.json"])
    acme = catalogue.lookup("acme-large-1")
    assert acme is not None
    assert acme.input == pytest.approx(4.0) and acme.output == pytest.approx(12.0)
    assert acme.cached_input == pytest.approx(1.0) and acme.context_window == 64000
    assert acme.approximate and acme.provider == "acme"
    assert catalogue.lookup("acme-embed") is None and catalogue.lookup("sample_spec") is None
    assert catalogue.lookup("gpt-4o").input == pytest.approx(3.0)  # overrides the bundled row


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("models:\n  - id: x\n    input: abc\n    output: 1\n    context_window: 5\n",
         "models[0].input", "expected a price"),
        ("models:\n  - id: x\n    input: 1\n    output: 1\n    context_window: 0\n",
         "models[0].context_window", "whole number > 0"),
        ("models:\n  - id: x\n    input: 1\n    output: 1\n    context_window: 5\n"
         "    encoding: p50k\n", "models[0].encoding", "unknown encoding"),
        ("models:\n  - id: x\n    input: 1\n    output: 1\n    context_window: 5\n    colour: red\n",
         "models[0].colour", "unknown price-table field"),
        ("models:\n  - id: x\n    output: 1\n    context_window: 5\n", "models[0].input",
         "missing required field"),
        ("prices: []\n", "models", "`models` list"),
    ],
)
def test_bad_tables_name_file_and_key(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    table = tmp_path / "bad.yaml"
    table.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_catalogue([table])
    assert info.value.key == key and fragment in str(info.value) and str(table) in str(info.value)


def test_missing_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="price table not found"):
        load_catalogue([tmp_path / "nope.yaml"])


def test_cost_arithmetic_by_hand() -> None:
    gpt = load_catalogue().lookup("gpt-4o")  # $2.50 in, $1.25 cached, $10 out per 1M
    cost = estimate(gpt, 1000, 500, 20_000)
    assert cost.input_cost_per_call == pytest.approx(0.0025)
    assert cost.output_cost_per_call == pytest.approx(0.005)
    assert cost.cost_per_call == pytest.approx(0.0075)
    assert cost.cost_per_day == pytest.approx(150.0)
    assert cost.context_share == pytest.approx(1500 / 128_000)
    cached = estimate(gpt, 1000, 0, 1, cached_input_tokens=600)
    assert cached.cost_per_call == pytest.approx((400 * 2.5 + 600 * 1.25) / 1e6)


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "$0"), (0.0075, "$0.0075"), (0.000123, "$0.00012"), (1.234, "$1.23"),
     (12345.6, "$12,346"), (0.05, "$0.05"), (999.994, "$999.99"), (-2.5, "-$2.50")],
)
def test_format_usd(amount: float, text: str) -> None:
    assert format_usd(amount) == text
