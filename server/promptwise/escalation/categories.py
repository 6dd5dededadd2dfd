"""What kind of failure a case is, and therefore what fixes it.

The decision model hinges on one distinction: failures about *knowledge*
(the model lacks or invents facts) are fixed by retrieval, failures about
*behaviour* (labels, format, style, languages and registers it mishandles)
by examples and then fine-tuning, and everything else by better prompting.

A category is decided from the evidence a reviewer would use, all of it
offline, and the reasons are kept for the report (:func:`decide`):

1. what the log states: native ``category`` or promptfoo ``metadata.category``
   (over all the case's records, not only the latest) — it overrides the rest;
2. a category word tagged onto the test's description, e.g.
   ``refund window (knowledge)``; an empty input makes an ``edge-case``;
3. otherwise the evidence is weighed: the failing checks' types
   (:data:`CATEGORY_TABLE`) and values — a number, a name or a policy term the
   prompt does not contain is a missing fact; a label the prompt names, or a
   short answer where another label was expected, is a behaviour failure;
   an input in a language or register the prompt never shows; words of the
   description and variables (sarcasm, dialect, policy, ...); keywords in the
   failure reason. The category with the most weight wins.

:data:`CATEGORY_TABLE` is the one place the per-category words live; the
README shows it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from promptwise.escalation.records import Assertion, EvalRecord, Warnings

if TYPE_CHECKING:
    from promptwise.document.model import PromptDocument


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
        "behaviour",
        Remedy.FINE_TUNE,
        (),
        ("sarcas", "irony", "ironic", "slang", "dialect", "language", "register", "mislabel"),
        "a judgement the model gets wrong although the prompt says what to do: labels on "
        "sarcasm, negation, other languages or registers",
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
    "behavior": "behaviour",
    "classification": "behaviour",
    "label": "behaviour",
    "labels": "behaviour",
    "language": "behaviour",
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


@dataclass(frozen=True)
class PromptShape:
    """What the prompt itself shows, for judging its failures."""

    text: str = ""  # the prompt's text, lowercased
    has_examples: bool = False
    states_format: bool = False
    labels: tuple[str, ...] = ()  # the label set it declares, lowercased
    language: str | None = None


@dataclass(frozen=True)
class CaseEvidence:
    """What the logs say about one failing case, gathered over all its records."""

    stated: str | None = None  # the category the log states (canonical)
    description: str | None = None
    variables: tuple[tuple[str, str], ...] = ()
    input: str | None = None
    expected: str | None = None
    output: str | None = None  # its latest failing output
    reason: str | None = None
    assertions: tuple[Assertion, ...] = ()  # its failing checks, over all its records
    empty_input: bool = False


@dataclass(frozen=True)
class Decision:
    category: str
    source: str  # log | description | input | assertion | expected | language | words | reason
    reasons: tuple[str, ...]


# Words of a test's description or variables that say what kind of failure it probes.
_BEHAVIOUR_WORDS = re.compile(
    r"\b(sarcas\w*|iron(?:y|ic)\w*|slang|dialect\w*|idiom\w*|emoji\w*|negation|"
    r"multilingual|non-english|language|translat\w*|register|informal|colloquial|"
    r"code-switch\w*|mixed sentiment)\b",
    re.I,
)
_KNOWLEDGE_WORDS = re.compile(
    r"\b(polic(?:y|ies)|price\w*|pricing|fees?|warranty|refunds?|deadline|dates?|"
    r"facts?|law|regulation\w*|specs?|specification\w*|catalog\w*|inventory)\b",
    re.I,
)
_CONTAINS = (
    "contains",
    "icontains",
    "contains-any",
    "icontains-any",
    "contains-all",
    "icontains-all",
    "equals",
    "starts-with",
)
_WORDS = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")

# A few function words per language: enough to tell the language of a review or a
# question from the language of the prompt, never a full detector.
_LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "English": frozenset("the and is are of to with this that not you it was for".split()),
    "German": frozenset("der die das und ist nicht ein eine mit ich es war für auch sehr".split()),
    "French": frozenset("le la les et est pas un une avec je ce des pour très du".split()),
    "Spanish": frozenset("el la los las y es no un una con que por muy del para".split()),
    "Italian": frozenset("il lo la gli e è non un una con che per molto del sono".split()),
    "Portuguese": frozenset("o a os as e é não um uma com que por muito do para".split()),
    "Dutch": frozenset("de het een en is niet met ik dat voor zeer van ook".split()),
}
_SCRIPTS = (
    ("Cyrillic", 0x0400, 0x04FF),
    ("Greek", 0x0370, 0x03FF),
    ("Arabic", 0x0600, 0x06FF),
    ("Hebrew", 0x0590, 0x05FF),
    ("Devanagari", 0x0900, 0x097F),
    ("Thai", 0x0E00, 0x0E7F),
    ("Korean", 0xAC00, 0xD7AF),
    ("Japanese", 0x3040, 0x30FF),
    ("Chinese", 0x4E00, 0x9FFF),
)


_SCRIPT_PATTERNS = tuple(
    (name, re.compile(f"[{chr(low)}-{chr(high)}]")) for name, low, high in _SCRIPTS
)
_LETTER = re.compile(r"[^\W\d_]")
_SAMPLE = 600  # characters of a text looked at: enough to tell a language


def language_of(text: str) -> str | None:
    """The language of a short text, when its words or script say so clearly."""
    sample = text[:_SAMPLE]
    letters = len(_LETTER.findall(sample))
    if not letters:
        return None
    if not sample.isascii():
        for name, pattern in _SCRIPT_PATTERNS:
            if len(pattern.findall(sample)) / letters > 0.4:
                return name
    words = [w.lower() for w in _WORDS.findall(sample)]
    if not words:
        return None
    hits = {lang: sum(1 for w in words if w in vocab) for lang, vocab in _LANGUAGE_WORDS.items()}
    best = max(hits, key=lambda lang: hits[lang])
    if hits[best] < 2 and not (hits[best] == 1 and len(words) <= 4):
        return None
    ranked = sorted(hits.values(), reverse=True)
    return best if ranked[0] > ranked[1] else None


_EMOJI = re.compile("[\U0001f300-\U0001faff]")


def _register(text: str) -> str | None:
    """A register a plain prompt rarely shows: shouting, emoji, chat slang."""
    text = text[:_SAMPLE]
    words = _WORDS.findall(text)
    if _EMOJI.search(text):
        return "emoji"
    caps = [w for w in words if len(w) > 2 and w.isupper()]
    if len(words) >= 3 and len(caps) * 3 >= len(words):
        return "all-caps shouting"
    if re.search(r"\b(lol|lmao|smh|tbh|imo|omg|wtf|ngl|fr)\b", text, re.I):
        return "chat slang"
    return None


def _short(text: str, words: int = 3) -> bool:
    return 0 < len(text.split()) <= words and len(text) <= 40


def _fact_like(value: str) -> bool:
    """A number, or a name (a capitalised word that does not start the text)."""
    if re.search(r"\d", value):
        return True
    words = value.split()
    return any(w[:1].isupper() for w in words[1:])


def _quote(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split()).replace("`", "'")
    return "`" + (flat if len(flat) <= limit else flat[: limit - 1] + "…") + "`"


def prompt_shape(document: PromptDocument) -> PromptShape:
    """What the prompt file shows, for deciding its failures' categories and first steps."""
    from promptwise.rules import judgements

    profile = judgements.profile(document)
    body = document.text[document.body_span.start :]
    labels = profile.label_set.labels if profile.label_set else ()
    return PromptShape(
        text=body.lower(),
        has_examples=bool(profile.examples),
        states_format=profile.output_format is not None or profile.json_output,
        labels=tuple(label.lower() for label in labels),
        language=language_of(body),
    )


