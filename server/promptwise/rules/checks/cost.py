"""Token and cost checks that need only the counts and the price table."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.document.text import Span
from promptwise.pricing.cost import format_usd
from promptwise.rules.checks import CheckContext, Hit, first_body_line, register


def model_anchor(ctx: CheckContext) -> Span:
    """Findings about the model point at its name when the file names one."""
    doc = ctx.document
    if doc.model is not None and doc.model.span is not None:
        return doc.model.span
    return first_body_line(doc)


@register("unknown-model")
def unknown_model(ctx: CheckContext) -> Iterator[Hit]:
    if ctx.price is not None:
        return
    suggestions = ctx.catalogue.suggest(ctx.model_name)
    hint = f" (did you mean {', '.join(f'`{s}`' for s in suggestions[:3])}?)" if suggestions else ""
    origin = "named in this file" if ctx.document.model else "set in the settings"
    yield Hit(
        model_anchor(ctx),
        f"model `{ctx.model_name}` ({origin}) is not in the price table{hint}; costs are not "
        "shown. Add it under `pricing` in promptwise.yaml",
        data={"model": ctx.model_name},
    )


@register("context-window")
def context_window(ctx: CheckContext) -> Iterator[Hit]:
    if ctx.price is None or not ctx.price.context_window:
        return
    needed = ctx.tokens.total + ctx.output_tokens
    window = ctx.price.context_window
    if needed <= window:
        return
    marker = "≈" if ctx.tokens.approximate else ""
    yield Hit(
        model_anchor(ctx),
        f"prompt ({marker}{ctx.tokens.total:,} tokens) plus maximum output "
        f"({ctx.output_tokens:,}) is {needed:,} tokens, over the {window:,}-token context "
        f"window of `{ctx.price.id}`",
        data={"needed": needed, "window": window},
    )


@register("budget")
def budget(ctx: CheckContext) -> Iterator[Hit]:
    limits = ctx.settings.budget
    anchor = first_body_line(ctx.document)
    marker = "≈" if ctx.tokens.approximate else ""
    if limits.max_tokens is not None and ctx.tokens.total > limits.max_tokens:
        yield Hit(
            anchor,
            f"prompt is {marker}{ctx.tokens.total:,} tokens, over the budget of "
            f"{limits.max_tokens:,} (`budget.max_tokens`)",
            data={"tokens": ctx.tokens.total, "limit": limits.max_tokens},
        )
    cost = ctx.cost
    if cost is None:
        return
    if limits.max_cost_per_call is not None and cost.cost_per_call > limits.max_cost_per_call:
        yield Hit(
            anchor,
            f"one call costs {format_usd(cost.cost_per_call)} on `{cost.model}`, "
            f"over the budget of {format_usd(limits.max_cost_per_call)} "
            "(`budget.max_cost_per_call`)",
            data={"cost": cost.cost_per_call, "limit": limits.max_cost_per_call},
        )
    if limits.max_cost_per_day is not None and cost.cost_per_day > limits.max_cost_per_day:
        yield Hit(
            anchor,
            f"{cost.calls_per_day:,} calls a day cost "
            f"{format_usd(cost.cost_per_day)} on `{cost.model}`, over the budget "
            f"of {format_usd(limits.max_cost_per_day)} (`budget.max_cost_per_day`)",
            data={"cost": cost.cost_per_day, "limit": limits.max_cost_per_day},
        )
