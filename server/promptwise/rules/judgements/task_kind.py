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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePath

from promptwise.document.model import PromptDocument, PromptFormat, SegmentKind
from promptwise.document.text import Span
from promptwise.rules.judgements.prose import Clause, search
from promptwise.rules.options import RuleOptions, option_pattern
from promptwise.rules.timed import LazyPattern, Pattern


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

# Who does the task, before its verb ("You will", "Your task is to").
_SUBJECT = (
    r"(?:(?:please[ \t]+)?(?:you(?: (?:will|must|should|need to|are to|have to|shall))?"
    r"|your (?:task|job|goal|role) is to|the task is to|i want you to|i need you to"
    r"|can you|could you|would you)[ \t]+)?(?:please[ \t]+)?"
)
# A clause opens with (optional) list marker, bold label, courtesy word, a
# short lead-in clause ("For each topic, ...") and a subject ("You will",
# "Your task is to") before its verb.
_LEAD = (
    r"^[ \t>]*(?:(?:[-*+]|\d+[.)]|#{1,6})[ \t]+)?(?:\*\*[^*\n]{1,60}\*\*:?[ \t]*)?"
    r"(?:(?:please|now|first|then|next|finally|also|simply|just)[ \t,]+)*"
    r"(?:(?:for each|for every|for all|given|using|from|based on|in|with|after|before|once)\b"
    r"[^.,;:\n]{0,80},[ \t]*)?"
    r"(?:help (?:me|us) (?:to )?)?"
    # "Read the chat below and determine ...": reading is how, the verb after it is what.
    r"(?:(?:read|review|look at|go through|examine|study|consider|take)\b[^.,;:\n]{0,80}?"
    r"\b(?:and|then)[ \t]+(?:then[ \t]+)?)?"
    # "I will paste an article and you will list ...": the user's part first.
    r"(?:(?:i|we)(?: will|'ll| am going to| are going to) [^.;:\n]{0,100}?\band[ \t]+(?=you\b))?"
    + _SUBJECT
    # "You take Passage as input and classify it ...", "Your task is to accept
    # Text as input and identify ...": receiving the input is how, the verb
    # after it is what (a second subject may follow: "... and your task is to").
    + r"(?:(?:take|takes|accept|accepts|receive|receives|get|gets)\b[^.,;:\n]{0,80}?"
    r"\band[ \t]+" + _SUBJECT + r")?"
    # "Identify and extract ...", "recognize and extract ...": the second verb
    # names the work; the first is how it starts.
    r"(?:(?:identify|recogni[sz]e|detect|find|locate|spot)[ \t]+and[ \t]+)?"
)
# The order of the kinds decides a clause that has verbs of two.
_KINDS = (
    TaskKind.CLASSIFICATION,
    TaskKind.EXTRACTION,
    TaskKind.TRANSFORMATION,
    TaskKind.SUMMARIZATION,
    TaskKind.QA,
    TaskKind.GENERATION,
)
# Kinds a persona can name as its trade, in the order they are tried.
_ROLE_KINDS = (
    TaskKind.CLASSIFICATION,
    TaskKind.EXTRACTION,
    TaskKind.TRANSFORMATION,
    TaskKind.SUMMARIZATION,
)
OWNER = "PW101"  # the rule whose options hold the words of task statements


