"""PW503: the prompt is over the token or cost budget set in the config."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.pricing.cost import format_usd
from promptwise.rules.checks import CheckContext, Hit, first_body_line, register


@register(
    "budget-exceeded",
    # One message per budget setting.
    variants={
        "max_tokens": ("approx", "tokens", "limit"),
        "max_cost_per_call": ("cost", "model", "limit"),
        "max_cost_per_day": ("calls", "cost", "model", "limit"),
    },
)
def budget_exceeded(ctx: CheckContext) -> Iterator[Hit]:
    limits = ctx.settings.budget
    anchor = first_body_line(ctx.document)
    marker = "≈" if ctx.tokens.approximate else ""
    # ``at_most`` first: a prompt that cannot reach a limit is never encoded.
    if (
        limits.max_tokens is not None
        and ctx.tokens.at_most > limits.max_tokens
        and ctx.tokens.total > limits.max_tokens
    ):
        yield Hit(
            anchor,
            {
                "approx": marker,
                "tokens": f"{ctx.tokens.total:,}",
                "limit": f"{limits.max_tokens:,}",
            },
            "max_tokens",
            data={"tokens": ctx.tokens.total, "limit": limits.max_tokens},
        )
    if limits.max_cost_per_call is None and limits.max_cost_per_day is None:
        return  # no cost budget: the cost (and so the count) is not needed
    cost = ctx.cost
    if cost is None:
        return
    if limits.max_cost_per_call is not None and cost.cost_per_call > limits.max_cost_per_call:
        yield Hit(
            anchor,
            {
                "cost": format_usd(cost.cost_per_call),
                "model": cost.model,
                "limit": format_usd(limits.max_cost_per_call),
            },
            "max_cost_per_call",
            data={"cost": cost.cost_per_call, "limit": limits.max_cost_per_call},
        )
    if limits.max_cost_per_day is not None and cost.cost_per_day > limits.max_cost_per_day:
        yield Hit(
            anchor,
            {
                "calls": f"{cost.calls_per_day:,}",
                "cost": format_usd(cost.cost_per_day),
                "model": cost.model,
                "limit": format_usd(limits.max_cost_per_day),
            },
            "max_cost_per_day",
            data={"cost": cost.cost_per_day, "limit": limits.max_cost_per_day},
        )
