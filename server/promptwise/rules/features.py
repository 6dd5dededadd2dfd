"""What a prompt asks for, read from its text: task kind, examples, input, contract.

Several rules need the same judgements about a whole prompt: is this a
classification, an extraction or an agent persona; does it process input;
does it show a worked example; does it state an output format, a label set,
a fallback label, any handling of unusual input. They are made here, once
per document, so that the rules agree with each other and so the judgement
can be tested on its own (``bench/quality.py`` measures it against labeled
real prompts).

Everything is deterministic pattern work over the parsed document; nothing
is rendered or sent anywhere. The word lists below are deliberately
principled (task verbs, format nouns, the usual ways to write "if the input
is missing") rather than collected from particular files, because the same
judgement has to hold on prompts nobody here has read.

The decisions, in short:

- **Task kind** comes from the first *task statement* near the top of the
  prompt: an imperative task verb at the start of a clause ("Classify the
  text", "For each topic, extract ...", "Your task is to translate ...") or
  a persona ("You are a ...", "The following is a conversation with an AI").
  A persona makes the prompt an agent prompt unless a classification,
  extraction, transformation or summarisation verb follows right after it.
  Agent/instruction/skill files default to ``agent``. Few-shot prompts whose
  outputs are labels ("Label: Positive") are classification even without a
  verb.
- **Examples** are concrete worked examples: example blocks and headings
  whose content is not a placeholder template, ``Input:``/``Output:``-style
  pairs with a filled-in output, "An example ... is:" followed by the sample,
  assistant turns that answer a concrete user turn, and few-shot label lines.
- **Input** is taken when the prompt has template variables or placeholders,
  points at material ("the text below", "the paragraph above", "the user's
  code"), carries fields of data ("Text: ..."), is a persona or agent file
  answering a user, or is a few-shot prompt ending in an open slot.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePath

from promptwise.document.model import (
    PromptDocument,
    PromptFormat,
    Segment,
    SegmentKind,
    TemplateSyntax,
)
from promptwise.document.text import Span
from promptwise.rules.prefilter import Prefilter


class TaskKind(str, Enum):
    CLASSIFICATION = "classification"
    EXTRACTION = "extraction"
    TRANSFORMATION = "transformation"
    SUMMARIZATION = "summarization"
    QA = "qa"
    GENERATION = "generation"
    AGENT = "agent"
    OTHER = "other"


# Kinds whose output is fixed by the input: examples pin the format down best.
STRUCTURED_KINDS = frozenset(
    {TaskKind.CLASSIFICATION, TaskKind.EXTRACTION, TaskKind.TRANSFORMATION}
)


@dataclass(frozen=True)
class WorkedExample:
    """One concrete example: an input->output pair or a sample of the output.

    ``output`` is the part that shows the expected answer when it can be told
    apart from the input (the text after ``Output:``, an assistant turn, an
    ``<output>`` block); rules comparing examples with the declared format
    only look at that part.
    """

    span: Span
    anchor: Span
    source: str  # "block" | "pair" | "turn" | "inline" | "labels" | "code"
    output: Span | None = None


@dataclass(frozen=True)
class LabelSet:
    """The closed set of answers a classification prompt allows."""

    labels: tuple[str, ...]
    span: Span  # where the list is written (or the first example label)
    declared: bool  # stated in the instructions, not only implied by examples


@dataclass(frozen=True)
class TaskProfile:
    kind: TaskKind
    kind_evidence: Span | None  # the task statement that decided the kind
    needs_examples: bool
    takes_input: bool
    input_evidence: Span | None
    examples: tuple[WorkedExample, ...]
    output_format: Span | None  # where the output format is stated
    json_output: bool
    label_set: LabelSet | None
    fallback_label: str | None
    edge_handling: Span | None  # the first instruction for an unusual input
    unknown_answer_path: Span | None  # "if you don't know, say so"
    answers_questions: bool  # answers factual questions (Q&A, an assistant fed a question)
    input_slot: tuple[str, str] | None  # field names of a "Text: ... / Label:" slot


# --------------------------------------------------------------------- prose


def prose_spans(doc: PromptDocument) -> tuple[Span, ...]:
    """Instruction prose *including* inline quotations.

    ``doc.instruction_spans`` leaves quoted strings out, which is right for
    phrase rules; whole-prompt judgements ("says what to reply when it does
    not know") must see them. Computed once per document (several rules ask).
    """
    return doc.prose_spans


def search(pattern: re.Pattern[str], text: str, spans: Sequence[Span]) -> re.Match[str] | None:
    """The first match of ``pattern`` inside any of ``spans``."""
    return next(finditer(pattern, text, spans), None)


# Above this many spans, one scan of the covering range filtered by span is
# cheaper than one regex call per span (documents are cut into hundreds).
_MANY_SPANS = 8


_starts_cache: dict[int, tuple[Sequence[Span], list[int]]] = {}


def _starts(spans: Sequence[Span]) -> list[int]:
    """Start offsets of ``spans``, kept per spans object.

    A profile runs a dozen patterns over the same prose spans (hundreds of
    them in a long file); rebuilding this list for every pattern cost more
    than the regex scans themselves. The entry holds the spans object, so its
    id cannot be reused while cached.
    """
    hit = _starts_cache.get(id(spans))
    if hit is not None and hit[0] is spans:
        return hit[1]
    starts = [s.start for s in spans]
    if len(_starts_cache) >= 64:
        _starts_cache.clear()
    _starts_cache[id(spans)] = (spans, starts)
    return starts


_filters: dict[re.Pattern[str], Prefilter] = {}
_lowered: list[str] = ["", ""]  # the last text searched, and its lower-cased form


def _search_from(
    pattern: re.Pattern[str], text: str, pos: int, endpos: int
) -> re.Match[str] | None:
    """``pattern.search(text, pos, endpos)``, found through a literal prefilter.

    The judgement patterns open with ``\\b`` and a long case-insensitive
    alternation, which makes ``re`` try every branch at every position. The
    prefilter (the one the phrase rules use) finds where a match could start
    with a plain literal scan, and the pattern is only tried there; the first
    position where it matches is the leftmost match, as ``search`` returns.
    """
    found = _filters.get(pattern)
    if found is None:
        found = _filters[pattern] = Prefilter(pattern, digits=True)
    literal = found.literal
    if literal is None:
        return pattern.search(text, pos, endpos)
    if found.ignorecase:
        if _lowered[0] is not text:
            _lowered[:] = [text, text.lower()]
        haystack = _lowered[1]
        if len(haystack) != len(text):
            return pattern.search(text, pos, endpos)
    else:
        haystack = text
    match = pattern.match
    for hit in literal.finditer(haystack, pos, endpos):
        m = match(text, hit.start(), endpos)
        if m is not None:
            return m
    return None


def finditer(pattern: re.Pattern[str], text: str, spans: Sequence[Span]) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` that each lie within one of ``spans`` (sorted, disjoint)."""
    if len(spans) <= _MANY_SPANS:
        for span in spans:
            pos = span.start
            while pos <= span.end:
                m = _search_from(pattern, text, pos, span.end)
                if m is None:
                    break
                yield m
                pos = m.end() if m.end() > m.start() else m.end() + 1
        return
    starts = _starts(spans)
    limit = spans[-1].end
    pos = spans[0].start
    while pos < limit:
        m = _search_from(pattern, text, pos, limit)
        if m is None:
            return
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and m.start() < spans[i].end:
            # Re-run inside the span so anchors and lookarounds see the span's edges.
            inner = _search_from(pattern, text, m.start(), spans[i].end)
            if inner is not None:
                yield inner
                pos = max(inner.end(), inner.start() + 1)
            else:
                pos = spans[i].end
        elif i + 1 < len(spans):
            pos = spans[i + 1].start
        else:
            return


@dataclass(frozen=True)
class Clause:
    """A line, or a sentence within a line, of instruction prose."""

    span: Span
    text: str


_SENTENCE_END = re.compile(r"(?<=[^\d\s][.!?])[ \t]+(?=[A-Z\"'*(`])")


def clauses(doc: PromptDocument, spans: Sequence[Span] | None = None) -> list[Clause]:
    """Instruction prose cut into lines and sentences, in document order."""
    return list(iter_clauses(doc, spans))


def iter_clauses(doc: PromptDocument, spans: Sequence[Span] | None = None) -> Iterator[Clause]:
    """:func:`clauses`, lazily: the task statement is looked for only near the
    top, so cutting a long prompt into sentences would mostly be wasted."""
    text = doc.text
    for span in spans if spans is not None else prose_spans(doc):
        pos = span.start
        while pos < span.end:
            nl = text.find("\n", pos, span.end)
            end = span.end if nl == -1 else nl
            line = text[pos:end]
            start = 0
            for m in _SENTENCE_END.finditer(line):
                piece = line[start : m.start()]
                if piece.strip():
                    yield Clause(Span(pos + start, pos + m.start()), piece)
                start = m.end()
            piece = line[start:]
            if piece.strip():
                yield Clause(Span(pos + start, end), piece)
            pos = end + 1


# ------------------------------------------------------------------ task kind

# A clause opens with (optional) list marker, bold label, courtesy word, a
# short lead-in clause ("For each topic, ...") and a subject ("You will",
# "Your task is to") before its verb.
_LEAD = (
    r"^[ \t>]*(?:(?:[-*+]|\d+[.)]|#{1,6})[ \t]+)?(?:\*\*[^*\n]{1,60}\*\*:?[ \t]*)?"
    r"(?:(?:please|now|first|then|next|finally|also|simply|just)[ \t,]+)*"
    r"(?:(?:for each|for every|for all|given|using|from|based on|in|with)\b[^.,;:\n]{0,80},[ \t]*)?"
    r"(?:(?:please[ \t]+)?(?:you (?:will|must|should|need to|are to|have to|shall)"
    r"|your (?:task|job|goal|role) is to|the task is to|i want you to|i need you to"
    r"|can you|could you|would you)[ \t]+)?(?:please[ \t]+)?"
)
_VERBS: tuple[tuple[TaskKind, str], ...] = (
    (
        TaskKind.CLASSIFICATION,
        r"(?:classify|categori[sz]e|label|tag|assign (?:a|one|the|each) (?:\w+ )?(?:label|category|"
        r"class|tag)|determine (?:the|its) (?:sentiment|category|class|label|intent|topic)|"
        r"identify the (?:sentiment|category|class|intent|label)|detect the (?:sentiment|intent|"
        r"language)|decide (?:whether|if) (?:the|this|each)|sort (?:the|each|these|every) .{0,40}"
        r"\binto)\b",
    ),
    (
        TaskKind.EXTRACTION,
        r"(?:extract|pull out|(?:list|find|identify|return|name|mention|give) (?:all |every |each |"
        r"the )?.{0,60}\b(?:mentioned|named|listed|referenced|contained|found|that appear)\b|"
        r"(?:list|find|identify) (?:all|every|each) .{0,60}\b(?:in|from) the (?:text|above|"
        r"following|document|passage|paragraph|input|email|article|message))\b",
    ),
    (
        TaskKind.TRANSFORMATION,
        r"(?:translate|convert|transform|rewrite|rephrase|paraphrase|reformat|transliterate|"
        r"turn (?:the|this|it|each|these) .{0,40}\binto|normali[sz]e|proofread|correct the "
        r"(?:grammar|spelling)|fix the (?:grammar|spelling))\b",
    ),
    (
        TaskKind.SUMMARIZATION,
        r"(?:summari[sz]e|sum up|condense|tl;?dr|(?:write|give|provide|produce) (?:a |an |me a )?"
        r"(?:short |brief |one-sentence |concise )?(?:summary|synopsis|abstract|tl;?dr)|"
        r"explain the (?:above|following|text|passage))\b",
    ),
    (
        TaskKind.QA,
        r"(?:answer (?:the|this|a|my|their|each|every|any|user|users|user's|customer|customer's|"
        r"following|questions?|queries)|respond to (?:the |each |user |customer )?(?:questions?|"
        r"queries))\b",
    ),
    (
        TaskKind.GENERATION,
        r"(?:write|generate|create|compose|draft|produce|come up with|brainstorm|complete|"
        r"continue|invent|design|build|implement|develop)\b",
    ),
)
_TASK = [(kind, re.compile(_LEAD + verb, re.I | re.M)) for kind, verb in _VERBS]
_PERSONA = re.compile(
    r"\b(?:you are (?:a|an|the|in|now|my|our)\b|you['’]re (?:a|an|the)\b|act as\b|acting as\b|"
    r"your (?:role|job|mission|purpose) is\b|as an? (?:ai|expert|senior|experienced)\b|"
    r"(?:the )?following is (?:a|an) (?:conversation|dialog(?:ue)?|chat|agent|assistant)\b|"
    r"conversation (?:with|between)\b|you (?:help|assist|support) (?:people|users|customers|"
    r"developers|the user)\b)",
    re.I,
)
# Agent, chat-mode and instruction files are personas and guidelines by kind.
_AGENT_FILES = re.compile(
    r"(?:\.agent\.md|\.chatmode\.md|\.instructions\.md|^agents\.md|^claude\.md|"
    r"^gemini\.md|copilot-instructions\.md|\.mdc)$",
    re.I,
)
# Skills are agent instructions too, unless they open by stating a
# classification/extraction/conversion the model performs itself.
_SKILL_FILES = re.compile(r"(?:\.skill\.md|^skill\.md)$", re.I)
# How far into the prompt the task statement is looked for (characters of prose).
_OPENING = 1500
_SKILL_OPENING = 300
# Shell blocks mean the work is done by tools the skill runs, not by the model.
_SHELL_INFO = re.compile(
    r"^(?:bash|sh|shell|zsh|console|terminal|powershell|pwsh|ps1|cmd|bat)\b", re.I
)
# Output field names that make a few-shot prompt a classification.
LABEL_FIELDS = frozenset(
    (
        "label",
        "sentiment",
        "category",
        "class",
        "intent",
        "topic",
        "tag",
        "emotion",
    )
)
# Labels so common that a few-shot list of them is a classification by itself.
LABEL_VOCABULARY = frozenset(
    (
        "positive",
        "negative",
        "neutral",
        "mixed",
        "yes",
        "no",
        "true",
        "false",
        "spam",
        "ham",
        "relevant",
        "irrelevant",
        "toxic",
        "safe",
        "unsafe",
        "correct",
        "incorrect",
        "valid",
        "invalid",
        "agree",
        "disagree",
        "approve",
        "reject",
        "accept",
        "pass",
        "fail",
        "high",
        "medium",
        "low",
        "urgent",
        "normal",
    )
)
# Conversation transcripts: a speaker line with content.
_SPEAKER = re.compile(
    r"^[ \t]*(human|user|customer|q|question|input|text|review|sentence|tweet|email|message|"
    r"query|ai|assistant|agent|bot|a|answer|output|response|result|summary|translation|"
    r"label|sentiment|category|class|intent|topic|tag|emotion)[ \t]*:[ \t]*(.*)$",
    re.I | re.M,
)
_INPUT_SPEAKERS = frozenset(
    (
        "human",
        "user",
        "customer",
        "q",
        "question",
        "input",
        "text",
        "review",
        "sentence",
        "tweet",
        "email",
        "message",
        "query",
    )
)
_OUTPUT_SPEAKERS = frozenset(
    (
        "ai",
        "assistant",
        "agent",
        "bot",
        "a",
        "answer",
        "output",
        "response",
        "result",
        "summary",
        "translation",
        "label",
        "sentiment",
        "category",
        "class",
        "intent",
        "topic",
        "tag",
        "emotion",
    )
)


def _clause_kind(text: str) -> TaskKind | None:
    for kind, pattern in _TASK:
        if pattern.search(text):
            return kind
    return None


def _is_agent_file(doc: PromptDocument) -> bool:
    return doc.format is PromptFormat.MARKDOWN and bool(
        _AGENT_FILES.search(PurePath(doc.path).name)
    )


def _is_skill_file(doc: PromptDocument) -> bool:
    return doc.format is PromptFormat.MARKDOWN and bool(
        _SKILL_FILES.search(PurePath(doc.path).name)
    )


_TOOLS = re.compile(r"\b(?:MCP|CLI|scripts?|tool calls?|npx|npm|pip install)\b")


def _runs_tools(doc: PromptDocument) -> bool:
    if any(s.kind is SegmentKind.CODE and _SHELL_INFO.match(s.title) for s in doc.walk()):
        return True
    return _TOOLS.search(doc.text) is not None


_LIST_ITEM = re.compile(r"^[ \t>]*(?:[-*+]|\d+[.)])[ \t]")
_HEADING_LINE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]")