@dataclass(frozen=True, eq=False)
class TaskWords:
    """The words of task statements and personas (``options`` of PW101)."""

    tasks: tuple[tuple[TaskKind, Pattern], ...]
    persona: Pattern
    # A persona that names its task ("an expert extractor of references").
    roles: tuple[tuple[TaskKind, Pattern], ...]
    # A persona whose trade is writing ("a cover letter writer"): a step
    # that extracts or classifies on the way is not its task.
    writer: Pattern
    format_target: Pattern
    # A summary whose statement names a genre or a house style ("into one
    # newsletter entry", "in the style of the weekly digest").
    summary_target: Pattern
    # An imperative that makes the prompt an agent's ("Guide the user ...").
    agent: Pattern
    # A closed yes/no answer anywhere in a clause ("Answer yes or no").
    decision: Pattern
    # Naming the one thing the input shows, anywhere in a clause ("..., tell
    # which animal is in the picture"): the answer is a label, not prose.
    identification: Pattern
    # A generation whose object is a data format made from the input
    # ("Generate a JSON object from the invoice"): a conversion.
    format_from_input: Pattern
    # A classification that points back at a list ("... into one of these
    # categories"), wherever it stands: long category lists come first.
    list_classification: Pattern
    # Work on code that a task verb also names ("Extract the logic into a
    # hook", "Label every form input"): coding guidance, not a task on input.
    code_work: Pattern
    # A data format as the object of a writing verb ("produce a JSON
    # document ..."): made from the input when the clause names one.
    format_object: Pattern
    # A conversion's target that is a data format ("into a SQL query").
    format_into: Pattern

    @classmethod
    def from_options(cls, options: RuleOptions) -> TaskWords:
        own = options[OWNER]

        def compiled(name: str, before: str, after: str = "", flags: int = re.I) -> Pattern:
            return option_pattern(own, OWNER, name, before, after, flags)

        return cls(
            tasks=tuple(
                (kind, compiled(f"{kind.value}_patterns", _LEAD, r"\b", re.I | re.M))
                for kind in _KINDS
            ),
            persona=compiled("persona_patterns", r"\b"),
            roles=tuple(
                (kind, compiled(f"role_{kind.value}_patterns", r"\b")) for kind in _ROLE_KINDS
            ),
            writer=compiled("role_generation_patterns", r"\b", r"\b"),
            format_target=compiled("format_target_patterns", r"\b", r"\b"),
            summary_target=compiled("summary_target_patterns", r"\b", r"\b"),
            agent=compiled("agent_patterns", _LEAD, r"\b", re.I | re.M),
            decision=compiled("decision_patterns", r"\b"),
            identification=compiled("identification_patterns", r"\b", r"\b"),
            format_from_input=compiled(
                "data_format_patterns",
                r"\b",
                r"\b(?! of contents)[^.\n]{0,60}?"
                r"\b(?:from|based on|out of|for) (?:the|this|these|each|every|an?|its|their|"
                r"your|{)",
            ),
            list_classification=compiled(
                "classification_patterns",
                _LEAD,
                r"\b[^.\n]{0,80}?\b(?:one of|these|those|the (?:above|following|listed|given))"
                r"\b",
                re.I | re.M,
            ),
            code_work=compiled("code_work_patterns", _LEAD, r"\b", re.I | re.M),
            format_object=compiled(
                "data_format_patterns",
                r"\A[ \t]+(?:(?:an?|the|one|some|valid|well-formed|single|new)[ \t]+)*",
                r"\b(?! of contents)",
            ),
            format_into=compiled(
                "data_format_patterns",
                r"\b(?:into|to|as) (?:(?:an?|the|one|valid|well-formed|single|new)[ \t]+)*",
                r"\b(?! of contents)",
            ),
        )


# Agent, chat-mode and instruction files are personas and guidelines by kind.
_AGENT_FILES = LazyPattern(
    r"(?:\.agent\.md|\.chatmode\.md|\.instructions\.md|^agents\.md|^claude\.md|"
    r"^gemini\.md|copilot-instructions\.md|\.mdc)$",
    re.I,
)
# Skills are agent instructions too, unless they open by stating a
# classification/extraction/conversion the model performs itself.
_SKILL_FILES = LazyPattern(r"(?:\.skill\.md|^skill\.md)$", re.I)
# How far into the prompt the task statement is looked for (characters of prose).
_OPENING = 1500
# How far it is looked for after a persona whose background fills the opening.
PERSONA_REACH = 6000
_SKILL_OPENING = 300
# Shell blocks mean the work is done by tools the skill runs, not by the model.
_SHELL_INFO = LazyPattern(
    r"^(?:bash|sh|shell|zsh|console|terminal|powershell|pwsh|ps1|cmd|bat)\b", re.I
)


# "Extract a summary of the paper": the verb says extract, the object says
# what is written, and it is a summary.
# Minutes, a recap or an abstract are summaries by genre, with or without
# an article ("You extract minutes from a meeting transcript").
_EXTRACT_SUMMARY = LazyPattern(
    r"\bextracts? (?:(?:a|an|the)[ \t]+)?(?:[\w-]+ ){0,2}"
    r"(?:summary|summaries|synopsis|overview|gist|minutes|recap|abstract)\b",
    re.I,
)


