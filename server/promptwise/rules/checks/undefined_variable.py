"""PW003: a template variable is used but not declared as an input."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from promptwise.document.model import PromptFormat
from promptwise.findings import Related
from promptwise.rules.checks import CheckContext, Hit, register

_DECLARATION_KEYS = {
    PromptFormat.PROMPTY: "inputs",
    PromptFormat.DOTPROMPT: "input.schema",
}


def _checks_declarations(ctx: CheckContext) -> bool:
    """Prompty always declares its inputs; Dotprompt only when it has a schema."""
    doc = ctx.document
    if doc.format is PromptFormat.PROMPTY:
        return True
    return doc.format is PromptFormat.DOTPROMPT and doc.declares_inputs


@register(
    "undefined-variable",
    variants={"suggest": ("variable", "suggestion"), "declare": ("variable", "where")},
)
def undefined_variable(ctx: CheckContext) -> Iterator[Hit]:
    doc = ctx.document
    if not _checks_declarations(ctx):
        return
    declared = doc.declared
    where = _DECLARATION_KEYS.get(doc.format, "inputs")
    block = doc.key_spans.get(where.split(".")[0])
    reported: set[str] = set()
    for use in doc.used:
        if use.name in declared:
            continue
        close = difflib.get_close_matches(use.name, list(declared), n=1)
        related = (
            (Related(f"inputs are declared under `{where}`", doc.path, block),) if block else ()
        )
        first = use.name not in reported
        reported.add(use.name)
        yield Hit(
            use.span,
            {"variable": use.name, "suggestion": close[0]}
            if close
            else {"variable": use.name, "where": where},
            "suggest" if close else "declare",
            related=related,
            data={"variable": use.name, "first": first},
        )
