"""PW301: the prompt processes input but says nothing about unusual input."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.rules import judgements
from promptwise.rules.checks import CheckContext, Hit, first_body_line, register
from promptwise.rules.checks.scaffold import rule_fix


def unknown_answer_applies(profile: judgements.TaskProfile) -> bool:
    """PW303 reports Q&A prompts; PW301 stays quiet there to say it once."""
    return (
        profile.answers_questions
        and profile.takes_input
        and profile.unknown_answer_path is None
        and profile.edge_handling is None
    )


@register("unhandled-edge-cases", variants={"agent": (), "input": ()})
def unhandled_edge_cases(ctx: CheckContext) -> Iterator[Hit]:
    """What counts as handling is decided in :mod:`promptwise.rules.judgements`:
    any rule for empty/missing, invalid, ambiguous, out-of-scope, unknown or
    conflicting input, an edge-case section, or a fallback label."""
    doc = ctx.document
    profile = ctx.profile
    if not profile.takes_input or profile.edge_handling is not None:
        return
    if unknown_answer_applies(profile):
        return
    if profile.kind is judgements.TaskKind.AGENT:
        variant = "agent"
        sentence = (
            "If a request is ambiguous, out of scope or missing information you need, "
            "${1:ask one clarifying question} instead of guessing."
        )
        title = "Add a rule for ambiguous or out-of-scope requests"
    else:
        variant = "input"
        sentence = "If the input is empty or cannot be processed, respond with ${1:<reply>}."
        title = "Add a rule for empty or unprocessable input"
    yield Hit(
        first_body_line(doc),
        variant=variant,
        fixes=rule_fix(doc, profile, title, sentence),
        data={"kind": profile.kind.value},
    )