def _task_kind(
    doc: PromptDocument, opening: list[Clause], labeled_fewshot: bool
) -> tuple[TaskKind, Span | None]:
    persona: Clause | None = None
    after_persona = 0
    agent_file = _is_agent_file(doc) or _is_skill_file(doc)
    if _is_agent_file(doc) or (_is_skill_file(doc) and _runs_tools(doc)):
        # The kind is agent; only a persona line is looked for below.
        persona = next((c for c in opening if _PERSONA.search(c.text)), None)
        opening = []
    seen = 0
    for clause in opening:
        if agent_file:
            # In skill files the task is stated up front, in a sentence; list
            # items further down are steps and capabilities.
            seen += len(clause.text)
            if seen > _SKILL_OPENING + len(clause.text) and persona is None:
                break
            if _LIST_ITEM.match(clause.text):
                continue
        if _HEADING_LINE.match(clause.text):
            continue  # a title names the topic; it does not state the task
        kind = _clause_kind(clause.text)
        if persona is not None:
            after_persona += 1
            if kind in STRUCTURED_KINDS or kind is TaskKind.SUMMARIZATION:
                return kind, clause.span
            if after_persona >= 3 or kind is not None:
                break
            continue
        if _PERSONA.search(clause.text):
            persona = clause
            continue
        if kind is not None:
            if kind is TaskKind.GENERATION and labeled_fewshot:
                continue
            return kind, clause.span
    if labeled_fewshot:
        return TaskKind.CLASSIFICATION, None
    if persona is not None or agent_file:
        return TaskKind.AGENT, persona.span if persona else None
    return TaskKind.OTHER, None


