"""PW506: an instruction, agent or skill file too long to be read well on every turn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from promptwise import schemas
from promptwise.document.model import PromptDocument
from promptwise.rules.checks import CheckContext, Hit, first_body_line, register

# Files an agent reads on every turn, whatever the task.
_ALWAYS_ON_NAMES = frozenset({"agents.md", "claude.md", "gemini.md", "copilot-instructions.md"})
_EVERY_FILE = frozenset({"**", "*", "**/*", "**/**"})


def reading_kind(doc: PromptDocument) -> str | None:
    """How often an agent reads the file: always_on, scoped, agent, skill, or None."""
    name = PurePosixPath(doc.path.replace("\\", "/")).name.lower()
    if name in _ALWAYS_ON_NAMES:
        return "always_on"
    kind = schemas.kind_of(doc.path, doc.format)
    fm = doc.frontmatter or {}
    if kind == "copilot-instructions":
        apply_to = fm.get("applyTo")
        globs = apply_to if isinstance(apply_to, list) else [apply_to]
        every = any(
            isinstance(g, str) and any(p in _EVERY_FILE for p in schemas.split_globs(g))
            for g in globs
        )
        return "always_on" if every else "scoped"
    if kind == "cursor-rule":
        return "always_on" if fm.get("alwaysApply") is True else "scoped"
    if kind in ("copilot-agent", "claude-agent"):
        return "agent"
    if kind == "skill":
        return "skill"
    return None


@register(
    "instructions-too-long",
    variants={
        "always_on": ("tokens", "limit"),
        "scoped": ("tokens", "limit"),
        "agent": ("tokens", "limit"),
        "skill": ("tokens", "limit"),
    },
)
def instructions_too_long(ctx: CheckContext) -> Iterator[Hit]:
    kind = reading_kind(ctx.document)
    if kind is None:
        return
    limit = int(ctx.options[f"{kind}_max_tokens"])
    if ctx.tokens.at_most <= limit:
        return  # cannot be over the limit whatever the count: nothing is encoded
    tokens = ctx.tokens.total
    if tokens > limit:
        yield Hit(
            first_body_line(ctx.document),
            {"tokens": f"{tokens:,}", "limit": f"{limit:,}"},
            kind,
            data={"tokens": tokens, "limit": limit},
        )
