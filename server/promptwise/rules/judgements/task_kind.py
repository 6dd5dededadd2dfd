"""Task kind: what a prompt asks the model to do, from its first task statement.

The kind comes from the first *task statement* near the top of the prompt:
an imperative task verb at the start of a clause ("Classify the text", "For
each topic, extract ...", "Your task is to translate ...") or a persona
("You are a ...", "The following is a conversation with an AI"). A persona
makes the prompt an agent prompt unless a classification, extraction,
transformation or summarisation verb follows right after it.
Agent/instruction/skill files default to ``agent``. Few-shot prompts whose
outputs are labels ("Label: Positive") are classification even without a
verb.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from pathlib import PurePath

from promptwise.document.model import PromptDocument, PromptFormat, SegmentKind
from promptwise.document.text import Span
from promptwise.rules.judgements.prose import Clause


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


def task_kind(
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


def opening(all_clauses: Iterable[Clause]) -> list[Clause]:
    """The clauses a task statement is looked for in: the first ones, up to a length."""
    out: list[Clause] = []
    seen = 0
    for clause in all_clauses:
        out.append(clause)
        seen += len(clause.text)
        if seen >= _OPENING:
            break
    return out


_FORMAT_TARGET = re.compile(
    r"\b(?:json|yaml|csv|tsv|xml|html|markdown|table|sql|regex|bullet|list|template|schema|"
    r"format|structure|style|tone|voice|key[- ]value|title case|snake_case|camelcase)\b",
    re.I,
)


def needs_examples(doc: PromptDocument, kind: TaskKind, evidence: Span | None) -> bool:
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
