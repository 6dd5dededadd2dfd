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

from promptwise.document.model import PromptDocument, SegmentKind
from promptwise.document.text import Span
from promptwise.rules.judgements.examples import WorkedExample
from promptwise.rules.judgements.output_contract import LabelSet
from promptwise.rules.judgements.prose import Clause, first_line, search
from promptwise.rules.judgements.task_kind import TaskKind

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


def takes_input(
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
        return None if not spans else first_line(text, spans[0])
    if examples and ends_open:
        return None if not spans else first_line(text, spans[-1])
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


_QUESTIONS = re.compile(
    r"\b(?:answer(?:s|ing)?(?: the| their| user| users['’]?| customer['’]?s?| people['’]?s?)?"
    r" questions?|(?:help|helps|helping) (?:people|users|customers) (?:find|get) "
    r"(?:information|answers))\b|^[ \t]*(?:Q|Question)[ \t]*:",
    re.I | re.M,
)
_QUESTION_VARIABLE = re.compile(r"^(?:question|query|q|user_question|user_query)$", re.I)


def answers_questions(doc: PromptDocument, opening: Sequence[Clause], kind: TaskKind) -> bool:
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


def edge_handling(
    doc: PromptDocument,
    spans: Sequence[Span],
    labels: LabelSet | None,
    fallback: str | None,
    unknown: Span | None,
) -> Span | None:
    """The first instruction for an unusual input: a conditional rule, an edge-case
    heading, a fallback label, or the "if you don't know" path."""
    edge = search(_EDGE, doc.text, spans) or _EDGE_HEADING.search(doc.text, doc.body_span.start)
    if edge:
        return Span(edge.start(), edge.end())
    if fallback is not None and labels is not None:
        return labels.span
    return unknown


def unknown_answer_path(doc: PromptDocument, spans: Sequence[Span]) -> Span | None:
    """Where the prompt says what to answer without an answer ("if you don't know, say so")."""
    m = search(_UNKNOWN_PATH, doc.text, spans)
    return Span(m.start(), m.end()) if m else None
