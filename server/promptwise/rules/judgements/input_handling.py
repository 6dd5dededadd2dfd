"""Input handling: does the prompt take input, and does it say what to do with odd input.

Input is taken when the prompt has template variables or placeholders,
points at material ("the text below", "the paragraph above", "the user's
code"), carries fields of data ("Text: ..."), is a persona or agent file
answering a user, or is a few-shot prompt ending in an open slot. Handling
unusual input is any rule for empty/missing, invalid, ambiguous,
out-of-scope, unknown or conflicting input, an edge-case section, or a
fallback label; a question-answering prompt also needs a path for "I don't
know".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from promptwise.document.model import PromptDocument, SegmentKind
from promptwise.document.text import Span
from promptwise.rules.judgements.examples import WorkedExample
from promptwise.rules.judgements.output_contract import LabelSet
from promptwise.rules.judgements.prose import Clause, finditer, finditer_from, first_line, search
from promptwise.rules.judgements.task_kind import TaskKind
from promptwise.rules.options import RuleOptions, alternation, option_pattern
from promptwise.rules.timed import LazyPattern, Pattern

# ------------------------------------------------------------------ the input

_NUMBER_LIST = LazyPattern(r":[ \t]*-?\d+(?:\.\d+)?(?:[ \t]*,[ \t]*-?\d+(?:\.\d+)?){2,}")
_LOOSE_PLACEHOLDER = LazyPattern(r"(?<![{\w$])\{[A-Za-z][\w .-]{0,30}\}(?!\})")
_TRIPLE_QUOTE = LazyPattern(r'^[ \t]*"""', re.M)

INPUT_OWNER = "PW301"  # the rule whose options hold the words of input and unusual input
ANSWER_OWNER = "PW303"  # ... and of answering questions


@dataclass(frozen=True, eq=False)
class InputWords:
    """How prompts point at input and handle odd input (PW301's and PW303's options)."""

    input_reference: Pattern  # "the text below", "the user's code"
    fixed_material: Pattern  # "the following facts": the prompt's own material
    data_field: Pattern  # "Text: ..." with a value
    open_input: Pattern  # "INPUT:" or "# INPUT" closing the prompt
    edge: Pattern  # "if the input is empty ..."
    unusual: Pattern  # an unusual situation, however it is introduced
    handling: Pattern  # "ask for missing details rather than guessing"
    not_input: Pattern  # "when jq is unavailable": a tool, not the input
    edge_heading: Pattern  # "## Edge cases"
    unknown_path: Pattern  # "if you don't know, say so"
    questions: Pattern  # "answer user questions", "Q:"
    question_variable: re.Pattern[str]

    @classmethod
    def from_options(cls, options: RuleOptions) -> InputWords:
        own, answers = options[INPUT_OWNER], options[ANSWER_OWNER]

        def mine(name: str, before: str, after: str = "", flags: int = re.I) -> Pattern:
            return option_pattern(own, INPUT_OWNER, name, before, after, flags)

        def answer(name: str, before: str, after: str = "", flags: int = re.I) -> Pattern:
            return option_pattern(answers, ANSWER_OWNER, name, before, after, flags)

        return cls(
            input_reference=mine("input_reference_patterns", r"\b"),
            fixed_material=mine("fixed_material_patterns", r"[ \t]+(?:[\w-]+[ \t]+){0,2}?", r"\b"),
            data_field=mine("data_field_patterns", r"^[ \t]*", r"[ \t]*:[ \t]*\S", re.I | re.M),
            open_input=mine(
                "data_field_patterns",
                r"^[ \t]*(?:#{1,6}[ \t]+)?",
                r"[ \t]*:?[ \t]*(?:\n[ \t]*)*\Z",
                re.I | re.M,
            ),
            edge=mine(
                "unusual_input_patterns",
                r"\b(?:if|when|whenever|unless|in case|should)\b[^.\n;]{0,100}?\b",
            ),
            unusual=mine("unusual_input_patterns", r"\b"),
            handling=mine("handling_patterns", r"\b"),
            not_input=mine("not_input_subject_patterns", r"\b", r"\b"),
            edge_heading=mine(
                "edge_heading_patterns",
                r"^[ \t]*(?:#{1,6}[ \t]+|\*\*)[^\n]*\b",
                r"\b",
                re.I | re.M,
            ),
            unknown_path=answer("unknown_answer_patterns", r"\b", r"\b"),
            questions=answer(
                "question_patterns", r"\b", r"\b|^[ \t]*(?:Q|Question)[ \t]*:", re.I | re.M
            ),
            question_variable=re.compile(
                "^" + alternation(answers["question_variables"], words=True) + "$", re.I
            ),
        )


