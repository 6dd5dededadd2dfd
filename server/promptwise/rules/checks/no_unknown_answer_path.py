"""PW303: a prompt that answers questions never says what to do without an answer."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.rules.checks import CheckContext, Hit, first_body_line, register
from promptwise.rules.checks.scaffold import rule_fix


@register("no-unknown-answer-path")
def no_unknown_answer_path(ctx: CheckContext) -> Iterator[Hit]:
    """Without an explicit way to say "I don't know", a model answers anyway:
    that is where confident hallucinations come from. If the answers must
    come from facts the model does not have, that is a case for retrieval;
    the rule here is the first step either way."""
    doc = ctx.document
    profile = ctx.profile
    if not (profile.answers_questions and profile.takes_input):
        return
    if profile.unknown_answer_path is not None:
        return
    sentence = (
        "If you don't know the answer or it is not in the information you were "
        'given, say "${1:I don\'t know}" instead of guessing.'
    )
    yield Hit(
        first_body_line(doc),
        fixes=rule_fix(doc, profile, 'Add an "I don\'t know" rule', sentence),
    )
