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

# "JSON, markdown or bullet points", "JSON/Markdown", "JSON vs Markdown": one
# format among others named, not a contract that every answer is JSON.
_OR_ANOTHER = (
    r"[ \t]*(?:,|/|\bor\b|\bvs\.?|\bversus\b)[ \t]*(?:plain[ \t]+)?"
    r"(?:xml|ya?ml|markdown|md|csv|tsv|html|text|prose|bullet|table|toml)\b"
)


@lru_cache(maxsize=8)
def _json_asked(code: str, verbs: tuple[str, ...]) -> Pattern:
    """A request for JSON: one of the verbs (``options.json_verb_patterns``) before
    `json`, `json` before "only", "format" or "output", or "as a JSON object".

    A "JSON object" named on its own is often what a tool takes or a file
    holds, not the answer's format; so is `--json` or `data.json` in code,
    which is why the request is looked for in the author's own words only.
    """
    return compile_option(
        r"\b"
        + alternation(verbs)
        + r"\b[^.\n]{0,40}\bjson\b(?!"
        + _OR_ANOTHER
        + r")|\bjson\b[^.\n]{0,20}\b(?:only|format|output)\b"
        + r"|\b(?:as|in|into)[ \t]+(?:(?:a|an|one|valid|single)[ \t]+)*"
        + r"json[ \t]+(?:object|array)\b",
        re.I,
        code,
        "json_verb_patterns",
        verbs,
    )


def _json_at(text: str, start: int) -> bool:
    """Whether a JSON object or array starts at ``start``, read at most
    ``_JSON_REACH`` characters on (which keeps a check linear in the examples)."""
    body = text[start : start + _JSON_REACH]
    try:
        json.JSONDecoder().raw_decode(body)
    except ValueError:
        return False
    return True


_JSON_REACH = 20_000


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
    spans = doc.instruction_spans  # not inline code: `gh pr list --json`, `package.json`
    frontmatter_json = "json" in str((doc.frontmatter or {}).get("output", "")).lower()
    asked = _json_asked(ctx.rule.code, tuple(ctx.options["json_verb_patterns"]))
    json_asked = frontmatter_json or judgements.search(asked, text, spans) is not None
    labels = profile.label_set if profile.label_set and profile.label_set.declared else None
    for example in profile.examples:
        if example.output is None:
            continue
        value = text[example.output.start : example.output.end]
        # An answer written over several lines ("Output:" then "{" ... "}")
        # is cut at its first line's end: read it on as far as the value goes.
        opened = value.strip() in ("{", "[")
        if opened and _json_at(text, example.output.start):
            continue  # a JSON object or array is never a bare label either
        if json_asked and example.source in ("pair", "turn", "block") and not _is_json(value):
            yield Hit(example.output, variant="not_json")
            continue
        if labels is not None and not opened and example.source in ("pair", "labels", "turn"):
            label = value.strip().strip("`'\".").lower()
            if label and len(label.split()) <= 3 and label not in labels.labels:
                allowed = ", ".join(f"`{x}`" for x in labels.labels)
                yield Hit(
                    example.output,
                    {"label": value.strip(), "labels": allowed},
                    "undeclared_label",
                )