def takes_input(
    doc: PromptDocument,
    spans: Sequence[Span],
    kind: TaskKind,
    examples: Sequence[WorkedExample],
    ends_open: bool,
    words: InputWords,
) -> Span | None:
    text = doc.text
    if doc.used:
        return doc.used[0].span
    for pattern in (
        _LOOSE_PLACEHOLDER,
        words.input_reference,
        words.data_field,
        _NUMBER_LIST,
        _TRIPLE_QUOTE,
    ):
        if pattern is _TRIPLE_QUOTE:
            m = pattern.search(text, doc.body_span.start)
        elif pattern is words.input_reference:
            # "Use the following facts: ..." introduces the prompt's own
            # material, not input.
            m = next(
                (r for r in finditer(pattern, text, spans) if not _fixed(text, r, words)), None
            )
        else:
            m = search(pattern, text, spans)
        if m:
            return Span(m.start(), m.end())
    for segment in doc.walk():
        if segment.kind is SegmentKind.DATA:
            return segment.header or segment.span
    if spans:
        # A prompt ending in an empty input field or heading ("# INPUT",
        # "INPUT:"): the input is appended when it runs.
        tail = words.open_input.search(text, spans[-1].start, spans[-1].end)
        if tail:
            return Span(tail.start(), tail.end())
    roles = {s.role for s in doc.segments if s.kind is SegmentKind.MESSAGE}
    if {"system", "user"} <= roles:
        # A system prompt followed by a user turn: the user turn is the input.
        return next(s.span for s in doc.segments if s.role == "user")
    if kind is TaskKind.AGENT:
        return None if not spans else first_line(text, spans[0])
    if examples and ends_open:
        return None if not spans else first_line(text, spans[-1])
    return None


def _fixed(text: str, m: re.Match[str], words: InputWords) -> bool:
    return m.group(0).lower().endswith("following") and bool(
        words.fixed_material.match(text, m.end())
    )


# ------------------------------------------------------------ unusual input


def answers_questions(
    doc: PromptDocument,
    opening: Sequence[Clause],
    kind: TaskKind,
    words: InputWords,
    stated: TaskKind | None = None,
) -> bool:
    """Answers factual questions: a Q&A prompt, or an assistant fed a question.

    What the prompt asks for decides, not what a variable is called: a
    persona told to write a poem from ``{{question}}`` writes a poem.
    """
    if kind is TaskKind.QA:
        return True
    if kind not in (TaskKind.AGENT, TaskKind.OTHER):
        return False
    asks_other = stated is not None and stated not in (TaskKind.QA, TaskKind.AGENT)
    if not asks_other and any(words.question_variable.match(v.name) for v in doc.used):
        return True
    # Only the opening says what the prompt is for; "answer questions about
    # X" deep in a guideline is one duty among many.
    return any(words.questions.search(c.text) for c in opening)


def edge_handling(
    doc: PromptDocument,
    spans: Sequence[Span],
    labels: LabelSet | None,
    fallback: str | None,
    unknown: Span | None,
    words: InputWords,
) -> Span | None:
    """The first instruction for an unusual input.

    A conditional rule ("if the input is empty ..."), a rule written as
    situation and action ("- Empty ticket: reply NONE", "unclear → ask"), an
    imperative that handles it ("ask for missing details rather than
    guessing"), a default in parentheses ("(or Unknown if not stated)"), a
    guard against input posing as instructions, an edge-case section that
    says what to do, a fallback label, or the "if you don't know" path.
    A condition on a tool, a file, the code being written or the model's own
    answer is none of these: it is not about the input.
    """
    text = doc.text
    found: list[Span] = []
    for m in finditer(words.edge, text, spans):
        if not _about_something_else(text, m, words):
            found.append(Span(m.start(), m.end()))
            break
    # The earliest finding wins, and the first of equals: each later search
    # only needs a finding that starts before every one so far, and stops
    # scanning there (the generated 1 MB prompt states its edge case in its
    # third line).
    rule = _situation_rule(text, spans, words, _earliest(found))
    if rule is not None:
        found.append(rule)
    for pattern in (words.handling, _DEFAULT_IF):
        hit = search(pattern, text, spans, _earliest(found))
        if hit is not None:
            found.append(Span(hit.start(), hit.end()))
    heading = _edge_section(doc, words, _earliest(found))
    if heading is not None:
        found.append(heading)
    if found:
        return min(found, key=lambda span: span.start)
    if fallback is not None and labels is not None:
        return labels.span
    return unknown


