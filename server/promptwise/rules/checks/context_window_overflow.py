"""PW502: prompt tokens plus maximum output exceed the model's context window."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.rules.checks import CheckContext, Hit, model_anchor, register


@register("context-window-overflow")
def context_window_overflow(ctx: CheckContext) -> Iterator[Hit]:
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
