"""PW502: prompt tokens plus maximum output exceed the model's context window."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.rules.checks import CheckContext, Hit, model_anchor, register


@register(
    "context-window-overflow",
    fills=("approx", "tokens", "output_tokens", "needed", "window", "model"),
)
def context_window_overflow(ctx: CheckContext) -> Iterator[Hit]:
    if ctx.price is None or not ctx.price.context_window:
        return
    window = ctx.price.context_window
    if ctx.tokens.at_most + ctx.output_tokens <= window:
        return  # cannot overflow whatever the count: nothing is encoded
    needed = ctx.tokens.total + ctx.output_tokens
    if needed <= window:
        return
    marker = "≈" if ctx.tokens.approximate else ""
    yield Hit(
        model_anchor(ctx),
        {
            "approx": marker,
            "tokens": f"{ctx.tokens.total:,}",
            "output_tokens": f"{ctx.output_tokens:,}",
            "needed": f"{needed:,}",
            "window": f"{window:,}",  # as pricing.cost.context_window_text writes it
            "model": ctx.price.id,
        },
        data={"needed": needed, "window": window},
    )
