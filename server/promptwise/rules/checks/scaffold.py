"""Where quick fixes put new text, in each prompt format's own idiom.

Several checks fix a prompt by *adding* something: one more rule ("If the
input is empty ..."), or a block of worked examples. Where that text goes,
and what shape it takes, depends on the format: a Prompty file gets a rule
at the end of its ``system:`` turn and examples as ``user:``/``assistant:``
turns; a Dotprompt file gets them inside its system role block; markdown
and plain text get a sentence after the task statement and an
``<examples>`` block. Chat JSON/YAML files get no text fix, because an
edit inside an escaped string is easy to get wrong and hard to review.
"""

from __future__ import annotations

from promptwise.document.model import PromptDocument, PromptFormat, Segment, SegmentKind
from promptwise.document.text import Span
from promptwise.findings import Fix, TextEdit
from promptwise.rules.checks import first_body_line
from promptwise.rules.judgements import TaskKind, TaskProfile
from promptwise.rules.timed import LazyPattern

_NEW_BLOCK = LazyPattern(
    r"^[ \t]*(?:$|#{1,6}\s|[-*+]\s|\d+[.)]\s|<|\{|\||```|~~~|>|[\w ]{1,24}:(?:\s|$))"
)
_LIST_ITEM = LazyPattern(r"^([ \t]*(?:[-*+]|\d+[.)])[ \t]+)")
_ROLE_CLOSE = LazyPattern(r"\{\{~?\s*/role\s*~?\}\}")


def _line_bounds(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end == -1 else end


def statement_end(text: str, offset: int, limit: int | None = None) -> int:
    """The end of the line that finishes the statement containing ``offset``.

    A statement wrapped over several lines continues while the next line is
    not the start of a new block (a heading, list item, field, tag, blank
    line) and the current one does not end a sentence.
    """
    limit = len(text) if limit is None else limit
    _, end = _line_bounds(text, offset)
    while end < limit:
        line_start, line_end = _line_bounds(text, end + 1)
        current = text[_line_bounds(text, end - 1 if end else 0)[0] : end].rstrip()
        nxt = text[line_start:line_end]
        if current.endswith((".", "!", "?", ":")) or _NEW_BLOCK.match(nxt) or line_end > limit:
            break
        end = line_end
    return min(end, limit)


def _system_message(doc: PromptDocument) -> Segment | None:
    for segment in doc.segments:
        if segment.kind is SegmentKind.MESSAGE and segment.role in ("system", "developer"):
            return segment
    return None


def _content_end(doc: PromptDocument, message: Segment) -> int:
    """Just after the last visible character of a message (before a ``{{/role}}``)."""
    text = doc.text
    end = message.span.end
    close = None
    for m in _ROLE_CLOSE.finditer(text, message.content.start, message.span.end):
        close = m
    if close is not None:
        end = close.start()
    while end > message.content.start and text[end - 1].isspace():
        end -= 1
    return end


def _anchor(doc: PromptDocument, profile: TaskProfile) -> Span | None:
    if profile.kind_evidence is not None:
        return profile.kind_evidence
    first = first_body_line(doc)
    text = doc.text
    pos = first.start
    # Skip headings: a rule belongs after the first line of prose.
    while pos < len(text):
        start, end = _line_bounds(text, pos)
        line = text[start:end]
        if line.strip() and not line.lstrip().startswith(("#", "---", "<!--", "{{", "{%")):
            return Span(start, end)
        pos = end + 1
    return None if not len(first) else first


def rule_edit(doc: PromptDocument, profile: TaskProfile, sentence: str) -> TextEdit | None:
    """Insert ``sentence`` (snippet syntax allowed) as a rule of the prompt."""
    text = doc.text
    if doc.format is PromptFormat.CHAT:
        return None
    if doc.format in (PromptFormat.PROMPTY, PromptFormat.DOTPROMPT):
        system = _system_message(doc)
        if system is not None:
            at = _content_end(doc, system)
            return TextEdit(Span(at, at), "\n" + sentence, snippet=True)
    anchor = _anchor(doc, profile)
    if anchor is None:
        return None
    at = statement_end(text, anchor.start)
    line_start, _ = _line_bounds(text, anchor.start)
    item = _LIST_ITEM.match(text[line_start:at])
    prefix = item.group(1) if item and doc.format is PromptFormat.MARKDOWN else ""
    return TextEdit(Span(at, at), "\n" + prefix + sentence, snippet=True)


def rule_fix(
    doc: PromptDocument, profile: TaskProfile, title: str, sentence: str
) -> tuple[Fix, ...]:
    edit = rule_edit(doc, profile, sentence)
    return (Fix(title, (edit,)),) if edit is not None else ()


def _field_names(profile: TaskProfile) -> tuple[str, str]:
    if profile.input_slot is not None:
        return profile.input_slot
    return "Input", "Output"


def examples_block(profile: TaskProfile) -> str:
    """An ``<examples>`` block with a typical case and an edge case to fill in."""
    given, expected = _field_names(profile)
    answer = "<its label>" if profile.kind is TaskKind.CLASSIFICATION else "<the exact output>"
    return (
        "<examples>\n<example>\n"
        f"{given}: ${{1:<a typical input>}}\n{expected}: ${{2:{answer}}}\n"
        "</example>\n<example>\n"
        f"{given}: ${{3:<an unusual input: empty, ambiguous or off-topic>}}\n"
        f"{expected}: ${{4:{answer[:-1]} for it>}}\n"
        "</example>\n</examples>"
    )


def examples_edit(doc: PromptDocument, profile: TaskProfile) -> TextEdit | None:
    """Where a set of worked examples goes, in the format's idiom."""
    text = doc.text
    if doc.format is PromptFormat.CHAT:
        return None
    messages = [s for s in doc.segments if s.kind is SegmentKind.MESSAGE]
    if doc.format is PromptFormat.PROMPTY:
        users = [m for m in messages if m.role == "user" and m.header is not None]
        if users:
            at = users[-1].span.start
            turns = (
                "user:\n${1:<a typical input>}\n\nassistant:\n${2:<the exact output>}\n\n"
                "user:\n${3:<an unusual input: empty, ambiguous or off-topic>}\n\n"
                "assistant:\n${4:<the exact output for it>}\n\n"
            )
            return TextEdit(Span(at, at), turns, snippet=True)
    if doc.format in (PromptFormat.PROMPTY, PromptFormat.DOTPROMPT):
        system = _system_message(doc)
        if system is not None:
            at = _content_end(doc, system)
            return TextEdit(Span(at, at), "\n\n" + examples_block(profile), snippet=True)
    anchor = _anchor(doc, profile)
    if anchor is None:
        return None
    at = statement_end(text, anchor.start)
    # Leave exactly one blank line on each side of the block.
    after = "" if text.startswith("\n\n", at) or at == len(text) else "\n"
    return TextEdit(Span(at, at), "\n\n" + examples_block(profile) + after, snippet=True)
