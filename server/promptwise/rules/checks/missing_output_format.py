"""PW304: a classification, extraction or conversion that states no output format."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.rules import judgements
from promptwise.rules.checks import CheckContext, Hit, first_body_line, register
from promptwise.rules.checks.scaffold import rule_fix

_KIND = judgements.TaskKind


@register(
    "missing-output-format",
    variants={"classification": (), "extraction": (), "translation": (), "conversion": ()},
)
def missing_output_format(ctx: CheckContext) -> Iterator[Hit]:
    """Structured tasks are parsed by code; an unstated format means a
    preamble here, a trailing explanation there, and a parser that fails."""
    doc = ctx.document
    profile = ctx.profile
    if profile.kind not in judgements.STRUCTURED_KINDS or profile.output_format is not None:
        return
    if profile.kind is _KIND.CLASSIFICATION:
        labels = profile.label_set.labels if profile.label_set else ()
        choices = " or ".join(label.capitalize() for label in labels) or "one label"
        variant = "classification"
        sentence = f"Respond with exactly one label (${{1:{choices}}}) and nothing else."
    elif profile.kind is _KIND.EXTRACTION:
        variant = "extraction"
        sentence = (
            "Return the result as JSON with the keys ${1:<key>}, ${2:<key>}; use null for a "
            "value that is not in the text."
        )
    else:
        task = (
            doc.text[profile.kind_evidence.start : profile.kind_evidence.end].lower()
            if profile.kind_evidence
            else ""
        )
        variant = "translation" if "translat" in task else "conversion"
        what = "translation" if variant == "translation" else "converted text"
        sentence = f"Return only the ${{1:{what}}}, with no preamble or explanation."
    anchor = profile.kind_evidence or first_body_line(doc)
    yield Hit(
        anchor,
        variant=variant,
        fixes=rule_fix(doc, profile, "State the output format", sentence),
        data={"kind": profile.kind.value},
    )
