"""PW101: a task that needs examples (classification, extraction, conversion
into a format, a summary in a set genre or style) shows none."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.findings import Fix
from promptwise.rules.checks import CheckContext, Hit, first_body_line, register
from promptwise.rules.checks.scaffold import examples_edit


@register(
    "missing-examples",
    # One message per kind of task that needs examples: what they must show.
    variants={"classification": (), "extraction": (), "transformation": (), "summarization": ()},
)
def missing_examples(ctx: CheckContext) -> Iterator[Hit]:
    """Task kind and examples come from :mod:`promptwise.rules.judgements`.

    Agent personas, guidelines, open-ended writing, simple Q&A and puzzles
    never need examples, so they are never flagged.
    """
    doc = ctx.document
    profile = ctx.profile
    if not profile.needs_examples or profile.examples:
        return
    anchor = profile.kind_evidence or first_body_line(doc)
    edit = examples_edit(doc, profile)
    fixes = (
        (Fix("Add an examples scaffold (a typical case and an edge case)", (edit,)),)
        if edit is not None
        else ()
    )
    kind = profile.kind.value
    yield Hit(
        anchor,
        variant=kind,
        fixes=fixes,
        data={"kind": kind},
    )
