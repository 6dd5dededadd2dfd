"""PW004: an input is declared but the template never uses it."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.document.model import VariableRole
from promptwise.rules.checks import CheckContext, Hit, register


@register("unused-variable", fills=("variable",))
def unused_variable(ctx: CheckContext) -> Iterator[Hit]:
    doc = ctx.document
    # Partials, includes and whole-context dumps can read any input; stay quiet.
    if any(
        tag.kind == "partial" or tag.name in ("include", "import", "extends", "from")
        for tag in doc.tags
    ):
        return
    if any(tag.kind == "expr" and tag.argument.split()[-1:] == ["this"] for tag in doc.tags):
        return
    # Every name read anywhere, gathered once: looking through all variables
    # for each declared name was quadratic in a file of many inputs.
    read = {v.name for v in doc.variables if v.role is VariableRole.USE}
    # Thread inputs and tool bindings are used by the runtime itself.
    used = {v.name for v in doc.used} | doc.runtime_inputs
    for name, declared in doc.declared.items():
        if declared.source in ("sample", "input.default") or name in used:
            continue
        if name in read:
            continue
        yield Hit(
            declared.span,
            {"variable": name},
            data={"variable": name},
        )