# "Extract the answer to the question from the context": answering.
_EXTRACT_ANSWER = LazyPattern(r"\bextracts? (?:the |an? )?(?:final |best )?answers?\b", re.I)
# "Identify the customer's problem and suggest a fix": the finding is a step,
# the written reply is what the prompt asks for.
_THEN_WRITE = LazyPattern(
    r"\b(?:and|then),?[ \t]+(?:then[ \t]+)?(?:suggest|write|draft|compose|create|generate|"
    r"recommend|propose|reply to|respond to)\b",
    re.I,
)


# The clause names the input it works on ("the resume below", "{{notes}}").
_NAMES_INPUT = LazyPattern(
    r"\b(?:below|above|following|provided|given|attached|pasted)\b|\{\{?", re.I
)


def _format_made_from_input(words: TaskWords, text: str, verb_end: int) -> bool:
    """A generation whose object is a data format made from the input.

    "Generate a JSON object from the invoice below" says so with "from";
    "Given the resume below, produce a JSON document listing ..." names its
    input elsewhere in the clause. "Write a function that parses the JSON
    below" does not count: its object is code, the format only a word in it.
    """
    if words.format_from_input.search(text):
        return True
    return bool(words.format_object.match(text[verb_end:])) and bool(_NAMES_INPUT.search(text))


# "Ask the user whether to go on (yes or no?)": the user decides, not the model.
ASKS_THE_USER = LazyPattern(
    r"\b(?:ask|asks|asking|prompt|confirm with|check with)[ \t]+(?:the[ \t]+)?"
    r"(?:user|users|customer|caller|them|him|her|me)\b",
    re.I,
)


def _clause_kind(words: TaskWords, text: str) -> TaskKind | None:
    for kind, pattern in words.tasks:
        if m := pattern.search(text):
            if kind in STRUCTURED_KINDS and words.code_work.search(text):
                return TaskKind.AGENT  # refactoring advice: the prompt guides coding
            if kind is TaskKind.EXTRACTION and _EXTRACT_ANSWER.search(text):
                return TaskKind.QA
            if kind in STRUCTURED_KINDS and _THEN_WRITE.search(text, m.end()):
                return TaskKind.GENERATION
            if kind is TaskKind.EXTRACTION and _EXTRACT_SUMMARY.search(text):
                return TaskKind.SUMMARIZATION
            if kind is TaskKind.GENERATION and _format_made_from_input(words, text, m.end()):
                return TaskKind.TRANSFORMATION
            return kind
    named = words.identification.search(text)
    if named is not None and _THEN_WRITE.search(text, named.end()):
        return TaskKind.GENERATION  # "say which bird it is, then write a poem about it"
    if (named is not None or words.decision.search(text)) and not ASKS_THE_USER.search(text):
        return TaskKind.CLASSIFICATION
    if words.agent.search(text):
        return TaskKind.AGENT
    return None


# Frontmatter saying which files a rule applies to marks an editor's rule
# file (Continue, Cursor, Copilot), whatever the file is called.
_RULE_FILE_KEYS = ("globs", "alwaysApply", "applyTo")


_RULE_FILE_HEAD = LazyPattern(
    r"\A---[ \t]*\n(?:[^\n]*\n){0,20}?(?:" + "|".join(_RULE_FILE_KEYS) + r")[ \t]*:", re.M
)


def _is_agent_file(doc: PromptDocument) -> bool:
    if doc.format is PromptFormat.MARKDOWN and _AGENT_FILES.search(PurePath(doc.path).name):
        return True
    if doc.format not in (PromptFormat.MARKDOWN, PromptFormat.TEXT):
        return False
    data = doc.frontmatter or {}
    return any(key in data for key in _RULE_FILE_KEYS) or bool(_RULE_FILE_HEAD.match(doc.text))


def _is_skill_file(doc: PromptDocument) -> bool:
    return doc.format is PromptFormat.MARKDOWN and bool(
        _SKILL_FILES.search(PurePath(doc.path).name)
    )


_TOOLS = LazyPattern(r"\b(?:MCP|CLI|scripts?|tool calls?|npx|npm|pip install)\b")


