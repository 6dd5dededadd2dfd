"""What kind of failure a case is, and therefore what fixes it.

The decision model hinges on one distinction: failures about *knowledge*
(the model lacks or invents facts) are fixed by retrieval, failures about
*behaviour* (format, style) by fine-tuning, and everything else by better
prompting. A log may state a case's category; when it does not, the
category is inferred from evidence in this order, first hit wins:

1. the log's own field (native ``category``; promptfoo test
   ``metadata.category``),
2. a category word tagged onto the test's description, e.g.
   ``refund window (knowledge)`` or ``[format] json envelope``,
3. the assertion types of the case's failing checks (:data:`CATEGORY_TABLE`),
4. keywords in the failure reason (same table),
5. an empty input makes it an ``edge-case``,
6. otherwise ``other``.

:data:`CATEGORY_TABLE` is the one place these rules live; the README shows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from promptwise.escalation.records import Assertion


class Remedy(str, Enum):
    """What a persistent failure of a category calls for, past the iteration threshold."""

    RAG = "rag"  # retrieve the facts per call
    FINE_TUNE = "fine-tune"  # teach the behaviour with examples
    PROMPT = "prompt"  # neither helps; keep working on the prompt (or the model)


@dataclass(frozen=True)
class Category:
    name: str
    remedy: Remedy
    assertion_types: tuple[str, ...]
    reason_words: tuple[str, ...]
    meaning: str


# The category table. Assertion types are promptfoo's names (also accepted in
# the native log's optional `assertion` field); reason words are matched as
# word prefixes, case-insensitively, in the failure reason.
CATEGORY_TABLE: tuple[Category, ...] = (
    Category(
        "knowledge",
        Remedy.RAG,
        (
            "factuality",
            "context-faithfulness",
            "context-recall",
            "context-relevance",
            "answer-relevance",
            "model-graded-factuality",
            "contains",
            "icontains",
            "contains-all",
            "icontains-all",
            "contains-any",
            "icontains-any",
        ),
        (
            "fact",
            "hallucinat",
            "incorrect",
            "wrong answer",
            "outdated",
            "stale",
            "not supported by",
            "unsupported claim",
            "made up",
        ),
        "missing, stale or invented facts",
    ),
    Category(
        "format",
        Remedy.FINE_TUNE,
        (
            "is-json",
            "contains-json",
            "is-xml",
            "contains-xml",
            "is-sql",
            "contains-sql",
            "is-html",
            "contains-html",
            "regex",
            "starts-with",
            "is-valid-openai-function-call",
            "is-valid-openai-tools-call",
            "is-valid-function-call",
            "json-schema",
        ),
        ("json", "schema", "parse", "format", "xml", "regex", "malformed"),
        "output shape: JSON, schema, pattern",
    ),
    Category(
        "style",
        Remedy.FINE_TUNE,
        (
            "not-contains",
            "not-icontains",
            "not-contains-all",
            "not-contains-any",
            "not-icontains-all",
            "not-icontains-any",
            "llm-rubric",
            "g-eval",
            "similar",
            "levenshtein",
            "rouge-n",
            "bleu",
            "meteor",
            "classifier",
            "model-graded-closedqa",
        ),
        (
            "tone",
            "style",
            "apolog",
            "polite",
            "verbose",
            "voice",
            "wording",
            "persona",
            "friendly",
            "formal",
        ),
        "tone, voice, wording, length",
    ),
    Category(
        "reasoning",
        Remedy.PROMPT,
        ("javascript", "python", "equals", "is-valid-math"),
        ("reasoning", "calculat", "arithmetic", "math", "logic"),
        "wrong steps or calculations; chain-of-thought or a stronger model",
    ),
    Category(
        "safety",
        Remedy.PROMPT,
        ("moderation", "guardrails", "is-refusal", "not-is-refusal", "pii"),
        ("unsafe", "harm", "toxic", "jailbreak", "injection", "leak", "pii"),
        "unsafe or leaked output; guardrails and input handling",
    ),
    Category(
        "edge-case",
        Remedy.PROMPT,
        (),
        ("empty", "blank", "missing input", "edge case"),
        "unusual input the prompt does not handle; a rule fixes it",
    ),
    Category(
        "other",
        Remedy.PROMPT,
        (),
        (),
        "anything the evidence does not place",
    ),
)

BY_NAME: dict[str, Category] = {c.name: c for c in CATEGORY_TABLE}
# Names logs use for the same categories.
ALIASES: dict[str, str] = {
    "fact": "knowledge",
    "facts": "knowledge",
    "factual": "knowledge",
    "factuality": "knowledge",
    "hallucination": "knowledge",
    "domain": "knowledge",
    "rag": "knowledge",
    "structure": "format",
    "structured-output": "format",
    "json": "format",
    "schema": "format",
    "tone": "style",
    "voice": "style",
    "behaviour": "style",
    "behavior": "style",
    "edge": "edge-case",
    "edge case": "edge-case",
    "edgecase": "edge-case",
    "edge_case": "edge-case",
    "logic": "reasoning",
    "math": "reasoning",
    "security": "safety",
}

_DESCRIPTION_TAG = re.compile(r"[(\[]\s*([a-z][a-z _-]{1,30}?)\s*[)\]]", re.I)


def canonical(name: str) -> str | None:
    """A category name as the table spells it, or None for an unknown word."""
    key = name.strip().lower()
    if key in BY_NAME:
        return key
    return ALIASES.get(key) or ALIASES.get(key.replace("_", "-"))


def _reason_category(reason: str) -> str | None:
    text = reason.lower()
    for category in CATEGORY_TABLE:
        for word in category.reason_words:
            if re.search(r"\b" + re.escape(word), text):
                return category.name
    return None


def infer(
    *,
    stated: str | None,
    description: str | None,
    assertions: Iterable[Assertion],
    reason: str | None,
    empty_input: bool,
) -> tuple[str, str]:
    """The category of a failing case and the evidence it came from.

    Returns ``(category, source)`` where source is one of ``log``,
    ``description``, ``assertion``, ``reason``, ``input`` or ``default``, so
    a report can say why a case counts as a knowledge failure.
    """
    if stated:
        found = canonical(stated)
        return (found or stated.strip().lower()), "log"
    if description:
        for match in _DESCRIPTION_TAG.finditer(description):
            found = canonical(match.group(1))
            if found:
                return found, "description"
    checks = list(assertions)
    failing = [a for a in checks if a.passed is False] or checks
    for assertion in failing:
        kind = assertion.type.strip().lower()
        for category in CATEGORY_TABLE:
            if kind in category.assertion_types:
                if category.name == "knowledge" and empty_input:
                    break  # "contains" on an empty input tests its handling, not a fact
                return category.name, "assertion"
    if reason:
        found = _reason_category(reason)
        if found:
            return found, "reason"
    if empty_input:
        return "edge-case", "input"
    return "other", "default"


def remedy_of(category: str) -> Remedy:
    found = BY_NAME.get(category)
    return found.remedy if found else Remedy.PROMPT


def table_markdown() -> str:
    """The category table as markdown, for the README."""
    rows = [
        "| category | covers | past the threshold | assertion types | reason words |",
        "|---|---|---|---|---|",
    ]
    remedy = {Remedy.RAG: "RAG", Remedy.FINE_TUNE: "fine-tuning", Remedy.PROMPT: "keep prompting"}
    for c in CATEGORY_TABLE:
        kinds = ", ".join(f"`{t}`" for t in c.assertion_types) or "—"
        words = ", ".join(c.reason_words) or "—"
        rows.append(f"| {c.name} | {c.meaning} | {remedy[c.remedy]} | {kinds} | {words} |")
    return "\n".join(rows)
