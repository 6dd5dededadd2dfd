"""Cost arithmetic over token counts and a price row.

Plain float arithmetic in USD: per call, input tokens times the input price
plus expected output tokens times the output price (cached input tokens at
the cached price when the caller has any); per day, times calls per day.
"""

from __future__ import annotations

from dataclasses import dataclass

from promptwise.pricing.catalogue import PriceEntry

PER_MILLION = 1_000_000


@dataclass(frozen=True)
class CostEstimate:
    model: str  # the price row's id
    input_tokens: int
    output_tokens: int
    cost_per_call: float
    cost_per_day: float
    calls_per_day: int
    input_cost_per_call: float
    output_cost_per_call: float
    context_window: int
    context_share: float  # (input + output) / context window
    approximate: bool
    price_origin: str


def estimate(entry: PriceEntry, input_tokens: int, output_tokens: int, calls_per_day: int,
             *, cached_input_tokens: int = 0) -> CostEstimate:
    cached = min(max(cached_input_tokens, 0), input_tokens)
    cached_price = entry.cached_input if entry.cached_input is not None else entry.input
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
        context_share=(input_tokens + output_tokens) / window if window else 0.0,
        approximate=entry.approximate,
        price_origin=entry.origin,
    )


def format_usd(amount: float) -> str:
    """Money for people: ``$0.0042``, ``$1.23``, ``$12,345``.

    Amounts under a cent keep two significant digits, so a per-call cost of
    a fraction of a cent never shows as ``$0.00``.
    """
    if amount == 0:
        return "$0"
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    if value >= 1000:
        return f"{sign}${value:,.0f}"
    if value >= 0.01:
        return f"{sign}${value:,.2f}"
    text = f"{value:.2g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        digits = -int(exponent) - 1
        text = f"{value:.{digits + max(1, len(mantissa.replace('.', '')))}f}"
    return f"{sign}${text}"
