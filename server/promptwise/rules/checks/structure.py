"""Structural checks: frontmatter, template syntax, variables, empty messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from promptwise.document.model import PromptFormat, SegmentKind, VariableRole
from promptwise.document.text import Span
from promptwise.findings import Related
from promptwise.rules.checks import CheckContext, Hit, register

_DECLARATION_KEYS = {
    PromptFormat.PROMPTY: "inputs",
    PromptFormat.DOTPROMPT: "input.schema",
}


@register("parse-problems")
def parse_problems(ctx: CheckContext) -> Iterator[Hit]:
    """Problems the document stage recorded under this rule's code.

    Reading, frontmatter and template errors are found while parsing; this
    check only hands them to the engine so that they are configured and
    suppressed like every other finding.
    """
    for problem in ctx.document.problems:
        if problem.code == ctx.rule.code:
            yield Hit(problem.span, problem.message)


def _checks_declarations(ctx: CheckContext) -> bool:
    """Prompty always declares its inputs; Dotprompt only when it has a schema."""
    doc = ctx.document
    if doc.format is PromptFormat.PROMPTY:
        return True
    return doc.format is PromptFormat.DOTPROMPT and doc.declares_inputs


@register("undefined-variable")
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
        hint = f"; did you mean `{close[0]}`?" if close else f"; declare it under `{where}`"
        related = (
            (Related(f"inputs are declared under `{where}`", doc.path, block),) if block else ()
        )
        first = use.name not in reported
        reported.add(use.name)
        yield Hit(
            use.span,
            f"`{use.name}` is used but not declared{hint}",
            related=related,
            data={"variable": use.name, "first": first},
        )


@register("unused-variable")
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
    used = {v.name for v in doc.used}
    for name, declared in doc.declared.items():
        if declared.source in ("sample", "input.default") or name in used:
            continue
        uses = [v.span for v in doc.variables if v.role is VariableRole.USE and v.name == name]
        if uses:
            continue
        yield Hit(
            declared.span,
            f"input `{name}` is declared but never used in the template",
            data={"variable": name},
        )


@register("empty-message")
def empty_message(ctx: CheckContext) -> Iterator[Hit]:
    doc = ctx.document
    comments = [*doc.comment_spans, *(s.span for s in doc.walk() if s.kind is SegmentKind.COMMENT)]
    for segment in doc.segments:
        if segment.kind is not SegmentKind.MESSAGE:
            continue
        if segment.value is not None:
            empty = not segment.value.strip()
        else:
            content = segment.content
            text = doc.text[content.start : content.end]
            for comment in comments:
                if content.covers(comment):
                    a, b = comment.start - content.start, comment.end - content.start
                    text = text[:a] + " " * (b - a) + text[b:]
            empty = not text.strip() or text.strip() in ("{{/role}}",)
        if empty:
            anchor = segment.header or (
                segment.span if len(segment.span) else Span(segment.span.start, segment.span.start)
            )
            role = segment.role or "message"
            yield Hit(anchor, f"the `{role}` message is empty; remove it or give it content")
