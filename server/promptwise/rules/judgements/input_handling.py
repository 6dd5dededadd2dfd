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
from promptwise.rules.judgements.prose import Clause, first_line, search
from promptwise.rules.judgements.task_kind import TaskKind
from promptwise.rules.options import RuleOptions, alternation

# ------------------------------------------------------------------ the input

_NUMBER_LIST = re.compile(r":[ \t]*-?\d+(?:\.\d+)?(?:[ \t]*,[ \t]*-?\d+(?:\.\d+)?){2,}")
_LOOSE_PLACEHOLDER = re.compile(r"(?<![{\w$])\{[A-Za-z][\w .-]{0,30}\}(?!\})")
_TRIPLE_QUOTE = re.compile(r'^[ \t]*"""', re.M)

INPUT_OWNER = "PW301"  # the rule whose options hold the words of input and unusual input
ANSWER_OWNER = "PW303"  # ... and of answering questions


@dataclass(frozen=True, eq=False)
class InputWords:
    """How prompts point at input and handle odd input (PW301's and PW303's options)."""

    input_reference: re.Pattern[str]  # "the text below", "the user's code"
    data_field: re.Pattern[str]  # "Text: ..." with a value
    edge: re.Pattern[str]  # "if the input is empty ..."
    edge_heading: re.Pattern[str]  # "## Edge cases"
    unknown_path: re.Pattern[str]  # "if you don't know, say so"
    questions: re.Pattern[str]  # "answer user questions", "Q:"
    question_variable: re.Pattern[str]

    @classmethod
    def from_options(cls, options: RuleOptions) -> InputWords:
        own, answers = options[INPUT_OWNER], options[ANSWER_OWNER]
        return cls(
            input_reference=re.compile(r"\b" + alternation(own["input_reference_patterns"]), re.I),
            data_field=re.compile(
                r"^[ \t]*" + alternation(own["data_field_patterns"]) + r"[ \t]*:[ \t]*\S",
                re.I | re.M,
            ),
            edge=re.compile(
                r"\b(?:if|when|whenever|unless|in case|should)\b[^.\n;]{0,100}?\b"
                + alternation(own["unusual_input_patterns"]),
                re.I,
            ),
            edge_heading=re.compile(
                r"^[ \t]*(?:#{1,6}[ \t]+|\*\*)[^\n]*\b"
                + alternation(own["edge_heading_patterns"])
                + r"\b",
                re.I | re.M,
            ),
            unknown_path=re.compile(
                r"\b" + alternation(answers["unknown_answer_patterns"]) + r"\b", re.I
            ),
            questions=re.compile(
                r"\b"
                + alternation(answers["question_patterns"])
                + r"\b|^[ \t]*(?:Q|Question)[ \t]*:",
                re.I | re.M,
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
        return None if not spans else first_line(text, spans[0])
    if examples and ends_open:
        return None if not spans else first_line(text, spans[-1])
    return None


# ------------------------------------------------------------ unusual input


def answers_questions(
    doc: PromptDocument, opening: Sequence[Clause], kind: TaskKind, words: InputWords
) -> bool:
    """Answers factual questions: a Q&A prompt, or an assistant fed a question."""
    if kind is TaskKind.QA:
        return True
    if kind not in (TaskKind.AGENT, TaskKind.OTHER):
        return False
    if any(words.question_variable.match(v.name) for v in doc.used):
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
    """The first instruction for an unusual input: a conditional rule, an edge-case
    heading, a fallback label, or the "if you don't know" path."""
    edge = search(words.edge, doc.text, spans) or words.edge_heading.search(
        doc.text, doc.body_span.start
    )
    if edge:
        return Span(edge.start(), edge.end())
    if fallback is not None and labels is not None:
        return labels.span
    return unknown


def unknown_answer_path(
    doc: PromptDocument, spans: Sequence[Span], words: InputWords
) -> Span | None:
    """Where the prompt says what to answer without an answer ("if you don't know, say so")."""
    m = search(words.unknown_path, doc.text, spans)
    return Span(m.start(), m.end()) if m else None
