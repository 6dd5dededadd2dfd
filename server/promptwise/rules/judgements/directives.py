"""Directives: the part of the instruction prose that tells the model what to do.

Instruction prose (``doc.instruction_spans``) is everything in the author's
voice. Much of it does not instruct: a "When to use" section, a tool's
description, a persona's background ("You are a professional translator
with a good ear"), an explanation of how a system behaves, the turns of a
worked example, a placeholder (``[a brief summary]``), a link's text, a
phrase quoted as speech. A vague word there leaves no decision to the
model, so the phrase rules (PW201-PW205, ``scope: directives``) look only at
what remains here.

The judgement is structural and lexical (headings, roles, the shape of a
sentence's opening, brackets and quotes), linear in the text, and made once
per document text, from per-block facts (``document/blockfacts.py``): an
edit re-reads only the blocks it changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from promptwise.document import blockfacts
from promptwise.document.blockfacts import RelSpans
from promptwise.document.model import PromptDocument, SegmentKind
from promptwise.document.text import Span
from promptwise.memo import SizedCache, text_bytes
from promptwise.rules.judgements import prose
from promptwise.rules.timed import LazyPattern

# Headings of sections that describe rather than instruct.
# The whole title must be one of these: "Implement tools" is an instruction.
_DESCRIPTIVE_HEADING = LazyPattern(
    r"^[\W\d_]*(?:about(?: this [\w-]+| the [\w-]+)?|background|architecture|project "
    r"structure|(?:key )?features|capabilities|glossary|terminology|tech(?:nology)? stack|when "
    r"to use(?: this [\w-]+| it)?|use cases|(?:available )?tools|how it works|what (?:this|it) "
    r"(?:is|does)|see also|further reading|prerequisites|installation)[\W_]*$",
    re.I,
)
# The opening of a sentence that describes: a persona's background, what a
# tool, a file or a system is and does.
_DESCRIBING = LazyPattern(
    r"^[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(?:\*\*[^*\n]{1,60}\*\*:?[ \t]*)?"
    r"(?:(?:this|the|our|its) (?:skill|tool|agent|prompt|file|project|repo(?:sitory)?|extension|"
    r"server|api|function|command|module|library|app(?:lication)?|service|workflow|package|"
    r"plugin|script|system|endpoint|model|indexer|parser|cli|sdk|database|backend|frontend|"
    r"pipeline|component)s?\b|it (?:is|returns|provides|uses|supports|contains|runs|keeps)\b)",
    re.I,
)
# A sentence saying what a code term does ("`fetch_logs` returns detailed
# logs"). The inline code is cut from the prose, so the clause is only what
# follows it: its verb is matched here and the code term is looked for in
# front of the clause on its line (``_code_term_before``).
_TERM_VERB = LazyPattern(
    r"[ \t]*(?:returns|is|provides|takes|accepts|lists|creates|runs|fetches|reads|writes|"
    r"keeps|shows)\b",
    re.I,
)
_CODE_TERM_LEAD = LazyPattern(
    r"[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(?:\*\*[^*\n]{1,60}\*\*:?[ \t]*)?`[^`\n]{1,60}`[ \t]*"
)
# A persona's background ("You are a professional translator with a good
# ear"): only when it names no behaviour, as a relative clause or an -ing
# form does ("... an assistant that gives concise answers", "an expert at
# writing ...").
_PERSONA = LazyPattern(
    r"^[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(?:\*\*[^*\n]{1,60}\*\*:?[ \t]*)?"
    r"(?:you are|you're|you have|you were|i am|i'm|we are|we're)\b",
    re.I,
)
_BEHAVIOUR = LazyPattern(r"\b(?:that|who|which|whose|to)\b|\b[a-z]{2,}ing\b", re.I)
# ... unless the sentence still tells the model what to do.
_DIRECTING = LazyPattern(
    r"\b(?:should|must|shall|need to|needs to|have to|has to|always|never|make sure|ensure|"
    r"do not|don't|please|(?:you are|you're) (?:to|expected|required|responsible|asked))\b",
    re.I,
)
# The names of sample data's fields.
_DATA_FIELD = (
    r"(?:question|answer|context|input|output|response|text|query|document|"
    r"ground[ _]truth|reference|submission)"
)
# Lines that are not instructions in prose: a field of sample data
# ("answer: Trees are green."), a label standing as a heading ("**Nice to
# have:**", "Meaningful Quotes:"), a code comment ("// TODO: ...").
_NOT_INSTRUCTION_LINE = LazyPattern(
    r"^[ \t]*(?:" + _DATA_FIELD + r"[ \t]*:[ \t]*\S"
    r"|(?:[-*+][ \t]+)?\*\*[^*\n]{1,80}\*\*[ \t]*:?[ \t]*$"
    r"|(?:[A-Z][\w'-]*[ \t]+){0,4}[A-Z][\w'-]*[ \t]*:[ \t]*$"
    r"|//)",
    re.M,
)
# A data field's label on a line of its own, its value on the lines below
# ("Submission:" then the submission), and a line that opens any field or
# stands as a label: where such a value ends.
_DATA_LABEL_ALONE = LazyPattern(
    r"^[ \t]*(?:\*\*)?(?:example[ \t]+|sample[ \t]+)?" + _DATA_FIELD + r"(?:\*\*)?[ \t]*:"
    r"(?:\*\*)?[ \t]*$",
    re.I | re.M,
)
_FIELD_OPENING = LazyPattern(
    r"[ \t]*(?:\*\*)?(?:example[ \t]+|sample[ \t]+)?" + _DATA_FIELD + r"(?:\*\*)?[ \t]*:",
    re.I,
)
_LABEL_ALONE = LazyPattern(r"[ \t]*(?:[A-Z][\w'-]*[ \t]+){0,4}[A-Z][\w'-]*[ \t]*:[ \t]*$")
# A sentence that asks (a checklist question for the model to answer), that
# describes the input ("The user has provided ..."), or points elsewhere
# ("See the guides for ...", but not "See if the events share a context",
# which asks the model to check): an opening matched at the clause's start,
# or a question mark followed only by closing marks at its end
# (``_asks_or_points``). One regex ``...|\?[ \t*_"')]*$`` searched for both
# made ``re`` try every character of every clause.
_ASKS_OR_POINTS_OPENING = LazyPattern(
    r"[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(?:\*\*[^*\n]{1,60}\*\*:?[ \t]*)?"
    r"(?:the user (?:has|have|will) (?:provided|given|shared|pasted|sent)"
    r"|see\b(?!\s+(?:if|whether)\b))",
    re.I,
)
_QUESTION_TAIL = " \t*_\"')"
# A placeholder or a link's text ("[a brief summary]", "[docs](url)"),
# an angle-bracket slot ("<short title>"), a phrase in single quotes.
# Each branch opens with its bracket or quote (the single quote's look-behind
# is checked after it, on the character before it), so ``re`` skips to
# those characters at C speed instead of trying every position (8x faster).
_NOT_PROSE = LazyPattern(
    r"\[[^\]\n]{1,120}\](?:\([^)\n]*\))?"
    r"|<[a-z][^<>\n]{0,80}>"
    r"|'(?<![\w'’]')[^'\n]{3,160}'(?![\w'’])",
    re.I,
)
_EXAMPLE_ROLES = ("assistant", "model", "tool", "function")
# A list item defining a code term ("- `debug`: Detailed debugging
# information"): what a value, a level or a flag means. The term itself is
# inline code, outside the prose, so the item is found on its line.
_CODE_TERM_ITEM = LazyPattern(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+`[^`\n]{1,60}`[ \t]*:", re.M)
_CONDITION = LazyPattern(r"\b(?:if|when|unless)\b", re.I)


def _spans_bytes(key: tuple[str, str], spans: tuple[Span, ...]) -> int:
    """The text (the key holds it) plus about 100 bytes per span."""
    return text_bytes(key[1]) + 100 * len(spans) + 200


_cache: SizedCache[tuple[str, str], tuple[Span, ...]] = SizedCache(
    "directive spans", 0.05, _spans_bytes
)


def directive_spans(doc: PromptDocument) -> tuple[Span, ...]:
    """The instruction spans of ``doc`` that direct the model (cached per text)."""
    key = (doc.path, doc.text)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    result = _directives(doc)
    _cache.put(key, result)
    return result


def forget() -> None:
    _cache.clear()


def _directives(doc: PromptDocument) -> tuple[Span, ...]:
    """The instruction spans minus descriptive sections, example turns and the
    clauses and lines that do not direct; those are found block by block."""
    spans = doc.instruction_spans
    if not spans:
        return spans
    skipped = _merge([*_descriptive_sections(doc), *_example_turns(doc)])
    kept = _subtract(spans, [(s.start, s.end) for s in skipped])
    blocks = blockfacts.blocks_of(doc.text)
    holes: list[tuple[int, int]] = []
    for where, found in blockfacts.fact(
        "directive holes", _block_holes, blocks, blockfacts.place(blocks, kept)
    ):
        base = where.start
        holes.extend([(base + start, base + end) for start, end in found])
    return _subtract(kept, holes)


def _block_holes(text: str, rel: RelSpans, last: bool, argument: object) -> RelSpans:
    """What does not direct in one block's kept prose, merged (block-relative).

    Every hole lies inside the block, so the blocks' holes, in
    order, are the document's holes, merged. Clauses are read as triples
    and holes kept as pairs: a block has hundreds of clauses and few holes.
    """
    holes: list[tuple[int, int]] = []
    for start, end, clause in prose.clause_pieces(text, rel):
        if _asks_or_points(clause):
            holes.append((start, end))
        # A clause that still directs is kept. Only a description or a
        # persona could be a hole, and those openings are anchored (they fail
        # at once), so the directing words, searched through the whole
        # clause, are looked for only in those.
        elif _DESCRIBING.match(clause) or (
            _TERM_VERB.match(clause) and _code_term_before(text, start)
        ):
            if not _DIRECTING.search(clause):
                holes.append((start, end))
        elif _PERSONA.match(clause) and not _DIRECTING.search(clause):
            # "You are a great assistant that summarizes videos": who the
            # persona is is background; what it does, from "that" on, is not.
            does = _BEHAVIOUR.search(clause)
            holes.append((start, end if does is None else start + does.start()))
    for span_start, span_end in rel:
        for m in _NOT_INSTRUCTION_LINE.finditer(text, span_start, span_end):
            line_end = text.find("\n", m.start())
            holes.append((m.start(), span_end if line_end == -1 else min(line_end, span_end)))
        holes.extend([m.span() for m in _NOT_PROSE.finditer(text, span_start, span_end)])
    if rel:
        first_line = text.rfind("\n", 0, rel[0][0]) + 1
        holes.extend(_sample_values(text, first_line, rel[-1][1]))
        for m in _CODE_TERM_ITEM.finditer(text, first_line, rel[-1][1]):
            line_end = text.find("\n", m.end())
            line_end = len(text) if line_end == -1 else line_end
            # A definition that directs or sets a condition ("`## Scripts`:
            # if scripts are needed, create ...") is still an instruction.
            if not _DIRECTING.search(text, m.end(), line_end) and not _CONDITION.search(
                text, m.end(), line_end
            ):
                holes.append((m.end(), line_end))
    return tuple(_merge_pairs(holes))


def _sample_values(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The values of sample data written as labelled fields, between ``start`` and ``end``.

    A worked example often puts each field's label on a line of its own and
    the value below it ("Input:", a question, "Submission:", a reply). The
    value is the sample's text, not the author's instruction, so it runs
    from the label to a blank line or the next label. A paragraph counts only
    when it labels two fields or more: a lone "Output:" line may head the
    rules for the reply, and "Rules:" never names a field.
    """
    if _DATA_LABEL_ALONE.search(text, start, end) is None:
        return
    line_end = text.find("\n", end)
    end = len(text) if line_end == -1 else line_end
    paragraph: list[tuple[int, int]] = []
    pos = start
    while pos <= end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        if text[pos:stop].strip():
            paragraph.append((pos, stop))
        else:
            yield from _paragraph_values(text, paragraph)
            paragraph = []
        pos = stop + 1
    yield from _paragraph_values(text, paragraph)


