"""Cost arithmetic over token counts and one price row.

Per call: input tokens times the input price plus expected output tokens
times the output price, with any cached input tokens at the cached price.
Per day: the per-call cost times calls per day. Plain float arithmetic in
USD: the inputs are estimates (expected output, calls per day, sometimes
approximate token counts), so decimal exactness would promise a precision
the numbers do not have, and floats keep the arithmetic cheap enough to run
on every keystroke.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from promptwise.pricing.catalogue import PER_MILLION, PriceEntry


@dataclass(frozen=True)
class CostEstimate:
    """What one prompt costs on one model, with the parts that add up to it.

    ``price_origin`` names the table the row came from so a surprising number
    can be traced to its price row.
    """

    model: str  # the price row's canonical id
    input_tokens: int
    output_tokens: int
    cost_per_call: float  # USD
    cost_per_day: float
    calls_per_day: int
    input_cost_per_call: float
    output_cost_per_call: float
    context_window: int
    context_share: float  # (input + output tokens) / context window
    approximate: bool  # token counts come from a stand-in tokenizer
    price_origin: str


def estimate(
    entry: PriceEntry,
    input_tokens: int,
    output_tokens: int,
    calls_per_day: int,
    *,
    cached_input_tokens: int = 0,
) -> CostEstimate:
    """Price ``input_tokens`` in and ``output_tokens`` out on ``entry``'s model.

    ``cached_input_tokens`` of the input (clamped to the input) are billed at
    the cached price; a model without one bills them at the full input price,
    which overstates rather than understates the cost.
    """
    cached = min(max(cached_input_tokens, 0), input_tokens)
    cached_price = entry.input if entry.cached_input is None else entry.cached_input
    input_cost = ((input_tokens - cached) * entry.input + cached * cached_price) / PER_MILLION
    output_cost = output_tokens * entry.output / PER_MILLION
    per_call = input_cost + output_cost
    window = entry.context_window
    return CostEstimate(
        model=entry.id,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_per_call=per_call,
        cost_per_day=per_call * calls_per_day,
        calls_per_day=calls_per_day,
        input_cost_per_call=input_cost,
        output_cost_per_call=output_cost,
        context_window=window,
        context_share=(input_tokens + output_tokens) / window if window > 0 else 0.0,
        approximate=entry.approximate,
        price_origin=entry.origin,
    )


def context_window_text(window: int) -> str:
    """A context size, written one way everywhere (lens, hover, completion, CLI,
    PW502's message): ``128,000-token context window``, never ``128K``."""
    return f"{window:,}-token context window"


def context_share_text(share: float) -> str:
    """The share of the context window a call uses: ``0.4%``, one decimal everywhere."""
    return f"{share * 100:.1f}%"


def format_usd(amount: float) -> str:
    """Money for people: ``$0``, ``$0.0042``, ``$1.23``, ``$12,345``.

    A single call usually costs a fraction of a cent, and ``$0.00`` would
    hide the number the user came for, so amounts under a cent keep two
    significant digits. Cents are shown up to $1,000; above that they are
    noise next to a daily bill.
    """
    if amount == 0:
        return "$0"
    if not math.isfinite(amount):
        return f"${amount}"
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    if value >= 0.01:
        cents = f"{value:,.2f}"
        if value >= 1000 or cents == "1,000.00":
            return f"{sign}${value:,.0f}"
        return f"{sign}${cents}"
    decimals = 1 - math.floor(math.log10(value))  # two significant digits
    text = f"{value:.{decimals}f}"
    if float(text) >= 10.0 ** (2 - decimals):  # 0.00099996 -> 0.0010, not 0.00100
        decimals -= 1
        text = f"{value:.{decimals}f}"
    if float(text) >= 0.01:
        text = "0.01"
    return f"{sign}${text}"
