"""PW103: an example's output contradicts the output format the prompt declares."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache

from promptwise.rules import judgements
from promptwise.rules.checks import CheckContext, Hit, register
from promptwise.rules.options import alternation, compile_option
from promptwise.rules.timed import Pattern


@lru_cache(maxsize=8)
def _json_asked(code: str, verbs: tuple[str, ...]) -> Pattern:
    """A request for JSON: one of the verbs (``options.json_verb_patterns``) before
    `json`, or `json` before "only", "object", "format" ..."""
    return compile_option(
        r"\b"
        + alternation(verbs)
        + r"\b[^.\n]{0,40}\bjson\b|\bjson\b[^.\n]{0,20}\b(?:only|object|array|format|output)\b",
        re.I,
        code,
        "json_verb_patterns",
        verbs,
    )


def _is_json(value: str) -> bool:
    body = value.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    try:
        json.loads(body)
    except ValueError:
        return False
    return body.lstrip()[:1] in ("{", "[")


@register(
    "example-contradicts-format",
    variants={"not_json": (), "undeclared_label": ("label", "labels")},
)
def example_format(ctx: CheckContext) -> Iterator[Hit]:
    """An example is the strongest format instruction in a prompt: when it
    disagrees with the written rule, the model follows the example."""
    doc = ctx.document
    profile = ctx.profile
    text = doc.text
    spans = judgements.prose_spans(doc)
    frontmatter_json = "json" in str((doc.frontmatter or {}).get("output", "")).lower()
    asked = _json_asked(ctx.rule.code, tuple(ctx.options["json_verb_patterns"]))
    json_asked = frontmatter_json or judgements.search(asked, text, spans) is not None
    labels = profile.label_set if profile.label_set and profile.label_set.declared else None
    for example in profile.examples:
        if example.output is None:
            continue
        value = text[example.output.start : example.output.end]
        if json_asked and example.source in ("pair", "turn", "block") and not _is_json(value):
            yield Hit(example.output, variant="not_json")
            continue
        if labels is not None and example.source in ("pair", "labels", "turn"):
            label = value.strip().strip("`'\".").lower()
            if label and len(label.split()) <= 3 and label not in labels.labels:
                allowed = ", ".join(f"`{x}`" for x in labels.labels)
                yield Hit(
                    example.output,
                    {"label": value.strip(), "labels": allowed},
                    "undeclared_label",
                )