# Frontmatter keys that give an agent or a skill its tools (Copilot agent
# files, Claude skills): a prompt granted tools acts with them.
_TOOL_KEYS = ("tools", "allowed-tools", "allowed_tools")


def _runs_tools(doc: PromptDocument) -> bool:
    frontmatter = doc.frontmatter
    if isinstance(frontmatter, Mapping) and any(frontmatter.get(k) for k in _TOOL_KEYS):
        return True
    if any(s.kind is SegmentKind.CODE and _SHELL_INFO.match(s.title) for s in doc.walk()):
        return True
    return _TOOLS.search(doc.text) is not None


def _is_procedure(doc: PromptDocument) -> bool:
    """An agent's procedure: a skill or markdown prompt that runs tools, or any
    markdown/text prompt with a shell block.

    Its "extract the versions from the lock file" and "determine whether the
    index is stale" are steps the agent takes with its tools, not a task whose
    answer is the label or the extracted list.
    """
    if doc.format is PromptFormat.MARKDOWN or _is_skill_file(doc):
        return _runs_tools(doc)
    return doc.format is PromptFormat.TEXT and any(
        s.kind is SegmentKind.CODE and _SHELL_INFO.match(s.title) for s in doc.walk()
    )


_LIST_ITEM = LazyPattern(r"^[ \t>]*(?:[-*+]|\d+[.)])[ \t]")
# A markdown heading, or a line in capitals standing as one ("2. EXTRACT NEW
# INFORMATION"): a title names the topic, it does not state the task.
_HEADING_LINE = LazyPattern(
    r"^[ \t]{0,3}#{1,6}[ \t]|^[ \t]*(?:\d+[.)][ \t]+)?(?=[^a-z\n]*[A-Z]{2})[^a-z\n]+$"
)


def task_kind(
    doc: PromptDocument,
    opening: list[Clause],
    labeled_fewshot: bool,
    words: TaskWords,
    spans: Sequence[Span] = (),
    after_opening: Sequence[Clause] = (),
) -> tuple[TaskKind, Span | None]:
    """The kind of task and the statement that decided it.

    A persona ("You are a seasoned interpreter ...") is background: the
    task statement after it decides, however many sentences of background
    come first (``after_opening`` holds the clauses past the opening, read
    only after a persona), and a classification that points back at a list
    decides wherever it stands (category lists often come first and run long).
    """
    persona: Clause | None = None
    agent_file = _is_agent_file(doc) or _is_skill_file(doc)
    procedure = _is_procedure(doc)
    if _is_agent_file(doc) or procedure:
        # The kind is agent; only a persona line is looked for below.
        persona = next((c for c in opening if words.persona.search(c.text)), None)
        opening = []
    role: tuple[TaskKind, Span] | None = None
    settled = False  # a persona's first task statement was not a structured one
    writer = False  # the persona's trade is writing
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
        kind = _clause_kind(words, clause.text)
        if kind is TaskKind.CLASSIFICATION and _tags_a_given_question(doc.text, clause):
            kind = TaskKind.QA
        if role is not None:
            if kind is role[0]:
                return kind, clause.span  # the statement of the trade, as anchor
            continue
        if persona is not None:
            if (
                writer
                and kind is not None
                and not (kind is TaskKind.TRANSFORMATION and words.format_into.search(clause.text))
            ):
                settled = True  # a writer's trade: agent, whatever steps follow
                break
            if kind in STRUCTURED_KINDS or kind is TaskKind.SUMMARIZATION:
                return kind, clause.span
            if kind is not None:
                settled = True
                break
            continue
        if words.persona.search(clause.text):
            # "You are an expert at summarizing pull requests": the trade
            # the persona names is the task, whatever its steps then list.
            named = next((k for k, rx in words.roles if rx.search(clause.text)), None)
            if named is not None:
                role = (named, clause.span)
                continue
            persona = clause
            # A writer's trade ("a cover letter writer") keeps the prompt an
            # agent's whatever steps it then lists, unless its task is a
            # conversion of the input into a data format ("a SQL query
            # creator. You take a sentence and convert it into a SQL query"):
            # that is the writing. Into a genre ("into compelling narratives")
            # it stays the writer's own work.
            writer = bool(words.writer.search(clause.text))
            continue
        if kind is TaskKind.AGENT:
            return kind, clause.span
        if kind is not None:
            if kind is TaskKind.GENERATION and labeled_fewshot:
                continue
            return kind, clause.span
    if role is not None:
        return role
    if persona is not None and not (settled or writer) and not agent_file and not procedure:
        late_kind = _after_persona(words, after_opening)
        if late_kind is not None:
            return late_kind
    if labeled_fewshot and not agent_file and not procedure:
        # Not in an agent's file: its "input -> label" lines map requests
        # to tools or libraries, a step of the agent's work.
        return TaskKind.CLASSIFICATION, None
    if not agent_file and spans:
        late = search(words.list_classification, doc.text, spans)
        if late is not None:
            return TaskKind.CLASSIFICATION, Span(late.start(), late.end())
    if persona is not None or agent_file or procedure:
        return TaskKind.AGENT, persona.span if persona else None
    asked = verdict_question(doc, spans)
    if asked is not None:
        return TaskKind.CLASSIFICATION, asked
    return TaskKind.OTHER, None