# A line opening with the situation ("- Empty ticket", "**Goal unclear**")
# before a colon or an arrow that leads to the action.
_RULE_HEAD = LazyPattern(r"[ \t]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(?:\*\*)?[^\n:→]{0,40}\Z")
_RULE_ARROW = LazyPattern(r"[^\n:→]{0,30}?(?:\*\*)?[ \t]*(?::|→|->|⇒|=>)(?:\*\*)?[ \t]*\w")


def _line_start_within(text: str, at: int, reach: int) -> int:
    """The start of the line holding ``at``, or ``at - reach - 1`` when the
    line starts farther back than ``reach`` characters.

    The callers only look that far back; searching to the line's real start
    made a prompt written on one long line quadratic (one search back to
    the start of the line per match).
    """
    low = max(0, at - reach - 1)
    return text.rfind("\n", low, at) + 1 or low


def _earliest(found: Sequence[Span]) -> int | None:
    return min(span.start for span in found) if found else None


def _situation_rule(
    text: str, spans: Sequence[Span], words: InputWords, before: int | None = None
) -> Span | None:
    """A rule written as situation and action: "- Empty input: return []"
    (the first one, if it starts before ``before``)."""
    for m in finditer(words.unusual, text, spans, before):
        line_start = _line_start_within(text, m.start(), 60)
        if m.start() - line_start > 60 or not _RULE_HEAD.match(text, line_start, m.start()):
            continue
        line_end = text.find("\n", m.end())
        arrow = _RULE_ARROW.match(text, m.end(), len(text) if line_end == -1 else line_end)
        if arrow is not None:
            return Span(m.start(), arrow.end())
    return None


# "(or Unknown if it is not stated)": a default for a missing value.
_DEFAULT_IF = LazyPattern(
    r"\((?:or|else|otherwise|defaults?(?: to)?)\b[^()\n]{1,60}?\b(?:if|when)\b[^()\n]{1,60}\)", re.I
)
# How far before a condition its main clause is read for what it is about.
_CLAUSE_BEFORE = 60
# What an edge-case section must hold to count: a condition, a rule or an action.
_SECTION_ACTION = LazyPattern(
    r"\b(?:if|when|unless|otherwise)\b|→|->"
    r"|^[ \t]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(?:\*\*)?(?:return|reply|respond|answer|say|output|use"
    r"|set|ask|skip|leave|mark|flag|write)\b"
    r"|^[ \t]*(?:[-*+]|\d+[.)])[ \t]+[^:\n]{1,40}:[ \t]*\S"
    # A situation in bold with its response under it ("**Frustrated learner:**").
    r"|\*\*[^*\n]{1,60}:\*\*|\*\*[^*\n]{1,60}\*\*:",
    re.I | re.M,
)


def _about_something_else(text: str, m: re.Match[str], words: InputWords) -> bool:
    """Is the condition about a tool, a file, code or the model's own answer?

    Not when what is missing is something the user provides ("if no output
    path is provided") or is named as data ("blocked by missing data").
    """
    tail = text[max(m.start(), m.end() - 30) : m.end() + 25]
    if _INPUT_SIGN.search(tail):
        return False
    start = max(_line_start_within(text, m.start(), _CLAUSE_BEFORE), m.start() - _CLAUSE_BEFORE)
    for stop in (". ", "; "):
        cut = text.rfind(stop, start, m.start())
        if cut != -1:
            start = max(start, cut + 2)
    return words.not_input.search(text, start, m.end()) is not None


# Words that make a condition about input whatever else it names.
_INPUT_SIGN = LazyPattern(
    r"\b(?:provided|given|specified|supplied|passed|stated|data|input|information|details|"
    r"request|question|message|user)\b",
    re.I,
)


def _edge_section(doc: PromptDocument, words: InputWords, before: int | None = None) -> Span | None:
    """An edge-case heading whose section says what to do (not one naming the
    topic): the first one, if it starts before ``before``."""
    text = doc.text
    for m in finditer_from(words.edge_heading, text, doc.body_span.start):
        if before is not None and m.start() >= before:
            return None
        line_end = text.find("\n", m.end())
        if line_end == -1:
            return None
        nxt = _NEXT_HEADING.search(text, line_end)
        end = nxt.start() if nxt else len(text)
        if _SECTION_ACTION.search(text, line_end, end):
            return Span(m.start(), m.end())
    return None


_NEXT_HEADING = LazyPattern(r"^[ \t]*#{1,6}[ \t]", re.M)


def unknown_answer_path(
    doc: PromptDocument, spans: Sequence[Span], words: InputWords
) -> Span | None:
    """Where the prompt says what to answer without an answer ("if you don't know, say so")."""
    m = search(words.unknown_path, doc.text, spans)
    return Span(m.start(), m.end()) if m else None