# ------------------------------------------------------------------- examples

_PLACEHOLDER = re.compile(
    r"\[[^\]\n]{1,60}\]|<[A-Za-z_][^<>\n]{0,40}>|\{\{?[^{}\n]{1,40}\}?\}|\$\{[^}\n]+\}|\.\.\.|…|"
    r"\b(?:TODO|TBD|xxx+|placeholder|lorem ipsum)\b|\b(?:string|number|integer|boolean)\b",
    re.I,
)
_INPUT_ONLY_TITLE = re.compile(
    r"\b(?:prompts?|requests?|questions?|quer(?:y|ies)|triggers?|invocations?|inputs?|"
    r"phrases?|commands?)\b",
    re.I,
)
_OUTPUT_TITLE = re.compile(r"\b(?:outputs?|responses?|answers?|results?|replies)\b", re.I)
_INLINE_EXAMPLE = re.compile(
    r"\b(?:for (?:example|instance)|an? (?:example|sample)\b[^\n:]{0,120}?\b(?:is|are|would be)|"
    r"(?:example|sample) (?:output|response|answer|result)s?|here (?:is|are) (?:an? )?"
    r"(?:example|sample)s?|examples?)(?:\*\*)?\s*:(?:\*\*)?[ \t]*(?:\n[ \t]*)*(?=\S)(.+)",
    re.I,
)
_OPEN_SLOT = re.compile(
    r":[ \t]*\Z|\b(?:A|Answer|Output|Label|Sentiment|Category)[ \t]*:[ \t]*$", re.M
)


