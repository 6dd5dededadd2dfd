"""PW012: the frontmatter disagrees with where the file is (a skill's name and its folder)."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise import schemas
from promptwise.rules.checks import CheckContext, Hit, register


@register("frontmatter-mismatch", variants={"folder": ("key", "value", "folder")})
def frontmatter_mismatch(ctx: CheckContext) -> Iterator[Hit]:
    for problem in schemas.validate(ctx.document):
        if problem.group == "mismatch":
            yield Hit(problem.span, problem.args, problem.variant)