# The question a "True or False?" tags is a variable ("Q: {{question}}?").
_GIVEN_QUESTION = LazyPattern(r"[ \t]*(?:[A-Za-z][\w ]{0,20}:[ \t]*)?\{\{[^{}\n]+\}\}[ \t]*")


def _tags_a_given_question(text: str, clause: Clause) -> bool:
    """A yes/no tag on a question the input supplies ("Q: {{question}}? True
    or False?"): the model answers that question from the passage, Q&A, not
    a verdict whose criterion the prompt states."""
    if not clause.text.lstrip().startswith("?"):
        return False
    line_start = text.rfind("\n", 0, clause.span.start) + 1
    return _GIVEN_QUESTION.fullmatch(text, line_start, clause.span.start) is not None


# A yes/no question (or an "A or B?" one): it opens with an auxiliary verb,
# not with a request to the model ("Can you ...", "Would you ...").
_POLAR = LazyPattern(
    r"(?:[-*>][ \t]*)?(?:[A-Za-z][\w ]{0,20}:[ \t]*)?"
    r"(?:is|are|was|were|does|do|did|has|have|can|could|should|would|will)\b"
    r"(?![ \t]+(?:you|we)\b)",
    re.I,
)
# ... about the material the prompt hands over, named as such.
_ABOUT_INPUT = LazyPattern(
    r"\b(?:this|the|that|these|those|first|second|both|sentence [12]|text [12])\b[^?]{0,40}?"
    r"\b(?:sentences?|text|passages?|paragraphs?|reviews?|questions?|query|queries|claims?|"
    r"evidence|responses?|answers?|intent|premise|hypothesis|statements?|documents?|e-?mails?|"
    r"messages?|tweets?|posts?|comments?|articles?|summary|translations?|snippets?|"
    r"completions?|submissions?|requests?|tickets?|inputs?)\b",
    re.I,
)
# ... or by the value it puts there ("Is it {{ answer }}?", "Is {{ text }} sarcastic?").
_INPUT_VALUE = LazyPattern(
    r"\{\{-?[ \t]*(?:sentence|text|passage|paragraph|review|question|query|claim|evidence|"
    r"response|answer|premise|hypothesis|statement|document|email|message|tweet|post|comment|"
    r"article|summary|translation|snippet|completion|submission|request|ticket|input)s?"
    r"[ \t]*-?\}\}",
    re.I,
)
# A template prompt whose whole task is such a question is short, and so is
# the question (the walk back to its start stops there: no quadratic walk).
_QUESTION_PROMPT = 1000
_QUESTION_REACH = 400
_TEMPLATE_BITS = LazyPattern(r"\{\{.*?\}\}|\{%.*?%\}|\{[A-Za-z_][\w.]*\}")


