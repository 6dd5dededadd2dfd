"""The output contract: the format a prompt asks for, its label set, its fallback label."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from promptwise.document.model import PromptDocument
from promptwise.document.text import Span
from promptwise.rules.judgements.examples import WorkedExample
from promptwise.rules.judgements.prose import search


@dataclass(frozen=True)
class LabelSet:
    """The closed set of answers a classification prompt allows."""

    labels: tuple[str, ...]
    span: Span  # where the list is written (or the first example label)
    declared: bool  # stated in the instructions, not only implied by examples


# ------------------------------------------------------------ output contract

_FORMAT = re.compile(
    r"\b(?:json|jsonl|yaml|csv|tsv|xml|html|markdown|table|schema|bullet(?:ed)?(?: list| points?)?"
    r"|numbered list|list of|(?:one|a single|single|1)[ -](?:word|line|sentence|paragraph|label|"
    r"number|letter|token|emoji|phrase)s?|(?:\d+|one|two|three|four|five|six|seven|eight|nine|"
    r"ten)(?:[ \t]*(?:-|–|to|or)[ \t]*\d+)?[ \t]+(?:words?|sentences?|lines?|paragraphs?|bullets?|"
    r"bullet points|items?|characters?|tokens?|points?)|(?:respond|reply|answer|return|output)"
    r"(?: only)? (?:with|in|as) (?:only|just|exactly|the|a|an|one|either|yes|no|true|false)|"
    r"(?:only|just) (?:the|one|a single) (?:label|category|class|name|number|answer|word|"
    r"translation|result|value|code|query|list)|output format|response format|format:|"
    r"(?:following|this|that|the same) (?:format|structure|template|shape)|template|"
    r"fields?:|keys?:|heading|(?:at most|no more than|up to|under|fewer than|less than|maximum "
    r"of|max\.?)[ \t]+\d+|(?:desired|expected|required) (?:format|output)|in the format|"
    r"(?:an? |as an? )(?:array|list|object|dictionary|map) of)(?!\w)",
    re.I,
)
_FORMAT_HEADING = re.compile(
    r"^[ \t]*#{1,6}[ \t]+.*\b(?:output|format|response|template|"
    r"schema|report)\b",
    re.I | re.M,
)
_JSON = re.compile(r"\bjson\b", re.I)
_FRONTMATTER_OUTPUT = (
    "output",
    "outputs",
    "outputSchema",
    "output_schema",
    "response_format",
    "responseFormat",
)

# A list may wrap onto the next line after a comma ("billing,\nshipping").
_LABEL_LIST = r"(?P<labels>(?:[^.\n;:()?!]|(?<=,)\n){3,160})"
_LABEL_DECLS = tuple(
    re.compile(p + _LABEL_LIST, re.I)
    for p in (
        r"\b(?:classify|categori[sz]e|label|tag|sort|assign|rate|mark)\b[^.\n]{0,80}?\b(?:into|as|"
        r"with|to)[ \t]+(?:(?:either|exactly )?one of[ \t]+)?(?:(?:the|these|those)[ \t]+)?"
        r"(?:(?:following|possible|available)[ \t]+)?(?:(?:categories|labels|classes|tags|options|"
        r"values)[ \t]*:?[ \t]*)?",
        r"\b(?:categories|labels|classes|tags|options|possible values|allowed values)"
        r"(?:[ \t]+(?:are|is))?[ \t]*:[ \t]*",
        r"\b(?:respond|reply|answer|output|return)(?: only)? with(?: either| one of| only)?[ \t]+",
    )
)
_LABEL_STOP = frozenset(
    (
        "the",
        "a",
        "an",
        "of",
        "one",
        "following",
        "these",
        "those",
        "categories",
        "labels",
        "classes",
        "tags",
        "options",
        "values",
        "text",
        "it",
        "them",
        "this",
        "that",
        "each",
    )
)
_FALLBACK = re.compile(
    r"\b(?:other|others|unknown|none|n/?a|not applicable|unclear|uncertain|undetermined|"
    r"undecided|unclassified|uncategori[sz]ed|irrelevant|not sure|cannot determine|"
    r"can['’]t tell|no match|no label|no category|miscellaneous|misc|general)\b",
    re.I,
)


_LABEL_SPLIT = re.compile(r"\s*(?:,|/|\||\bor\b|\band\b)\s*", re.I)


def _split_labels(raw: str) -> tuple[str, ...]:
    """``"neutral, negative or positive"`` -> the labels; () when it is not a list of labels."""
    parts = [p.strip(" \t\n`'\"“”*").lower() for p in _LABEL_SPLIT.split(raw)]
    labels = [p for p in parts if p and p not in _LABEL_STOP]
    if len(labels) < 2 or len(labels) > 15:
        return ()
    # Stop at the first part that is a phrase rather than a label ("... and explain why").
    kept: list[str] = []
    for label in labels:
        if len(label.split()) > 2:
            break
        kept.append(label)
    return tuple(kept) if len(kept) >= 2 else ()


def output_format(doc: PromptDocument, spans: Sequence[Span]) -> Span | None:
    data = doc.frontmatter or {}
    for key in _FRONTMATTER_OUTPUT:
        if data.get(key):
            return doc.key_spans.get(key) or doc.frontmatter_span
    options = data.get("model") if isinstance(data.get("model"), dict) else None
    if isinstance(options, dict):
        for holder in (options.get("options"), options.get("parameters")):
            if isinstance(holder, dict) and any(k in holder for k in _FRONTMATTER_OUTPUT):
                return doc.frontmatter_span
    m = search(_FORMAT, doc.text, spans) or _FORMAT_HEADING.search(doc.text, doc.body_span.start)
    return Span(m.start(), m.end()) if m else None


def label_set(
    doc: PromptDocument, spans: Sequence[Span], examples: Sequence[WorkedExample]
) -> LabelSet | None:
    text = doc.text
    found = [m for m in (search(p, text, spans) for p in _LABEL_DECLS) if m is not None]
    m = min(found, key=lambda x: x.start()) if found else None
    if m:
        labels = _split_labels(m.group("labels"))
        if labels:
            start = m.start("labels")
            raw = m.group("labels")
            last = raw.lower().rfind(labels[-1])
            end = start + (last + len(labels[-1]) if last != -1 else len(raw.rstrip()))
            # Keep a closing quote or backtick of the last label inside the span.
            while end < m.end("labels") and text[end] in "`'\"”":
                end += 1
            return LabelSet(labels, Span(start, end), True)
    outputs = [
        text[e.output.start : e.output.end].strip().rstrip(".!").lower()
        for e in examples
        if e.output is not None and e.source in ("pair", "labels")
    ]
    short = [o for o in outputs if o and len(o.split()) <= 3]
    if len(short) >= 2 and len(set(short)) < len(short):
        first = next(e for e in examples if e.output is not None and e.source in ("pair", "labels"))
        assert first.output is not None
        return LabelSet(tuple(dict.fromkeys(short)), first.output, False)
    return None


_NO_FIT = re.compile(
    r"\b(?:if|when)\b[^.\n]{0,80}?(?:none|no (?:label|category)|doesn['’]?t"
    r" fit|does not fit|unclear|unsure|uncertain)[^.\n]{0,60}",
    re.I,
)


def fallback_label(
    doc: PromptDocument, spans: Sequence[Span], labels: LabelSet | None
) -> str | None:
    """A label for input that fits none (``other``, ``unknown``), or the rule that says so."""
    if labels is None:
        return None
    found = next((label for label in labels.labels if _FALLBACK.fullmatch(label)), None)
    if found is None:
        hit = search(_NO_FIT, doc.text, spans)
        found = doc.text[hit.start() : hit.end()] if hit else None
    return found


def json_output(doc: PromptDocument, spans: Sequence[Span]) -> bool:
    data = doc.frontmatter or {}
    return bool(search(_JSON, doc.text, spans)) or "json" in str(data.get("output", "")).lower()