# Markup is structure, not a placeholder: a line holding only a tag, and the
# tags around a complete element (<name>value</name>).
_TAG_LINE = re.compile(r"^[ \t]*</?[A-Za-z][\w.-]*[^<>\n]*>[ \t]*$")
_ELEMENT = re.compile(r"<([A-Za-z][\w.-]*)[^<>\n]*>(.*?)</\1>")


def _is_template(text: str) -> bool:
    """Mostly placeholders (``[Topic Name]``, ``<value>``, ``...``): a template, not a sample."""
    lines = [
        _ELEMENT.sub(r"\2", line)
        for line in text.splitlines()
        if line.strip() and not _TAG_LINE.match(line)
    ]
    if not lines:
        return True
    with_holes = sum(1 for line in lines if _PLACEHOLDER.search(line))
    return with_holes * 2 >= len(lines)


def _block_examples(doc: PromptDocument) -> list[WorkedExample]:
    text = doc.text
    found: list[WorkedExample] = []

    def visit(segment: Segment) -> None:
        if segment.kind is SegmentKind.EXAMPLE:
            title = segment.title
            if _INPUT_ONLY_TITLE.search(title) and not _OUTPUT_TITLE.search(title):
                return
            content = text[segment.content.start : segment.content.end]
            inner = [c for c in segment.children if c.kind is SegmentKind.EXAMPLE]
            if inner:
                for child in inner:
                    visit(child)
                return
            if _is_template(content):
                return
            parts = _split_block(text, segment.content)
            if len(parts) > 1:
                found.extend(parts)
                return
            anchor = segment.header or _first_line(text, segment.span)
            found.append(
                WorkedExample(segment.span, anchor, "block", _tagged_output(text, segment.content))
            )
            return
        for child in segment.children:
            visit(child)

    for segment in doc.segments:
        visit(segment)
    return found


_INNER_EXAMPLE = re.compile(r"<(example[\w-]*)\b[^<>]*>(.*?)</\1\s*>", re.I | re.S)


