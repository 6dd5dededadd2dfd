"""PW012: the frontmatter disagrees with the workspace: a skill's name and its folder,
an ``applyTo`` glob that matches no file."""

from __future__ import annotations

import os
from collections.abc import Iterator

from promptwise import schemas
from promptwise.project.files import workspace_root
from promptwise.rules.checks import CheckContext, Hit, register
from promptwise.schemas import globs


@register(
    "frontmatter-mismatch",
    variants={"folder": ("key", "value", "folder"), "no_match": ("key", "glob")},
)
def frontmatter_mismatch(ctx: CheckContext) -> Iterator[Hit]:
    for problem in schemas.validate(ctx.document):
        if problem.group == "mismatch":
            yield Hit(problem.span, problem.args, problem.variant)
    yield from _unmatched_globs(ctx)


def _unmatched_globs(ctx: CheckContext) -> Iterator[Hit]:
    """Globs that should match a file of the workspace and match none.

    Only for a file on disk inside a repository (or the folder of its
    config), so the workspace is known; silent when the workspace is too
    large to list, or a glob cannot be read (PW010's case).
    """
    doc = ctx.document
    schema = schemas.schema_for(doc)
    data = doc.frontmatter
    if schema is None or not data or not os.path.isfile(doc.path):
        return
    files: tuple[str, ...] | None = None
    for key, prop in schema.properties.items():
        value = data.get(key)
        if not prop.get("x-should-match") or value is None:
            continue
        for index, raw in enumerate(value if isinstance(value, list) else [value]):
            if not isinstance(raw, str):
                continue
            for glob in schemas.split_globs(raw):
                if files is None:
                    root = workspace_root(doc.path, ctx.settings.root)
                    if not os.path.exists(os.path.join(root, ".git")) and root != ctx.settings.root:
                        return  # no repository or config folder: the workspace is a guess
                    files = globs.workspace_files(root)
                    if files is None:
                        return
                if globs.matches_any(glob, files) is False:
                    path = f"{key}[{index}]" if isinstance(value, list) else key
                    yield Hit(schemas.value_span(doc, path), {"key": key, "glob": glob}, "no_match")
