"""PW010: a frontmatter value breaks the JSON Schema of its file kind."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise import schemas
from promptwise.rules.checks import CheckContext, Hit, register


@register(
    "frontmatter-schema",
    variants={
        "type": ("key", "expected", "actual"),
        "enum": ("key", "value", "allowed"),
        "required": ("key", "kind"),
        "too_long": ("key", "length", "limit"),
        "empty": ("key",),
        "pattern": ("key", "value", "expected"),
        "glob": ("key", "glob", "problem"),
        "other": ("key", "problem"),
    },
)
def frontmatter_schema(ctx: CheckContext) -> Iterator[Hit]:
    for problem in schemas.validate(ctx.document):
        if problem.group == "invalid":
            yield Hit(
                problem.span, problem.args, problem.variant, data={"key": problem.args["key"]}
            )
