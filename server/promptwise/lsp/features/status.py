"""``promptwise/status``: one line for a status bar (the VS Code client shows ``text``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promptwise.lsp.features.code_lens import cost_title
from promptwise.lsp.features.presentation import tokens
from promptwise.pricing.cost import format_usd

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer


async def status(ls: PromptwiseServer, params: Any) -> dict[str, Any] | None:
    uri = params.get("uri") if isinstance(params, dict) else getattr(params, "uri", None)
    if not isinstance(uri, str):
        return None
    analysis = await ls.documents.current_analysis(uri)
    if analysis is None:
        return None
    cost = analysis.cost
    text = f"$(symbol-numeric) {tokens(analysis.input_tokens, analysis.approximate)}"
    if cost is not None:
        text += f" · {format_usd(cost.cost_per_call)}"
    return {
        "text": text,
        "tooltip": f"Promptwise: {cost_title(analysis)}",
        "tokens": analysis.input_tokens,
        "includedTokens": analysis.included_tokens,
        "approximate": analysis.approximate,
        "costPerCall": cost.cost_per_call if cost is not None else None,
        "model": analysis.model_name,
    }
