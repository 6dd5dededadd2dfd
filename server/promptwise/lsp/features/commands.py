"""workspace/executeCommand: cost comparison, escalation report, re-analyse,
explain a rule, and the server-side half of "ignore in config".

Results are data plus markdown (``{"rows": [...], "markdown": "..."}``): any
client can show the markdown, and the VS Code extension renders it in a
panel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcInvalidParams

from promptwise import edits as file_edits
from promptwise.analysis import Analysis, catalogue_for, comparison, rules_for
from promptwise.config import Settings
from promptwise.lsp import convert
from promptwise.lsp.features.presentation import tokens
from promptwise.pricing.cost import CostEstimate, context_share_text, format_usd

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer


def _arg(args: Sequence[Any], index: int, key: str) -> Any:
    """Positional argument ``index``, or ``key`` of a single object argument."""
    if len(args) == 1 and isinstance(args[0], Mapping):
        return args[0].get(key)
    if len(args) > index:
        value = args[index]
        if isinstance(value, Mapping):
            return value.get(key, value.get("uri"))
        return getattr(value, key, value) if not isinstance(value, (str, int, float)) else value
    return None


async def _analysis(ls: PromptwiseServer, args: Sequence[Any]) -> Analysis:
    uri = _arg(args, 0, "uri")
    if not isinstance(uri, str) or not uri:
        raise JsonRpcInvalidParams(message="expected the prompt file's URI as the argument")
    result = await ls.documents.analysis(uri)
    if result is None:
        raise JsonRpcInvalidParams(message=f"{uri} is not open in the editor")
    if result.analysis is None:
        raise JsonRpcInvalidParams(message=result.error or f"{uri} is not a prompt file")
    return result.analysis


def _row(estimate: CostEstimate | str, current: str) -> dict[str, Any]:
    if isinstance(estimate, str):
        return {"model": estimate, "known": False, "current": estimate == current}
    return {
        "model": estimate.model,
        "known": True,
        "current": estimate.model == current,
        "inputTokens": estimate.input_tokens,
        "outputTokens": estimate.output_tokens,
        "approximate": estimate.approximate,
        "costPerCall": estimate.cost_per_call,
        "costPerDay": estimate.cost_per_day,
        "callsPerDay": estimate.calls_per_day,
        "contextWindow": estimate.context_window,
        "contextShare": estimate.context_share,
    }


def comparison_markdown(analysis: Analysis, rows: list[dict[str, Any]]) -> str:
    name = Path(analysis.document.path).name
    calls = analysis.settings.calls_per_day
    lines = [
        f"### Cost of `{name}` per model",
        "",
        f"Expected output: {analysis.output_tokens:,} tokens per call · {calls:,} calls per day",
        "",
        "| model | input tokens | cost per call | cost per day | context window used |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        model = f"**{row['model']}** (this file)" if row["current"] else f"`{row['model']}`"
        if not row["known"]:
            lines.append(f"| {model} | – | not in the price table | – | – |")
            continue
        share = (
            f"{context_share_text(row['contextShare'])} of {row['contextWindow']:,}"
            if row["contextWindow"]
            else "–"
        )
        lines.append(
            f"| {model} | {tokens(row['inputTokens'], row['approximate'], '')} | "
            f"{format_usd(row['costPerCall'])} | {format_usd(row['costPerDay'])} | "
            f"{share} |"
        )
    if any(r.get("approximate") for r in rows):
        lines += ["", "≈ counted with the nearest public tokenizer: the vendor publishes none."]
    return "\n".join(lines)


async def show_cost_comparison(ls: PromptwiseServer, *args: Any) -> dict[str, Any]:
    analysis = await _analysis(ls, args)
    settings = analysis.settings
    models = list(dict.fromkeys([analysis.model_name, *settings.comparison_models]))
    loop = asyncio.get_running_loop()

    def compute() -> list[CostEstimate | str]:
        return comparison(analysis, models, catalogue_for(settings))

    estimates = await loop.run_in_executor(ls.executor, compute)
    rows = [_row(e, analysis.model_name) for e in estimates]
    if analysis.price is not None and rows and rows[0]["known"]:
        rows[0]["current"] = True
    return {
        "uri": _arg(args, 0, "uri"),
        "model": analysis.model_name,
        "callsPerDay": settings.calls_per_day,
        "outputTokens": analysis.output_tokens,
        "rows": rows,
        "markdown": comparison_markdown(analysis, rows),
    }


async def show_escalation_report(ls: PromptwiseServer, *args: Any) -> dict[str, Any]:
    analysis = await _analysis(ls, args)
    if analysis.escalation is not None:
        from promptwise.escalation.render.markdown import render_markdown

        text = render_markdown(analysis.escalation)
    else:
        text = (
            f"No escalation advice for `{Path(analysis.document.path).name}`: no failure "
            "log configured under `escalation.logs` mentions this prompt."
        )
    return {"uri": _arg(args, 0, "uri"), "markdown": text}


def reanalyze(ls: PromptwiseServer, *args: Any) -> dict[str, Any]:
    """Forget cached settings and analyse every open file (or the one given) again."""
    ls.settings.config_changed()
    uri = _arg(args, 0, "uri") if args else None
    count = ls.reanalyse([uri] if isinstance(uri, str) and uri else None)
    return {"reanalyzed": count}


def explain_rule(ls: PromptwiseServer, *args: Any) -> dict[str, Any]:
    wanted = _arg(args, 0, "code")
    if not isinstance(wanted, str) or not wanted.strip():
        raise JsonRpcInvalidParams(message="expected a rule code such as PW201")
    uri = _arg(args, 1, "uri")
    settings = Settings()
    if isinstance(uri, str) and uri in ls.documents.documents:
        settings = ls.settings.settings_for(ls.documents.documents[uri].path)
    try:
        ruleset = rules_for(settings)
    except Exception:
        ruleset = rules_for(Settings())
    key = wanted.strip()
    rule = next((r for r in ruleset.rules if r.code == key.upper() or r.name == key.lower()), None)
    if rule is None:
        raise JsonRpcInvalidParams(message=f"no rule {key!r}; codes look like PW201")
    return {
        "code": rule.code,
        "name": rule.name,
        "url": rule.docs_url,
        "markdown": rule.render_markdown() + f"\n\n[Rule file]({rule.docs_url})",
    }


def ignore_in_config(ls: PromptwiseServer, *args: Any) -> dict[str, Any]:
    """Write ``ignore`` (or, with scope ``"file"``, a ``per_file_ignores`` entry for
    the prompt) into the config file, for clients that cannot create files.

    The code must name a rule the file's settings know: the argument comes
    from the client and ends up in a file, so nothing else is written. A
    config the edit cannot keep valid is left alone, with the reason shown.
    """
    uri = _arg(args, 0, "uri")
    code = _arg(args, 1, "code")
    scope = _arg(args, 2, "scope")
    if (
        not isinstance(uri, str)
        or not isinstance(code, str)
        or not uri.startswith("file:")
        or scope not in (None, "file")
    ):
        raise JsonRpcInvalidParams(
            message="expected the prompt file's file: URI, a rule code and optionally "
            "the scope `file`"
        )
    path = convert.uri_to_path(uri)
    try:
        known = rules_for(ls.settings.settings_for(path)).by_code()
    except Exception:
        known = rules_for(Settings()).by_code()
    if code not in known:
        shown = code if len(code) <= 40 and code.isprintable() else repr(code[:40]) + "…"
        raise JsonRpcInvalidParams(message=f"{shown} is not a rule code; codes look like PW201")
    config = ls.settings.config_for(path)
    folder = ls.settings.folder_of(path)
    new_dir = Path(folder) if folder else Path(path).parent
    try:
        if scope == "file":
            change = file_edits.per_file_ignore_in_config(config, Path(path), code, new_dir)
        else:
            change = file_edits.ignore_in_config(config, code, new_dir)
    except file_edits.ConfigEditError as exc:
        ls.warn(f"Promptwise did not change the config: {exc}")
        return {"changed": False, "reason": str(exc)}
    if change is None:
        return {"changed": False}
    change.path.write_text(change.new_text, encoding="utf-8")
    ls.settings.config_changed()
    ls.reanalyse()
    return {"changed": True, "path": str(change.path), "created": change.create}
