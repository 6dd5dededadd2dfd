"""The task profile: every judgement about one prompt, made once and cached.

Several rules need the same judgements about a whole prompt: is this a
classification, an extraction or an agent persona; does it process input;
does it show a worked example; does it state an output format, a label set,
a fallback label, any handling of unusual input. They are made here, once
per document, so that the rules agree with each other and so the judgement
can be tested on its own (``bench/quality.py`` measures it against labeled
real prompts).

Everything is deterministic pattern work over the parsed document; nothing
is rendered or sent anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from promptwise.document.model import PromptDocument, SegmentKind
from promptwise.document.text import Span
from promptwise.memo import SizedCache, text_bytes
from promptwise.rules.judgements import (
    directives,
    input_handling,
    output_contract,
    prose,
    vocabulary,
)
from promptwise.rules.judgements import examples as ex
from promptwise.rules.judgements.examples import WorkedExample
from promptwise.rules.judgements.output_contract import LabelSet
from promptwise.rules.judgements.task_kind import (
    ASKS_THE_USER,
    PERSONA_REACH,
    STRUCTURED_KINDS,
    TaskKind,
    needs_examples,
    opening,
    split_opening,
    stated_kind,
    task_kind,
)
from promptwise.rules.judgements.vocabulary import Vocabulary
from promptwise.rules.timed import LazyPattern, PatternTimeout


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


# ----------------------------------------------------------------- profile


def _profile_bytes(key: tuple[str, str, Vocabulary], value: TaskProfile | PatternTimeout) -> int:
    """The text (the key holds it) and the profile, measured at about twice the text."""
    return 3 * text_bytes(key[1]) + 2000


# A profile, or the timeout of a pattern from the settings that stopped it:
# every rule that reads the profile then reports it at once, instead of each
# running the pattern out of its time again.
_cache: SizedCache[tuple[str, str, Vocabulary], TaskProfile | PatternTimeout] = SizedCache(
    "task profiles", 0.20, _profile_bytes
)


def clear_cache() -> None:
    """Drop every cached task profile."""
    _cache.clear()
    prose.forget()
    directives.forget()
    ex.forget()


def profile(doc: PromptDocument, words: Vocabulary | None = None) -> TaskProfile:
    """The task profile of ``doc``, computed once per (path, text, vocabulary).

    ``words`` defaults to the bundled rules' vocabulary; checks pass the one
    the settings make (``CheckContext.profile``).
    """
    words = words or vocabulary.builtin()
    key = (doc.path, doc.text, words)
    hit = _cache.get(key)
    if isinstance(hit, PatternTimeout):
        raise PatternTimeout(hit.pattern, hit.seconds, hit.option)
    if hit is not None:
        return hit
    try:
        result = _profile(doc, words)
    except PatternTimeout as exc:
        _cache.put(key, exc)
        raise
    _cache.put(key, result)
    return result


_USER_CLAUSES = 3


def _user_turn_opening(
    doc: PromptDocument, spans: tuple[Span, ...], first: list[prose.Clause]
) -> list[prose.Clause]:
    """The first clauses of the first user turn, when the opening stops before it.

    A long system persona can fill the whole opening while the task itself
    ("Translate the following text ...") is the user turn's first line.
    """
    user = next(
        (s for s in doc.segments if s.kind is SegmentKind.MESSAGE and s.role == "user"), None
    )
    if user is None or (first and first[-1].span.end >= user.content.start):
        return []
    inside = [
        Span(max(s.start, user.content.start), min(s.end, user.content.end))
        for s in spans
        if s.end > user.content.start and s.start < user.content.end
    ]
    out: list[prose.Clause] = []
    for clause in prose.iter_clauses(doc, inside):
        out.append(clause)
        if len(out) >= _USER_CLAUSES:
            break
    return out


# What the line before a label list calls it, when the list is the answer to
# choose from ("The intent must be one of: ...", "Categories:", "Which of
# the following teams ...: ...").
_CHOICE_WORDS = LazyPattern(
    r"\b(?:categor(?:y|ies)|labels?|class(?:es)?|intents?|sentiments?|verdicts?|"
    r"one of|which of)\b",
    re.I,
)
_YES_NO = frozenset({"yes", "no", "true", "false"})
# A task statement that offers its answers: an alternative question ("Is the
# intent implicit or explicit?") or a scale ("a number from 1 to 4").
_OFFERS_ANSWERS = LazyPattern(
    r"\bor\b[^?\n]{0,40}\?"
    r"|\b(?:(?:number|score|rating|value) (?:from|between)|scale (?:of|from)) "
    r"(?:\{\{[^{}\n]*\}\}|\S+) (?:to|and)\b"
    # "(1 being the lowest and 5 being the highest)"
    r"|\bbeing the (?:lowest|worst|least)\b[^.?\n]{0,60}\bbeing the (?:highest|best|most)\b",
    re.I,
)


def _names_a_choice(text: str, labels: LabelSet) -> bool:
    """A declared label list that is plainly a choice of answers.

    Only then does it make a prompt with no task statement a classification:
    the looser lead-ins ("reply with filler, e.g. ...") are read as label
    lists only once a task verb has said the prompt classifies.
    """
    # The lead-in: the line holding the list, or the last one above a list of lines.
    end = labels.span.start
    while end > 0 and text[end - 1].isspace():
        end -= 1
    line_start = text.rfind("\n", 0, end) + 1
    if ASKS_THE_USER.search(text, line_start, labels.span.end):
        return False  # "Ask the user: continue, yes or no?" is the user's choice
    if set(labels.labels) <= _YES_NO:
        return True
    return _CHOICE_WORDS.search(text, line_start, labels.span.start) is not None


def _profile(doc: PromptDocument, words: Vocabulary) -> TaskProfile:
    text = doc.text
    spans = prose.prose_spans(doc)
    # The opening, and what follows it as far as a persona's background may run.
    first, after_opening = split_opening(opening(prose.iter_clauses(doc, spans), PERSONA_REACH))
    pairs, slot, output_names = ex.pair_examples(doc, spans, words.examples)
    label_lines = ex.label_line_examples(doc, spans, words.examples)
    labeled_fewshot = (
        bool(output_names & words.examples.label_fields)
        or bool(label_lines)
        or ex.label_answers(doc, pairs, words.examples)
    )
    kind, evidence = task_kind(
        doc,
        [*first, *_user_turn_opening(doc, spans, first)],
        labeled_fewshot,
        words.task,
        spans,
        after_opening,
    )
    code_samples = ex.code_samples(doc)
    examples = sorted(
        [
            *ex.block_examples(doc, words.examples),
            *pairs,
            *label_lines,
            *ex.turn_examples(doc),
            *ex.mirrored_pairs(doc),
            *ex.inline_examples(doc, spans, words.examples),
            *ex.titled_examples(doc, spans, words.examples),
            *ex.quoted_samples(doc, spans, words.examples),
            *(code_samples if kind not in STRUCTURED_KINDS else []),
        ],
        key=lambda e: e.span.start,
    )
    examples = ex.dedupe(examples)
    # A summary held to a genre or a style is often shown by a filled sample
    # of it ("Use this format: ..."), read the way a conversion's is.
    if kind in STRUCTURED_KINDS or (
        kind is TaskKind.SUMMARIZATION and needs_examples(doc, kind, evidence, words.task)
    ):
        examples = ex.dedupe(
            [
                *examples,
                *ex.json_samples(doc, code_samples),
                *ex.format_samples(doc, spans),
                *ex.arrow_lines(doc, spans),
            ]
        )
    tail = text[spans[-1].start : spans[-1].end].rstrip() if spans else ""
    ends_open = (
        # Through the literal prefilter (":", "Answer", ...): the plain search
        # tried the pattern at every character of the last span (4x slower).
        bool(prose.search_from(ex.OPEN_SLOT, tail, 0, len(tail)))
        or slot is not None
        or (bool(examples) and not tail.endswith((".", "!", ")")))
    )
    input_at = input_handling.takes_input(doc, spans, kind, examples, ends_open, words.input)
    contract = words.contract
    labels = (
        output_contract.label_set(doc, spans, examples, contract)
        if kind in (TaskKind.CLASSIFICATION, TaskKind.OTHER)
        else None
    )
    if kind is TaskKind.OTHER:
        # No task statement, but a closed set of answers declared ("The
        # intent must be one of: ..."): choosing among them is the task.
        if labels is not None and labels.declared and _names_a_choice(text, labels):
            kind, evidence = TaskKind.CLASSIFICATION, labels.span
        else:
            labels = None
    if labels is not None and labels.declared and not examples:
        examples = ex.labeled_lines(doc, spans, labels.labels, labels.span)
    fallback = output_contract.fallback_label(doc, spans, labels, contract)
    output_format = output_contract.output_format(doc, spans, contract)
    if output_format is None and labels is not None and labels.declared:
        output_format = labels.span
    if output_format is None and kind is TaskKind.CLASSIFICATION:
        # A closed answer stated as a decision ("Answer yes or no", "Output 1
        # if ..., otherwise 0") says what to return; so does a label list
        # filled in from a variable ("Categories: {options}").
        decided = prose.search(words.task.decision, text, spans)
        if decided is not None:
            output_format = Span(decided.start(), decided.end())
        elif evidence is not None and _OFFERS_ANSWERS.search(
            # To the end of its line: a template value can cut the statement.
            text,
            evidence.start,
            max(evidence.end, text.find("\n", evidence.end) % (len(text) + 1)),
        ):
            output_format = evidence
        else:
            output_format = output_contract.label_variable(doc, spans, contract)
    unknown = input_handling.unknown_answer_path(doc, spans, words.input)
    return TaskProfile(
        kind=kind,
        kind_evidence=evidence,
        needs_examples=needs_examples(doc, kind, evidence, words.task),
        takes_input=input_at is not None,
        input_evidence=input_at,
        examples=tuple(examples),
        output_format=output_format,
        json_output=output_contract.json_output(doc, spans),
        label_set=labels,
        fallback_label=fallback,
        edge_handling=input_handling.edge_handling(
            doc, spans, labels, fallback, unknown, words.input
        ),
        unknown_answer_path=unknown,
        answers_questions=input_handling.answers_questions(
            doc, first, kind, words.input, stated_kind(first, words.task)
        ),
        input_slot=slot,
    )