def verdict_question(doc: PromptDocument, spans: Sequence[Span]) -> Span | None:
    """The closed question that is the whole task of a short template prompt.

    Templates of datasets state no task verb: they hand over the material
    and ask one question about it ("Does Sentence 1 paraphrase Sentence
    2?", "Is this a yes/no question?", "Is the intent implicit or
    explicit?", "Is the first response better than the second?"). Its answer
    is a verdict, a label. A question about the world ("Is it raining in
    {{city}}?") names no material and stays a question; one filled in from
    a variable ("{{question}}?") is the user's, answered by Q&A.
    """
    text = doc.text
    if not spans or sum(s.end - s.start for s in spans) > _QUESTION_PROMPT:
        return None
    mark = None
    for span in reversed(spans):
        at = text.rfind("?", span.start, span.end)
        if at != -1:
            mark = at
            break
    if mark is None:
        return None
    # Back to the sentence's start: the line, and the lines above it while
    # they do not end a sentence (a question can wrap around its variables).
    start = text.rfind("\n", 0, mark) + 1
    while start > 0 and mark - start < _QUESTION_REACH:
        above = text.rfind("\n", 0, start - 1) + 1
        line = text[above : start - 1].rstrip()
        if (
            not line
            or line.endswith((".", "!", "?", ":", "%}"))
            or _POLAR.match(_TEMPLATE_BITS.sub("X", text[start:mark]))
        ):
            break
        start = above
    cut = max(text.rfind(". ", start, mark), text.rfind("? ", start, mark))
    if cut != -1:
        start = cut + 2
    raw = text[start : mark + 1]
    question = _TEMPLATE_BITS.sub("X", raw).strip()
    if not _POLAR.match(question):
        return None
    if not (_ABOUT_INPUT.search(question) or _INPUT_VALUE.search(raw)):
        return None
    return Span(start, mark + 1)


def _after_persona(words: TaskWords, clauses: Sequence[Clause]) -> tuple[TaskKind, Span] | None:
    """A structured task or a summary stated after a persona's long background.

    The first task statement decides: a writing or answering one keeps the
    prompt an agent's, as it does in the opening.
    """
    for clause in clauses:
        if _HEADING_LINE.match(clause.text) or words.persona.search(clause.text):
            continue
        kind = _clause_kind(words, clause.text)
        if kind in STRUCTURED_KINDS or kind is TaskKind.SUMMARIZATION:
            return kind, clause.span
        if kind is not None:
            return None
    return None


def stated_kind(opening: Sequence[Clause], words: TaskWords) -> TaskKind | None:
    """The kind of the first task statement in ``opening`` that is not a persona's.

    Kept apart from :func:`task_kind`, which calls a persona followed by
    "Write a poem" an agent: the rules that ask whether the prompt answers
    questions need to know it was asked to write.
    """
    for clause in opening:
        if _HEADING_LINE.match(clause.text) or words.persona.search(clause.text):
            continue
        kind = _clause_kind(words, clause.text)
        if kind is not None and kind is not TaskKind.AGENT:
            return kind
    return None


def opening(all_clauses: Iterable[Clause], reach: int = _OPENING) -> list[Clause]:
    """The clauses a task statement is looked for in: the first ones, up to a length."""
    out: list[Clause] = []
    seen = 0
    for clause in all_clauses:
        out.append(clause)
        seen += len(clause.text)
        if seen >= reach:
            break
    return out


def split_opening(clauses: list[Clause]) -> tuple[list[Clause], list[Clause]]:
    """``clauses`` cut where the ordinary opening ends: (opening, the rest)."""
    first = opening(clauses)
    return first, clauses[len(first) :]


def needs_examples(
    doc: PromptDocument, kind: TaskKind, evidence: Span | None, words: TaskWords
) -> bool:
    """Classification and extraction always; transformation only into a format or style.

    Translating into another language or correcting grammar has an obvious
    target; converting into JSON, a table or "our house style" does not. The
    target is read in the sentence that states the conversion: in a prompt
    written on one line, "keep the tone" three sentences on is no target.

    A summary is a conversion too, but its usual targets (a paragraph, a
    bulleted list, so many words) describe themselves; one into a genre or a
    house style ("into one newsletter entry in the style of the weekly
    digest") is easier shown than described, so it needs examples as well.
    """
    if kind in (TaskKind.CLASSIFICATION, TaskKind.EXTRACTION):
        return True
    if kind is TaskKind.TRANSFORMATION and evidence is not None:
        return bool(words.format_target.search(doc.text, evidence.start, evidence.end))
    if kind is TaskKind.SUMMARIZATION and evidence is not None:
        return bool(words.summary_target.search(doc.text, evidence.start, evidence.end))
    return False
