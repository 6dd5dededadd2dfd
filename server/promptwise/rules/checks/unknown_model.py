"""PW501: the model is not in the price table, so no cost can be shown."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.findings import Severity
from promptwise.rules.checks import CheckContext, Hit, model_anchor, register
from promptwise.rules.options import option_pattern


@register(
    "unknown-model",
    # Where the name came from (the file or the settings), with or without
    # names from the price table that look like it.
    variants={
        "in_file": ("model",),
        "in_file_suggest": ("model", "suggestions"),
        "in_settings": ("model",),
        "in_settings_suggest": ("model", "suggestions"),
        "chosen_elsewhere": ("model",),
    },
)
def unknown_model(ctx: CheckContext) -> Iterator[Hit]:
    if ctx.price is not None:
        return
    chosen = option_pattern(ctx.options, ctx.rule.code, "chosen_elsewhere_patterns")
    if chosen.fullmatch(ctx.model_name.strip()):
        # `inherit`, `Auto (copilot)`, `${env:AZURE_OPENAI_DEPLOYMENT}`: not a
        # mistake, only a model nobody can price from the file. Said once, as a note.
        yield Hit(
            model_anchor(ctx),
            {"model": ctx.model_name},
            "chosen_elsewhere",
            data={"model": ctx.model_name},
            severity=Severity.INFO,
        )
        return
    suggestions = ctx.catalogue.suggest(ctx.model_name)
    origin = "in_file" if ctx.document.model else "in_settings"
    yield Hit(
        model_anchor(ctx),
        {"model": ctx.model_name, "suggestions": ", ".join(f"`{s}`" for s in suggestions[:3])},
        f"{origin}_suggest" if suggestions else origin,
        data={"model": ctx.model_name},
    )