def _split_block(text: str, span: Span) -> list[WorkedExample]:
    """An examples block holding several examples: inner tags, or field pairs."""
    inner = list(_INNER_EXAMPLE.finditer(text, span.start, span.end))
    if len(inner) > 1:
        return [
            WorkedExample(
                Span(m.start(), m.end()),
                _first_line(text, Span(m.start(), m.end())),
                "block",
                _tagged_output(text, Span(m.start(2), m.end(2))),
            )
            for m in inner
        ]
    # Pairs inside the block ("Input: ... / Output: ..."), found like pairs in prose.
    pairs: list[WorkedExample] = []
    pending: re.Match[str] | None = None
    for m in _SPEAKER.finditer(text, span.start, span.end):
        name, value = m.group(1).lower(), m.group(2).strip()
        if name in _INPUT_SPEAKERS:
            pending = m if value else None
        elif name in _OUTPUT_SPEAKERS and pending is not None and value:
            pairs.append(
                WorkedExample(
                    Span(pending.start(), m.end()),
                    _strip(text, Span(pending.start(), pending.end())),
                    "pair",
                    _strip(text, Span(m.start(2), m.end(2))),
                )
            )
            pending = None
    return pairs


_OUTPUT_TAG = re.compile(r"<(output|answer|response|assistant|label)>(.*?)</\1>", re.I | re.S)
_OUTPUT_FIELD = re.compile(
    r"^[ \t]*(?:output|answer|response|a|label|result)[ \t]*:[ \t]*(.+)$", re.I | re.M
)


def _tagged_output(text: str, span: Span) -> Span | None:
    m = _OUTPUT_TAG.search(text, span.start, span.end)
    if m:
        return _strip(text, Span(m.start(2), m.end(2)))
    m = _OUTPUT_FIELD.search(text, span.start, span.end)
    if m:
        return _strip(text, Span(m.start(1), m.end(1)))
    return None


