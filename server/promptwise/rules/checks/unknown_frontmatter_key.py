"""PW011: a frontmatter key the file's kind does not know, with the closest known key."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise import schemas
from promptwise.findings import Fix, TextEdit
from promptwise.rules.checks import CheckContext, Hit, register


@register(
    "unknown-frontmatter-key",
    variants={"plain": ("key", "where"), "suggest": ("key", "where", "suggestion")},
)
def unknown_frontmatter_key(ctx: CheckContext) -> Iterator[Hit]:
    text = ctx.document.text
    for problem in schemas.validate(ctx.document):
        if problem.group != "unknown":
            continue
        fixes: tuple[Fix, ...] = ()
        suggestion = problem.args.get("suggestion")
        if suggestion and text[problem.span.start : problem.span.end] == problem.args["key"]:
            # Renaming a key to the one the tool reads changes what the tool does,
            # which is the point, but the author should see it: not a safe fix.
            fixes = (
                Fix(
                    f"Rename `{problem.args['key']}` to `{suggestion}`",
                    (TextEdit(problem.span, suggestion),),
                    safe=False,
                ),
            )
        yield Hit(
            problem.span,
            problem.args,
            problem.variant,
            fixes=fixes,
            data={"key": problem.args["key"]},
        )