def decide(case: CaseEvidence, prompt: PromptShape | None = None) -> Decision:
    """The category of a failing case, where it came from, and why (for the report)."""
    shape = prompt or PromptShape()
    if case.stated:
        return Decision(case.stated, "log", (f"the log states the category `{case.stated}`",))
    if case.description:
        for match in _DESCRIPTION_TAG.finditer(case.description):
            found = canonical(match.group(1))
            if found:
                return Decision(
                    found, "description", (f"its description is tagged ({match.group(1)})",)
                )
    if case.empty_input:
        return Decision("edge-case", "input", ("the failing input is empty",))
    score: dict[str, float] = {}
    reasons: dict[str, list[tuple[float, str, str]]] = {}

    def add(category: str, weight: float, source: str, why: str) -> None:
        score[category] = score.get(category, 0.0) + weight
        reasons.setdefault(category, []).append((weight, source, why))

    failing = [a for a in case.assertions if a.passed is False] or list(case.assertions)
    output = (case.output or "").strip()
    for assertion in failing[:20]:
        kind = assertion.type.strip().lower()
        value = (assertion.value or "").strip()
        for category in CATEGORY_TABLE:
            if kind in category.assertion_types:
                weak = kind in _CONTAINS
                add(category.name, 1.0 if weak else 2.0, "assertion", f"a `{kind}` check failed")
                break
        if kind not in _CONTAINS or not value:
            continue
        lowered = value.lower()
        in_prompt = bool(shape.text) and lowered in shape.text
        if lowered in shape.labels or (in_prompt and _short(value) and not _fact_like(value)):
            answered = f"; the model answered {_quote(output)}" if output else ""
            add(
                "behaviour",
                3.0,
                "expected",
                f"it expects the label {_quote(value)}, which the prompt names{answered}",
            )
        elif _short(output) and _short(value) and not _fact_like(value) and output != value:
            add(
                "behaviour",
                3.0,
                "expected",
                f"the model answered {_quote(output)} where {_quote(value)} was expected: "
                "a label mismatch, not a missing fact",
            )
        elif not in_prompt and (_fact_like(value) or _KNOWLEDGE_WORDS.search(value)):
            add(
                "knowledge",
                3.0,
                "expected",
                f"it expects {_quote(value)}, a fact the prompt does not contain",
            )
        elif not in_prompt and len(value.split()) > 3:
            add(
                "knowledge",
                2.0,
                "expected",
                f"it expects {_quote(value)}, which the prompt does not contain",
            )
    text = case.input or " ".join(v for _, v in case.variables)
    if text:
        language = language_of(text)
        if language and shape.language and language != shape.language:
            add(
                "behaviour",
                2.0,
                "language",
                f"the input is in {language}; the prompt shows only {shape.language}",
            )
        register = _register(text)
        if register and not _register(shape.text):
            add(
                "behaviour",
                1.0,
                "language",
                f"the input uses {register}, which the prompt never shows",
            )
    tags = " ".join([case.description or "", *(name for name, _ in case.variables)])
    for pattern, kind in ((_BEHAVIOUR_WORDS, "behaviour"), (_KNOWLEDGE_WORDS, "knowledge")):
        found_word = pattern.search(tags)
        if found_word:
            add(kind, 2.0, "words", f"its description mentions “{found_word.group(0)}”")
    if case.reason:
        found = _reason_category(case.reason)
        if found:
            add(found, 1.0, "reason", f"the failure reason reads {_quote(case.reason, 60)}")
    if not score:
        return Decision("other", "default", ("nothing in the evidence places it",))
    order = {c.name: i for i, c in enumerate(CATEGORY_TABLE)}
    best = max(score, key=lambda name: (score[name], -order.get(name, 99)))
    why = sorted(reasons[best], key=lambda r: -r[0])
    return Decision(best, why[0][1], tuple(dict.fromkeys(r[2] for r in why)))


def infer(
    *,
    stated: str | None,
    description: str | None,
    assertions: Iterable[Assertion],
    reason: str | None,
    empty_input: bool,
) -> tuple[str, str]:
    """``(category, source)`` from a record's own fields, without the prompt."""
    found = canonical(stated) if stated else None
    decision = decide(
        CaseEvidence(
            stated=found or (stated.strip().lower() if stated else None),
            description=description,
            assertions=tuple(assertions),
            reason=reason,
            empty_input=empty_input,
        )
    )
    return decision.category, decision.source


def checked_category(record: EvalRecord, warnings: Warnings) -> EvalRecord:
    """The record, with a category spelling the table does not know dropped and reported.

    An unknown word must not silently become "prompt rework": the warning names
    the line, and the case's category is decided from the evidence instead.
    """
    if record.category is None or canonical(record.category) is not None:
        return record
    known = ", ".join(c.name for c in CATEGORY_TABLE)
    warnings.add(
        record.location,
        f"unknown category `{record.category[:60]}` (known: {known}); ignored, the "
        "category is decided from the evidence",
        "category",
    )
    return dataclasses.replace(record, category=None)


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
