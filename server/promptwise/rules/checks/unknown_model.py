"""PW501: the model is not in the price table, so no cost can be shown."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.rules.checks import CheckContext, Hit, model_anchor, register


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