def _strip(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def _first_line(text: str, span: Span) -> Span:
    nl = text.find("\n", span.start, span.end)
    return _strip(text, Span(span.start, span.end if nl == -1 else nl))


def _pair_examples(
    doc: PromptDocument, spans: Sequence[Span]
) -> tuple[list[WorkedExample], tuple[str, str] | None, set[str]]:
    """``Input:``/``Output:``-style pairs, the open slot that ends a few-shot
    prompt, and the output field names the pairs use."""
    text = doc.text
    found: list[WorkedExample] = []
    names: set[str] = set()
    slot: tuple[str, str] | None = None
    lines = [m for m in finditer(_SPEAKER, text, spans)]
    pending: re.Match[str] | None = None
    previous_end = -1
    for m in lines:
        name = m.group(1).lower()
        line_end = text.find("\n", m.start(2))
        # The whole rest of the line: a template tag ("Text: {input}") is a value too.
        value = text[m.start(2) : len(text) if line_end == -1 else line_end].strip()
        if name in _INPUT_SPEAKERS:
            pending = m if value else None
            previous_end = m.end()
            continue
        if name in _OUTPUT_SPEAKERS:
            start = (
                pending.start()
                if pending is not None
                else _plain_line_before(text, m.start(), previous_end)
            )
            if start is not None and value and not _PLACEHOLDER.fullmatch(value):
                found.append(
                    WorkedExample(
                        Span(start, m.end()),
                        _first_line(text, Span(start, m.end())),
                        "pair",
                        _strip(text, Span(m.start(2), m.end(2))),
                    )
                )
                names.add(name)
            elif pending is not None and not value:
                slot = (pending.group(1), m.group(1))
            pending = None
        previous_end = m.end()
    return found, slot, names


def _plain_line_before(text: str, offset: int, floor: int) -> int | None:
    """The start of the text line right above ``offset`` ("question" of a Q/A pair)."""
    end = text.rfind("\n", 0, offset)
    if end <= floor or end == -1:
        return None
    start = text.rfind("\n", 0, end) + 1
    line = text[start:end]
    if start <= floor or not line.strip() or _SPEAKER.match(line):
        return None
    return start


def _label_line_examples(doc: PromptDocument, spans: Sequence[Span]) -> list[WorkedExample]:
    """Bare few-shot lines such as ``This is bad! Negative`` (no field names).

    A line counts when its first or last word, capitalised, is a common
    classification label; two such lines make a few-shot label list.
    """
    text = doc.text
    found: list[WorkedExample] = []
    # Every label line holds a capitalised label word, so when those words are
    # too few for the ratio below no line can qualify and the walk is skipped.
    label_words = lines = 0
    for span in spans:
        chunk = text[span.start : span.end]
        label_words += len(_LABEL_WORD.findall(chunk))
        lines += len(_LETTER_LINE.findall(chunk))
    if label_words < 2 or label_words * 10 < lines * 3:
        return []
    lines = 0
    for span in spans:
        for m in re.finditer(r"[^\n]+", text[span.start : span.end]):
            line = m.group(0)
            words = list(re.finditer(r"[A-Za-z]+", line))
            if not words:
                continue
            lines += 1
            if _MARKUP_LINE.match(line) or _FIELD_START.match(line) or len(words) > 10:
                continue
            for word in (words[0], words[-1]):
                label = word.group(0)
                if label[0].isupper() and label.lower() in LABEL_VOCABULARY:
                    base = span.start + m.start()
                    found.append(
                        WorkedExample(
                            _strip(text, Span(base, base + len(line))),
                            _strip(text, Span(base, base + len(line))),
                            "labels",
                            Span(base + word.start(), base + word.end()),
                        )
                    )
                    break
    # A few-shot list is most of the prompt; a stray "No" or "High" in a
    # long guideline is not.
    return found if len(found) >= 2 and len(found) * 10 >= lines * 3 else []


_LABEL_WORD = re.compile(
    r"(?<![A-Za-z])(?=[A-Z])(?i:" + "|".join(sorted(LABEL_VOCABULARY)) + r")(?![A-Za-z])"
)
_LETTER_LINE = re.compile(r"[^\n]*?[A-Za-z][^\n]*")
_MARKUP_LINE = re.compile(r"^[ \t]*(?:[-*+|#>]|\d+[.)])")
# "A: The answer is False." is an answer field, not a bare few-shot label line.
_FIELD_START = re.compile(r"^[ \t]*\w+[ \t]*:")


def _turn_examples(doc: PromptDocument) -> list[WorkedExample]:
    """Assistant turns that answer a concrete user turn and are followed by more turns."""
    messages = [s for s in doc.segments if s.kind is SegmentKind.MESSAGE]
    found: list[WorkedExample] = []
    for k in range(1, len(messages) - 1):
        turn, before = messages[k], messages[k - 1]
        if turn.role not in ("assistant", "model") or before.role != "user":
            continue
        if any(before.span.start <= v.span.start < before.span.end for v in doc.used):
            continue  # history with the caller's input, not a worked example
        if not doc.text[turn.content.start : turn.content.end].strip():
            continue
        found.append(
            WorkedExample(
                Span(before.span.start, turn.span.end),
                turn.header or _first_line(doc.text, turn.span),
                "turn",
                _strip(doc.text, turn.content),
            )
        )
    return found


def _inline_examples(doc: PromptDocument, spans: Sequence[Span]) -> list[WorkedExample]:
    text = doc.text
    found: list[WorkedExample] = []
    for m in finditer(_INLINE_EXAMPLE, text, spans):
        sample = m.group(1).strip()
        if not sample or _PLACEHOLDER.fullmatch(sample) or sample.endswith(":"):
            continue
        found.append(
            WorkedExample(
                Span(m.start(), m.end()),
                _first_line(text, Span(m.start(), m.end())),
                "inline",
                Span(m.start(1), m.end(1)),
            )
        )
    return found


def _code_samples(doc: PromptDocument) -> list[WorkedExample]:
    """Concrete code blocks (not schemas or templates) as samples of the output."""
    text = doc.text
    found: list[WorkedExample] = []
    for segment in doc.walk():
        if segment.kind is not SegmentKind.CODE:
            continue
        content = text[segment.content.start : segment.content.end]
        body = content.rsplit("```", 1)[0] if "```" in content else content
        if not body.strip() or _is_template(body) or re.search(r'"type"\s*:', body):
            continue
        found.append(
            WorkedExample(
                segment.span, segment.header or segment.span, "code", _strip(text, segment.content)
            )
        )
    return found


# ------------------------------------------------------------------ the input

_DEICTIC = re.compile(
    r"\b(?:(?:the|this|these) (?:following|above|below|given|provided|attached|supplied|pasted)"
    r"\b|(?:text|paragraph|passage|article|document|email|message|code|review|transcript|"
    r"conversation|data|table|list|sentence|content|input|outputs?|snippet|excerpt|report|"
    r"notes?|material)s? (?:above|below|provided|given|that follows|between)|the above\b|"
    r"(?:user|customer|caller|student|learner)['’]?s? (?:message|code|question|request|input|"
    r"query|text|data|notes?|repository|codebase|changes)|the user (?:provides|asks|wants|"
    r"requests|says|gives|pastes|shares|selects|is working)|when (?:a|the) (?:user|student|"
    r"customer) (?:provides|asks|gives|shares|requests)|your (?:current )?(?:code|changes|"
    r"repository|codebase|git changes)|provided (?:text|material|notes|code|data|input|"
    r"document|content|information))",
    re.I,
)
# A field of pasted material. "Q:"/"Question:" alone is left out: a prompt
# that is nothing but a question takes no input, it *is* the input.
_DATA_FIELD = re.compile(
    r"^[ \t]*(?:text|input|review|sentence|tweet|email|message|query|document|passage|article|"
    r"abstract|transcript|report|excerpt|snippet|post|comment|feedback|ticket|story|essay|"
    r"context|code|customer|user|human|paragraph|statement|claim|data|table|facts?)"
    r"[ \t]*:[ \t]*\S",
    re.I | re.M,
)
_NUMBER_LIST = re.compile(r":[ \t]*-?\d+(?:\.\d+)?(?:[ \t]*,[ \t]*-?\d+(?:\.\d+)?){2,}")
_LOOSE_PLACEHOLDER = re.compile(r"(?<![{\w$])\{[A-Za-z][\w .-]{0,30}\}(?!\})")
_TRIPLE_QUOTE = re.compile(r'^[ \t]*"""', re.M)


def _takes_input(
    doc: PromptDocument,
    spans: Sequence[Span],
    kind: TaskKind,
    examples: Sequence[WorkedExample],
    ends_open: bool,
) -> Span | None:
    text = doc.text
    if doc.used:
        return doc.used[0].span
    for pattern in (_LOOSE_PLACEHOLDER, _DEICTIC, _DATA_FIELD, _NUMBER_LIST, _TRIPLE_QUOTE):
        m = (
            search(pattern, text, spans)
            if pattern is not _TRIPLE_QUOTE
            else pattern.search(text, doc.body_span.start)
        )
        if m:
            return Span(m.start(), m.end())
    for segment in doc.walk():
        if segment.kind is SegmentKind.DATA:
            return segment.header or segment.span
    roles = {s.role for s in doc.segments if s.kind is SegmentKind.MESSAGE}
    if {"system", "user"} <= roles:
        # A system prompt followed by a user turn: the user turn is the input.
        return next(s.span for s in doc.segments if s.role == "user")
    if kind is TaskKind.AGENT:
        return None if not spans else _first_line(text, spans[0])
    if examples and ends_open:
        return None if not spans else _first_line(text, spans[-1])
    return None


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


def _output_format(doc: PromptDocument, spans: Sequence[Span]) -> Span | None:
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


def _label_set(
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


# ------------------------------------------------------------ unusual input

_UNUSUAL = (
    r"(?<!not )(?:empty|blank)\b|missing\b|absent\b|not (?:provided|given|specified|supplied|"
    r"available|found|present|clear|sure|certain|known|mentioned|included)\b|"
    r"no [\w`'-]+(?: [\w`'-]+){0,3} (?:is|are|was|were)? ?(?:provided|given|found|available|"
    r"specified|supplied|detected|mentioned|included|present)\b|unavailable\b|invalid\b|"
    r"malformed\b|ambiguous\b|unclear\b|uncertain\b|unsure\b|unknown\b|"
    r"(?:does|do|did)n['’]?t know\b|(?:does|do|did) not know\b|"
    r"(?:cannot|can['’]?t|could not|couldn['’]?t|unable to) (?:be )?(?:determine|find|answer|"
    r"identify|process|parse|classify|extract|understand|tell|read|access|locate)\w*|"
    r"out of scope\b|outside (?:of )?(?:the |your |its )?scope\b|off[- ]topic\b|unrelated\b|"
    r"irrelevant\b|not (?:related|relevant|about)\b|contradict\w*|conflicting\b|"
    r"inconsistent\b|incomplete\b|insufficient\b|limited data\b|gibberish\b|nonsense\b|"
    r"none of the\b|(?:doesn['’]?t|does not|don['’]?t|do not) (?:fit|match)\b|no (?:clear |"
    r"obvious |good )?(?:answer|match|category|label|results?)\b|not (?:enough|sufficient)\b|"
    r"not in the (?:context|text|document|sources?|provided)|"
    # The input already is what the task would produce ("already German").
    r"(?:text|input|message|document|email|content|data|request|question|ticket|review|code)"
    r" is already\b"
)
_EDGE = re.compile(
    r"\b(?:if|when|whenever|unless|in case|should)\b[^.\n;]{0,100}?\b(?:" + _UNUSUAL + r")", re.I
)
_EDGE_HEADING = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+|\*\*)[^\n]*\b(?:edge[- ]cases?|corner[- ]cases?|special cases|"
    r"unusual (?:input|cases)|handling (?:missing|invalid|uncertain|ambigu|unknown|empty|bad)\w*"
    r"|uncertainty|fallbacks?|missing (?:inputs?|data|information)|invalid input|"
    r"out[- ]of[- ]scope)\b",
    re.I | re.M,
)
_UNKNOWN_PATH = re.compile(
    r"\b(?:i (?:do not|don['’]?t) know|(?:do|does|did)(?:n['’]?t| not) know|not sure|unsure|"
    r"uncertain|(?:cannot|can['’]?t|unable to) (?:find|answer|determine)|no (?:answer|"
    r"information)|not (?:in|mentioned in|covered by|found in|present in) the (?:context|"
    r"document|text|sources?|provided)|say so|admit)\b",
    re.I,
)


# ----------------------------------------------------------------- profile

_cache: OrderedDict[tuple[str, str], TaskProfile] = OrderedDict()
_lock = threading.Lock()
_CACHE_MAX = 256


def clear_cache() -> None:
    """Drop every cached task profile."""
    with _lock:
        _cache.clear()
    _starts_cache.clear()
    _lowered[:] = ["", ""]


def profile(doc: PromptDocument) -> TaskProfile:
    """The task profile of ``doc``, computed once per (path, text)."""
    key = (doc.path, doc.text)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    result = _profile(doc)
    with _lock:
        _cache[key] = result
        if len(_cache) > _CACHE_MAX:
            _cache.popitem(last=False)
    return result


def _opening(all_clauses: Iterable[Clause]) -> list[Clause]:
    out: list[Clause] = []
    seen = 0
    for clause in all_clauses:
        out.append(clause)
        seen += len(clause.text)
        if seen >= _OPENING:
            break
    return out


def _profile(doc: PromptDocument) -> TaskProfile:
    text = doc.text
    spans = prose_spans(doc)
    opening = _opening(iter_clauses(doc, spans))
    pairs, slot, output_names = _pair_examples(doc, spans)
    label_lines = _label_line_examples(doc, spans)
    labeled_fewshot = bool(output_names & LABEL_FIELDS) or bool(label_lines)
    kind, evidence = _task_kind(doc, opening, labeled_fewshot)
    code_samples = _code_samples(doc)
    examples = sorted(
        [
            *_block_examples(doc),
            *pairs,
            *label_lines,
            *_turn_examples(doc),
            *_inline_examples(doc, spans),
            *(code_samples if kind not in STRUCTURED_KINDS else []),
        ],
        key=lambda e: e.span.start,
    )
    examples = _dedupe(examples)
    if kind in STRUCTURED_KINDS:
        examples = _dedupe([*examples, *_json_samples(doc, code_samples)])
    tail = text[spans[-1].start : spans[-1].end].rstrip() if spans else ""
    ends_open = (
        bool(_OPEN_SLOT.search(tail))
        or slot is not None
        or (bool(examples) and not tail.endswith((".", "!", ")")))
    )
    input_at = _takes_input(doc, spans, kind, examples, ends_open)
    labels = _label_set(doc, spans, examples) if kind is TaskKind.CLASSIFICATION else None
    fallback = None
    if labels is not None:
        fallback = next((label for label in labels.labels if _FALLBACK.fullmatch(label)), None)
        if fallback is None:
            m = re.compile(
                r"\b(?:if|when)\b[^.\n]{0,80}?(?:none|no (?:label|category)|doesn['’]?t"
                r" fit|does not fit|unclear|unsure|uncertain)[^.\n]{0,60}",
                re.I,
            )
            hit = search(m, text, spans)
            fallback = text[hit.start() : hit.end()] if hit else None
    output_format = _output_format(doc, spans)
    if output_format is None and labels is not None and labels.declared:
        output_format = labels.span
    edge = search(_EDGE, text, spans) or _EDGE_HEADING.search(text, doc.body_span.start)
    edge_span = Span(edge.start(), edge.end()) if edge else None
    if edge_span is None and fallback is not None and labels is not None:
        edge_span = labels.span
    unknown = search(_UNKNOWN_PATH, text, spans)
    if edge_span is None and unknown is not None:
        edge_span = Span(unknown.start(), unknown.end())
    data = doc.frontmatter or {}
    json_output = bool(search(_JSON, text, spans)) or "json" in str(data.get("output", "")).lower()
    return TaskProfile(
        kind=kind,
        kind_evidence=evidence,
        needs_examples=_needs_examples(doc, kind, evidence),
        takes_input=input_at is not None,
        input_evidence=input_at,
        examples=tuple(examples),
        output_format=output_format,
        json_output=json_output,
        label_set=labels,
        fallback_label=fallback,
        edge_handling=edge_span,
        unknown_answer_path=Span(unknown.start(), unknown.end()) if unknown else None,
        answers_questions=_answers_questions(doc, opening, kind),
        input_slot=slot,
    )


_QUESTIONS = re.compile(
    r"\b(?:answer(?:s|ing)?(?: the| their| user| users['’]?| customer['’]?s?| people['’]?s?)?"
    r" questions?|(?:help|helps|helping) (?:people|users|customers) (?:find|get) "
    r"(?:information|answers))\b|^[ \t]*(?:Q|Question)[ \t]*:",
    re.I | re.M,
)
_QUESTION_VARIABLE = re.compile(r"^(?:question|query|q|user_question|user_query)$", re.I)


def _answers_questions(doc: PromptDocument, opening: Sequence[Clause], kind: TaskKind) -> bool:
    """Answers factual questions: a Q&A prompt, or an assistant fed a question."""
    if kind is TaskKind.QA:
        return True
    if kind not in (TaskKind.AGENT, TaskKind.OTHER):
        return False
    if any(_QUESTION_VARIABLE.match(v.name) for v in doc.used):
        return True
    # Only the opening says what the prompt is for; "answer questions about
    # X" deep in a guideline is one duty among many.
    return any(_QUESTIONS.search(c.text) for c in opening)


_FORMAT_TARGET = re.compile(
    r"\b(?:json|yaml|csv|tsv|xml|html|markdown|table|sql|regex|bullet|list|template|schema|"
    r"format|structure|style|tone|voice|key[- ]value|title case|snake_case|camelcase)\b",
    re.I,
)


def _needs_examples(doc: PromptDocument, kind: TaskKind, evidence: Span | None) -> bool:
    """Classification and extraction always; transformation only into a format or style.

    Translating into another language or correcting grammar has an obvious
    target; converting into JSON, a table or "our house style" does not.
    """
    if kind in (TaskKind.CLASSIFICATION, TaskKind.EXTRACTION):
        return True
    if kind is TaskKind.TRANSFORMATION and evidence is not None:
        line_end = doc.text.find("\n", evidence.start)
        line = doc.text[evidence.start : line_end if line_end != -1 else len(doc.text)]
        return bool(_FORMAT_TARGET.search(line))
    return False


def _json_samples(
    doc: PromptDocument, code_samples: Sequence[WorkedExample]
) -> list[WorkedExample]:
    """A concrete JSON value in a code block shows the exact output of a structured task."""
    found: list[WorkedExample] = []
    for example in code_samples:
        body = doc.text[example.span.start : example.span.end]
        if re.search(r"^\s*(?:```[\w-]*\s*)?[\[{]", body):
            found.append(example)
    return found


def _dedupe(examples: list[WorkedExample]) -> list[WorkedExample]:
    """Drop every example covered by or overlapping one kept before it.

    In start order every kept span starts at or before the current one, so
    "covers or overlaps any kept span" reduces to a test against the largest
    kept end: linear instead of quadratic in the number of examples.
    """
    out: list[WorkedExample] = []
    kept_end = -1
    for example in sorted(examples, key=lambda e: (e.span.start, -e.span.end)):
        span = example.span
        if out and (kept_end > span.start or kept_end >= span.end):
            continue
        out.append(example)
        kept_end = max(kept_end, span.end)
    return out


def is_vscode_prompt(doc: PromptDocument) -> bool:
    """VS Code prompt files: the person typing ``${input:x}`` is the one running the prompt."""
    return doc.syntax is TemplateSyntax.VSCODE