def _paragraph_values(text: str, lines: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The field values in one paragraph's lines (see ``_sample_values``)."""
    fields = [_FIELD_OPENING.match(text, a, b) is not None for a, b in lines]
    if sum(fields) < 2:
        return
    value_start: int | None = None
    value_end = 0
    for (a, b), field in zip(lines, fields, strict=True):
        if field or _LABEL_ALONE.match(text, a, b):
            if value_start is not None and value_end > value_start:
                yield value_start, value_end
            value_start = b + 1 if _DATA_LABEL_ALONE.match(text, a, b) else None
            value_end = 0
        elif value_start is not None:
            value_end = b
    if value_start is not None and value_end > value_start:
        yield value_start, value_end


def _code_term_before(text: str, start: int) -> bool:
    """Whether only a code term (after a list marker or a bold label) stands
    on the line before ``start``: the term the clause goes on to describe."""
    line_start = text.rfind("\n", 0, start) + 1
    return _CODE_TERM_LEAD.fullmatch(text, line_start, start) is not None


def _asks_or_points(clause: str) -> bool:
    """Whether the clause asks or points elsewhere (see ``_ASKS_OR_POINTS_OPENING``).

    A clause holds no line break, but one at its very end is allowed, as
    ``$`` would.
    """
    if _ASKS_OR_POINTS_OPENING.match(clause):
        return True
    body = clause[:-1] if clause.endswith("\n") else clause
    return body.rstrip(_QUESTION_TAIL).endswith("?")


def _descriptive_sections(doc: PromptDocument) -> Iterator[Span]:
    for segment in doc.walk():
        if segment.kind is SegmentKind.SECTION and _DESCRIPTIVE_HEADING.search(segment.title):
            yield segment.span


def _example_turns(doc: PromptDocument) -> Iterator[Span]:
    """The model's own turns, and a user turn answered by one before the last turn."""
    messages = [s for s in doc.segments if s.kind is SegmentKind.MESSAGE]
    for k, turn in enumerate(messages):
        if turn.role in _EXAMPLE_ROLES:
            yield turn.span
            before = messages[k - 1] if k else None
            if before is not None and before.role == "user" and k + 1 < len(messages):
                yield before.span


def _merge_pairs(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching (start, end) pairs joined, in order."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(pairs):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _merge(spans: list[Span]) -> list[Span]:
    return [Span(s, e) for s, e in _merge_pairs([(span.start, span.end) for span in spans])]


def _subtract(keep: Sequence[Span], holes: Sequence[tuple[int, int]]) -> tuple[Span, ...]:
    """``keep`` without ``holes`` (sorted, merged (start, end) pairs)."""
    out: list[Span] = []
    j = 0
    for span in keep:
        start = span.start
        while j < len(holes) and holes[j][1] <= start:
            j += 1
        k = j
        while k < len(holes) and holes[k][0] < span.end:
            if holes[k][0] > start:
                out.append(Span(start, holes[k][0]))
            start = max(start, holes[k][1])
            k += 1
        if start < span.end:
            out.append(Span(start, span.end))
    return tuple(out)
