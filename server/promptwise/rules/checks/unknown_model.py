"""PW501: the model is not in the price table, so no cost can be shown."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.rules.checks import CheckContext, Hit, model_anchor, register


@register(
    "unknown-model",
    # Where the name came from (the file or the settings), with or without
    # names from the price table that look like it.
    variants={
        "in_file": ("model",),
        "in_file_suggest": ("model", "suggestions"),
        "in_settings": ("model",),
        "in_settings_suggest": ("model", "suggestions"),
    },
)
def unknown_model(ctx: CheckContext) -> Iterator[Hit]:
    if ctx.price is not None:
        return
    suggestions = ctx.catalogue.suggest(ctx.model_name)
    origin = "in_file" if ctx.document.model else "in_settings"
    yield Hit(
        model_anchor(ctx),
        {"model": ctx.model_name, "suggestions": ", ".join(f"`{s}`" for s in suggestions[:3])},
        f"{origin}_suggest" if suggestions else origin,
        data={"model": ctx.model_name},
    )
