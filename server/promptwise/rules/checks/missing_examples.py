"""PW101: a task that needs examples (classification, extraction, conversion
into a format) shows none."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.findings import Fix
from promptwise.rules import features
from promptwise.rules.checks import CheckContext, Hit, first_body_line, register
from promptwise.rules.checks.scaffold import examples_edit

_WHAT = {
    features.TaskKind.CLASSIFICATION: "which label each kind of input gets",
    features.TaskKind.EXTRACTION: "what to pull out and how to write it",
    features.TaskKind.TRANSFORMATION: "the exact target format",
}


@register("missing-examples")
def missing_examples(ctx: CheckContext) -> Iterator[Hit]:
    """Task kind and examples come from :mod:`promptwise.rules.features`.

    Agent personas, guidelines, open-ended writing, simple Q&A and puzzles
    never need examples, so they are never flagged.
    """
    doc = ctx.document
    profile = features.profile(doc)
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
        f"no worked example for this {kind} task; add 3-5 input -> output examples "
        f"showing {_WHAT.get(profile.kind, 'the expected output')}, one an edge case",
        fixes=fixes,
        data={"kind": kind},
    )
