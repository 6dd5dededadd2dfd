"""Worked examples: which parts of a prompt show the model a concrete answer.

Examples are concrete worked examples: example blocks and headings whose
content is not a placeholder template, ``Input:``/``Output:``-style pairs
with a filled-in output, "An example ... is:" followed by the sample,
assistant turns that answer a concrete user turn, and few-shot label lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from promptwise.document import blockfacts
from promptwise.document.model import PromptDocument, Segment, SegmentKind
from promptwise.document.text import Span
from promptwise.memo import SizedCache, text_bytes
from promptwise.rules.judgements.prose import BLOCKWISE_FROM, finditer, first_line, strip_span
from promptwise.rules.options import RuleOptions, option_pattern
from promptwise.rules.timed import LazyPattern, Pattern


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


# Output field names that make a few-shot prompt a classification.
OWNER = "PW101"  # the rule whose options hold the words of examples


@dataclass(frozen=True, eq=False)
class ExampleWords:
    """Field names, labels and lead-ins that mark worked examples (``options`` of PW101)."""

    speaker: re.Pattern[str]  # a field line of an example: "Review: ...", "Label: ..."
    input_fields: frozenset[str]
    output_fields: frozenset[str]
    label_fields: frozenset[str]  # output fields that make a few-shot prompt a classification
    label_words: frozenset[str]  # labels common enough to make one by themselves
    label_word: re.Pattern[str]
    input_only_title: Pattern
    output_title: Pattern
    inline_example: Pattern

    @classmethod
    def from_options(cls, options: RuleOptions) -> ExampleWords:
        own = options[OWNER]
        inputs = [w.lower() for w in own["input_fields"]]
        labels = [w.lower() for w in own["label_fields"]]
        outputs = [w.lower() for w in own["output_fields"]] + labels
        words = frozenset(w.lower() for w in own["label_words"])
        return cls(
            speaker=re.compile(
                r"^[ \t]*("
                + "|".join(re.escape(w) for w in [*inputs, *outputs])
                + r")[ \t]*:[ \t]*(.*)$",
                re.I | re.M,
            ),
            input_fields=frozenset(inputs),
            output_fields=frozenset(outputs),
            label_fields=frozenset(labels),
            label_words=words,
            label_word=re.compile(
                r"(?<![A-Za-z])(?=[A-Z])(?i:"
                + "|".join(re.escape(w) for w in sorted(words))
                + r")(?![A-Za-z])"
            ),
            input_only_title=option_pattern(
                own, OWNER, "example_input_title_patterns", r"\b", r"\b"
            ),
            output_title=option_pattern(own, OWNER, "example_output_title_patterns", r"\b", r"\b"),
            inline_example=option_pattern(
                own,
                OWNER,
                "inline_example_patterns",
                r"\b",
                r"(?:\*\*)?\s*:(?:\*\*)?[ \t]*(?:\n[ \t]*)*(?=\S)(.+)",
            ),
        )


# ------------------------------------------------------------------- examples

_PLACEHOLDER = LazyPattern(
    r"\[[^\]\n]{1,60}\]|<[A-Za-z_][^<>\n]{0,40}>|\{\{?[^{}\n\x22:]{1,40}\}?\}|\$\{[^}\n]+\}|\.\.\.|…|"
    r"\b(?:TODO|TBD|xxx+|placeholder|lorem ipsum)\b|\b(?:string|number|integer|boolean)\b",
    re.I,
)
# A word numbered ("entity1, entity2", "item_1", "tag 2") stands for any
# value: a sample written with such stand-ins shows a shape, not an answer.
_NUMBERED = LazyPattern(r"\b([^\W\d_]+)[ _-]?(\d)\b")
_SAMPLE_WORD = LazyPattern(r"[^\W_]+")
_JOINERS = frozenset({"and", "or", "etc"})


# A hole to fill in a sample ("[Topic]", "<name>", "{{city}}"); a markdown
# link ("[docs](https://...)") and a filled gauge ("[--7--]") are not.
_HOLE = LazyPattern(
    r"\[[A-Za-z][\w .'/-]{0,58}\](?!\()|<[A-Za-z_][^<>\n]{0,40}>|"
    r"\{\{?[^{}\n\x22:]{1,40}\}?\}|\$\{[^}\n]+\}"
)


def stands_in(sample: str) -> bool:
    """A sample made only of placeholders and numbered stand-ins (``"entity1, entity2"``),
    or a quoted sentence with a hole to fill in (``"The term also appears in [Topic]"``).

    A stand-in is a word with a digit whose word comes back with another
    digit in the same sample (``drug1, drug2``), so "gpt 4" or "rule 1" alone
    stays a value.
    """
    quoted = re.match(r"[ \t]*[\"'“‘`]([^\"'”’`\n]+)[\"'”’`]", sample)
    head = quoted.group(1) if quoted else re.split(r"(?<=[.!?])[ \t]", sample, maxsplit=1)[0]
    if _HOLE.search(head):
        return True
    digits: dict[str, set[str]] = {}
    for m in _NUMBERED.finditer(head):
        digits.setdefault(m.group(1).lower(), set()).add(m.group(2))
    stems = {stem for stem, seen in digits.items() if len(seen) >= 2}
    if not stems:
        return False
    rest = _NUMBERED.sub(
        lambda m: " " if m.group(1).lower() in stems else m.group(0), _PLACEHOLDER.sub(" ", head)
    )
    return all(w.lower() in _JOINERS for w in _SAMPLE_WORD.findall(rest))


OPEN_SLOT = LazyPattern(
    r":[ \t]*\Z|\b(?:A|Answer|Output|Label|Sentiment|Category)[ \t]*:[ \t]*$", re.M
)


# Markup is structure, not a placeholder: a line holding only a tag, and the
# tags around a complete element (<name>value</name>).
_TAG_LINE = LazyPattern(r"^[ \t]*</?[A-Za-z][\w.-]*[^<>\n]*>[ \t]*$")
_ELEMENT = LazyPattern(r"<([A-Za-z][\w.-]*)[^<>\n]*>(.*?)</\1>")


def _is_template(text: str) -> bool:
    """Mostly placeholders (``[Topic Name]``, ``<value>``, ``...``): a template, not a sample.

    At least half the lines hold a placeholder. No placeholder spans a line
    break, so one scan of the lines joined finds which lines hold one, and
    it stops as soon as half of them do (it was a search per line).
    """
    lines = [
        _ELEMENT.sub(r"\2", line) if "<" in line else line
        for line in text.splitlines()
        if line.strip() and not ("<" in line and _TAG_LINE.match(line))
    ]
    if not lines:
        return True
    need = (len(lines) + 1) // 2  # with_holes * 2 >= len(lines)
    joined = "\n".join(lines)
    with_holes = 0
    line_end = -1  # where the line of the last counted hole ends
    for m in _PLACEHOLDER.finditer(joined):
        if m.start() < line_end:
            continue  # a second placeholder on a counted line
        with_holes += 1
        if with_holes >= need:
            return True
        line_end = joined.find("\n", m.start())
        if line_end == -1:
            break
    return False


def block_examples(doc: PromptDocument, words: ExampleWords) -> list[WorkedExample]:
    text = doc.text
    found: list[WorkedExample] = []

    def visit(segment: Segment) -> None:
        if segment.kind is SegmentKind.EXAMPLE:
            title = segment.title
            if words.input_only_title.search(title) and not words.output_title.search(title):
                return
            inner = [c for c in segment.children if c.kind is SegmentKind.EXAMPLE]
            if inner:
                for child in inner:
                    visit(child)
                return
            if len(text) < BLOCKWISE_FROM:
                found.extend(_example_block(text, segment, words))
                return
            # A large prompt keeps each example block's reading by its text:
            # an edit reads again only the blocks it changed.
            start = segment.span.start
            header = segment.header
            key = (
                text[start : segment.span.end],
                text[start - 1 : start],  # "^" and lookbehinds may look one back
                (segment.content.start - start, segment.content.end - start),
                (header.start - start, header.end - start) if header is not None else None,
                words,
            )
            rows = _example_blocks.get(key)
            if rows is None:
                rows = tuple(_shifted(e, -start) for e in _example_block(text, segment, words))
                _example_blocks.put(key, rows)
            found.extend(_shifted(e, start) for e in rows)
            return
        for child in segment.children:
            visit(child)

    for segment in doc.segments:
        visit(segment)
    return found


def _example_block(text: str, segment: Segment, words: ExampleWords) -> list[WorkedExample]:
    """The worked examples of one example block without inner example blocks: a
    function of the block's text and the character before it (the cache key)."""
    if _is_template(text[segment.content.start : segment.content.end]):
        return []
    parts = _split_block(text, segment.content, words)
    if len(parts) > 1:
        return parts
    anchor = segment.header or first_line(text, segment.span)
    return [WorkedExample(segment.span, anchor, "block", _tagged_output(text, segment.content))]


def _shift(span: Span, by: int) -> Span:
    return Span(span.start + by, span.end + by)


def _shifted(example: WorkedExample, by: int) -> WorkedExample:
    output = example.output
    return WorkedExample(
        _shift(example.span, by),
        _shift(example.anchor, by),
        example.source,
        _shift(output, by) if output is not None else None,
    )


# The key: the block's text, the character before it, where its content and
# header lie inside it, and the vocabulary: all a reading depends on.
_Key = tuple[str, str, tuple[int, int], tuple[int, int] | None, ExampleWords]


def _rows_bytes(key: _Key, value: Any) -> int:
    return text_bytes(key[0]) + 300 + 400 * len(value)


_example_blocks: SizedCache[_Key, tuple[WorkedExample, ...]] = SizedCache(
    "example blocks", 0.02, _rows_bytes
)


def forget() -> None:
    """Drop the example blocks read (for ``task_profile.clear_cache``)."""
    _example_blocks.clear()


_INNER_EXAMPLE = LazyPattern(r"<(example[\w-]*)\b[^<>]*>(.*?)</\1\s*>", re.I | re.S)


def _split_block(text: str, span: Span, words: ExampleWords) -> list[WorkedExample]:
    """An examples block holding several examples: inner tags, or field pairs."""
    inner = list(_INNER_EXAMPLE.finditer(text, span.start, span.end))
    if len(inner) > 1:
        return [
            WorkedExample(
                Span(m.start(), m.end()),
                first_line(text, Span(m.start(), m.end())),
                "block",
                _tagged_output(text, Span(m.start(2), m.end(2))),
            )
            for m in inner
        ]
    # Pairs inside the block ("Input: ... / Output: ..."), found like pairs in prose.
    pairs: list[WorkedExample] = []
    pending: re.Match[str] | None = None
    fields = list(words.speaker.finditer(text, span.start, span.end))
    for m in _without_transcript_turns(text, fields, words):
        # The value is the rest of the label's line or, when that is empty,
        # the line under it ("Answer:" on its own line, the answer below).
        value_span = _field_value(text, m, words)
        name, value = m.group(1).lower(), text[value_span.start : value_span.end].strip()
        if name in words.input_fields:
            pending = m if value and not _PLACEHOLDER.fullmatch(value) else None
        elif name in words.output_fields and pending is not None and value:
            pairs.append(
                WorkedExample(
                    Span(pending.start(), max(m.end(), value_span.end)),
                    strip_span(text, Span(pending.start(), pending.end())),
                    "pair",
                    strip_span(text, value_span),
                )
            )
            pending = None
    return pairs


_OUTPUT_TAG = LazyPattern(r"<(output|answer|response|assistant|label)>(.*?)</\1>", re.I | re.S)
_OUTPUT_FIELD = LazyPattern(
    # The value on the label's line or, when that is blank, on the line under it.
    r"^[ \t]*(?:output|answer|response|a|label|result)[ \t]*:[ \t]*(?:\n[ \t]*)?(\S.*)$",
    re.I | re.M,
)


def _tagged_output(text: str, span: Span) -> Span | None:
    m = _OUTPUT_TAG.search(text, span.start, span.end)
    if m:
        return strip_span(text, Span(m.start(2), m.end(2)))
    m = _OUTPUT_FIELD.search(text, span.start, span.end)
    if m:
        return strip_span(text, Span(m.start(1), m.end(1)))
    return None


_BLANK_LINE = LazyPattern(r"\n[ \t]*\n")


def _without_transcript_turns(
    text: str, lines: list[re.Match[str]], words: ExampleWords
) -> list[re.Match[str]]:
    """Field lines minus the turns of an example's input transcript.

    In ``Customer: ... / Agent: ... / Customer: ... / Intent: refund`` the
    ``Agent:`` line is part of the conversation the example classifies, not
    its answer: when a run of field lines (no blank line between them) goes
    back to an input field after an output field, and ends with an output
    field named unlike the earlier ones, the run is one exchange from its
    first input to its last output. ``Q:/A:/Q:/A:`` keeps its pairs: its last
    output is named like the others.
    """
    out: list[re.Match[str]] = []
    run: list[re.Match[str]] = []

    def flush() -> None:
        names = [m.group(1).lower() for m in run]
        outputs = [i for i, n in enumerate(names) if n in words.output_fields]
        back_to_input = any(
            names[i] in words.output_fields and names[i + 1] in words.input_fields
            for i in range(len(names) - 1)
        )
        if (
            back_to_input
            and outputs
            and outputs[-1] == len(names) - 1
            and names[-1] not in {names[i] for i in outputs[:-1]}
            and names[0] in words.input_fields
        ):
            out.extend((run[0], run[-1]))
        else:
            out.extend(run)
        run.clear()

    for m in lines:
        if run and _BLANK_LINE.search(text, run[-1].end(), m.start()):
            flush()
        run.append(m)
    if run:
        flush()
    return out


def pair_examples(
    doc: PromptDocument, spans: Sequence[Span], words: ExampleWords
) -> tuple[list[WorkedExample], tuple[str, str] | None, set[str]]:
    """``Input:``/``Output:``-style pairs, the open slot that ends a few-shot
    prompt, and the output field names the pairs use.

    A field's value is the rest of its line, or, when that is empty, the line
    below it (``Output:`` on a line of its own, the sample under it). A pair
    whose input is a placeholder (``Q: <sentence>``) is a template of the
    exchange, not a worked example.
    """
    text = doc.text
    found: list[WorkedExample] = []
    names: set[str] = set()
    slot: tuple[str, str] | None = None
    lines = _without_transcript_turns(text, list(finditer(words.speaker, text, spans)), words)
    pending: re.Match[str] | None = None
    pending_template = False
    last_input: int | None = None  # where the exchange the last pair came from starts
    orphan: re.Match[str] | None = None  # an output field no input came before
    previous_end = -1
    for m in lines:
        name = m.group(1).lower()
        value_span = _field_value(text, m, words)
        value = text[value_span.start : value_span.end].strip()
        if name in words.input_fields:
            pending = m if value else None
            last_input = orphan = None
            pending_template = bool(_PLACEHOLDER.fullmatch(value))
            previous_end = m.end()
            continue
        if name in words.output_fields:
            if (
                pending is None
                and last_input is not None
                and found
                and found[-1].span.start == (last_input)
                and not _BLANK_LINE.search(text, previous_end, m.start())
            ):
                # A second output field of the same exchange ("Answer: ...",
                # then "Output: {...}"): the last one is the expected answer.
                if value and not _PLACEHOLDER.fullmatch(value):
                    found[-1] = WorkedExample(
                        Span(last_input, max(m.end(), value_span.end)),
                        found[-1].anchor,
                        "pair",
                        strip_span(text, value_span),
                    )
                previous_end = max(m.end(), value_span.end)
                continue
            if pending is None and orphan is not None:
                # "Output: <the thing judged>" then "Response: <verdict>": a
                # field followed by another is the input of the exchange.
                pending, orphan = orphan, None
            start = (
                pending.start()
                if pending is not None
                else _plain_line_before(text, m.start(), previous_end, words)
            )
            last_input = pending.start() if pending is not None else None
            if (
                start is not None
                and value
                and not _PLACEHOLDER.fullmatch(value)
                and not (pending is not None and pending_template)
            ):
                found.append(
                    WorkedExample(
                        Span(start, max(m.end(), value_span.end)),
                        first_line(text, Span(start, m.end())),
                        "pair",
                        strip_span(text, value_span),
                    )
                )
                names.add(name)
            elif pending is not None and not value:
                slot = (pending.group(1), m.group(1))
            elif start is None and value:
                orphan = m
            pending = None
        previous_end = max(m.end(), value_span.end)
    return found, slot, names


def _field_value(text: str, m: re.Match[str], words: ExampleWords) -> Span:
    """Where a field's value is: the rest of its line, else the next line."""
    line_end = text.find("\n", m.start(2))
    line_end = len(text) if line_end == -1 else line_end
    # The whole rest of the line: a template tag ("Text: {input}") is a value too.
    if text[m.start(2) : line_end].strip() or line_end >= len(text):
        return Span(m.start(2), line_end)
    below_end = text.find("\n", line_end + 1)
    below_end = len(text) if below_end == -1 else below_end
    below = text[line_end + 1 : below_end]
    if not below.strip() or words.speaker.match(below) or _TAG_LINE.match(below):
        return Span(line_end, line_end)
    return Span(line_end + 1, below_end)


def _plain_line_before(text: str, offset: int, floor: int, words: ExampleWords) -> int | None:
    """The start of the text line right above ``offset`` ("question" of a Q/A pair)."""
    end = text.rfind("\n", 0, offset)
    if end <= floor or end == -1:
        return None
    start = text.rfind("\n", 0, end) + 1
    line = text[start:end]
    if start <= floor or not line.strip() or words.speaker.match(line):
        return None
    return start


def label_line_examples(
    doc: PromptDocument, spans: Sequence[Span], vocab: ExampleWords
) -> list[WorkedExample]:
    """Bare few-shot lines such as ``This is bad! Negative`` (no field names).

    A line counts when its first or last word, capitalised, is a common
    classification label; two such lines make a few-shot label list.

    Both walks are line-local, so a large prompt sums them from per-block
    facts (``document/blockfacts.py``): an edit walks the edited block again.
    """
    text = doc.text
    counts = [c for _, c in _per_block("label counts", _label_counts, text, spans, vocab)]
    label_words, lines = sum(c[0] for c in counts), sum(c[1] for c in counts)
    # Every label line holds a capitalised label word, so when those words are
    # too few for the ratio below no line can qualify and the walk is skipped.
    if label_words < 2 or label_words * 10 < lines * 3:
        return []
    found = []
    lines = 0
    for at, (walked, rows) in _per_block("label lines", _label_rows, text, spans, vocab):
        lines += walked
        for s, e, ws, we in rows:
            line = Span(at + s, at + e)
            found.append(WorkedExample(line, line, "labels", Span(at + ws, at + we)))
    # A few-shot list is most of the prompt; a stray "No" or "High" in a
    # long guideline is not.
    return found if len(found) >= 2 and len(found) * 10 >= lines * 3 else []


def _per_block(
    name: str, compute: blockfacts.Compute, text: str, spans: Sequence[Span], argument: Any = None
) -> Iterator[tuple[int, Any]]:
    """:func:`blockfacts.per_block` from this module's threshold (which tests move)."""
    return blockfacts.per_block(name, compute, text, spans, argument, from_size=BLOCKWISE_FROM)


def _label_counts(
    text: str, spans: blockfacts.RelSpans, last: bool, vocab: ExampleWords
) -> tuple[int, int]:
    """Capitalised label words, and lines holding a letter, in ``spans`` of ``text``."""
    label_words = lines = 0
    for start, end in spans:
        chunk = text[start:end]
        label_words += len(vocab.label_word.findall(chunk))
        lines += len(_LETTER_LINE.findall(chunk))
    return label_words, lines


def _label_rows(
    text: str, spans: blockfacts.RelSpans, last: bool, vocab: ExampleWords
) -> tuple[int, tuple[tuple[int, int, int, int], ...]]:
    """The lines walked (those with a word) and the label lines among them:
    each as its stripped span and the label word's span."""
    rows: list[tuple[int, int, int, int]] = []
    lines = 0
    for start, end in spans:
        for m in re.finditer(r"[^\n]+", text[start:end]):
            line = m.group(0)
            words = list(re.finditer(r"[A-Za-z]+", line))
            if not words:
                continue
            lines += 1
            if _MARKUP_LINE.match(line) or _FIELD_START.match(line) or len(words) > 10:
                continue
            if len(words) == 1 and not text[start:end].replace(line, "", 1).strip():
                # A label alone between template tags ("{% if ... %} No {% else
                # %} Yes"): an answer the template picks, with no input beside it.
                continue
            for word in (words[0], words[-1]):
                label = word.group(0)
                if label[0].isupper() and label.lower() in vocab.label_words:
                    base = start + m.start()
                    stripped = strip_span(text, Span(base, base + len(line)))
                    rows.append(
                        (stripped.start, stripped.end, base + word.start(), base + word.end())
                    )
                    break
    return lines, tuple(rows)


# A line holding an ASCII letter, tried only at line starts: the letter-free
# prefix cannot be split two ways, so a line of "{" or digits costs its length
# once (a lazy prefix tried from every offset cost its length squared).
_LETTER_LINE = LazyPattern(r"^[^A-Za-z\n]*[A-Za-z]", re.M)
_MARKUP_LINE = LazyPattern(r"^[ \t]*(?:[-*+|#>]|\d+[.)])")
# "A: The answer is False." is an answer field, not a bare few-shot label line.
_FIELD_START = LazyPattern(r"^[ \t]*\w+[ \t]*:")


# A heading that names a role ("# user:", "## Assistant"): a turn in a
# template that writes its roles as headings (Jinja2 prompt files).
_ROLE_TITLE = LazyPattern(r"[ \t]*(system|user|human|assistant|ai|model)[ \t]*:?[ \t]*", re.I)
_TURN_ROLES = {"human": "user", "ai": "assistant", "model": "assistant"}


def _turns(doc: PromptDocument) -> list[tuple[str, Segment]]:
    """The role turns: messages, or top-level sections whose heading is a role."""
    turns: list[tuple[str, Segment]] = []
    for s in doc.segments:
        if s.kind is SegmentKind.MESSAGE and s.role:
            turns.append((s.role, s))
        elif s.kind is SegmentKind.SECTION and (m := _ROLE_TITLE.fullmatch(s.title)):
            role = m.group(1).lower()
            turns.append((_TURN_ROLES.get(role, role), s))
    return turns


def turn_examples(doc: PromptDocument) -> list[WorkedExample]:
    """Assistant turns that answer a concrete user turn and are followed by more turns."""
    turns = _turns(doc)
    found: list[WorkedExample] = []
    for k in range(1, len(turns) - 1):
        (role, turn), (before_role, before) = turns[k], turns[k - 1]
        if role not in ("assistant", "model") or before_role != "user":
            continue
        if any(before.span.start <= v.span.start < before.span.end for v in doc.used):
            continue  # history with the caller's input, not a worked example
        if not doc.text[turn.content.start : turn.content.end].strip():
            continue
        found.append(
            WorkedExample(
                Span(before.span.start, turn.span.end),
                turn.header or first_line(doc.text, turn.span),
                "turn",
                strip_span(doc.text, turn.content),
            )
        )
    return found


# A line opening with "Example <name>:" ("EXAMPLE CHART for three scores:"),
# the sample on the lines below it.
_NAMED_EXAMPLE = LazyPattern(
    r"\bexamples?[ \t][^\n:]{1,80}?(?:\*\*)?:[ \t]*(?:\n[ \t]*)*(?=\S)(.+)", re.I
)
_LINE_OPENING = LazyPattern(r"[ \t]*(?:#{1,6}[ \t]+|\*\*)?\Z")


def _inline_matches(text: str, spans: Sequence[Span], words: ExampleWords) -> list[re.Match[str]]:
    found = list(finditer(words.inline_example, text, spans))
    for m in finditer(_NAMED_EXAMPLE, text, spans):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if _LINE_OPENING.match(text, line_start, m.start()):
            found.append(m)
    return sorted(found, key=lambda m: m.start())


def inline_examples(
    doc: PromptDocument, spans: Sequence[Span], words: ExampleWords
) -> list[WorkedExample]:
    text = doc.text
    found: list[WorkedExample] = []
    for m in _inline_matches(text, spans, words):
        sample = m.group(1).strip()
        if not sample or _PLACEHOLDER.fullmatch(sample) or sample.endswith(":"):
            continue
        if stands_in(sample):
            continue
        if _ANSWER_SPACE.match(sample):
            continue  # a criterion with its answer space, answered below or not
        if _RUBRIC.match(sample) and not _answered(text, m.end(1)):
            continue
        found.append(
            WorkedExample(
                Span(m.start(), m.end()),
                first_line(text, Span(m.start(), m.end())),
                "inline",
                Span(m.start(1), m.end(1)),
            )
        )
    return found


# "(yes/no) Does the essay state a thesis?": a criterion with its answer
# space, or a bare question: what is asked, not a worked answer.
_RUBRIC = LazyPattern(r"\((?:[\w-]+[ \t]*/[ \t]*)+[\w-]+\)|[^\n]*\?[ \t*_\"'`]*$")
# The answer space a rubric line opens with: "(yes/no)", "(1-5)", "(0 to 10)".
_ANSWER_SPACE = LazyPattern(
    r"[ \t*_]*\((?:(?:[\w-]+[ \t]*/[ \t]*)+[\w-]+|\d+[ \t]*(?:-|–|to)[ \t]*\d+)\)", re.I
)
# The line under a sample question that answers it: a field ("queries:",
# "Answer: 4") or the opening of a JSON value; not the next rubric line
# ("Examples: (1-5) Is it complete?").
_ANSWER_BELOW = LazyPattern(r"\n[ \t]*(?!examples?\b)(?:[A-Za-z][\w ]{0,30}:|[\[{])", re.I)


def _answered(text: str, end: int) -> bool:
    """A sample question with its answer on the next line is a worked example."""
    return _ANSWER_BELOW.match(text, end) is not None and "(" not in text[end - 2 : end]


# A line that only titles an example ("EXAMPLE OUTPUT", "Output example:",
# "**Examples**"), the sample on the lines below it, often closed by an
# "END EXAMPLE" line.
_EXAMPLE_TITLE = LazyPattern(
    r"^[ \t]*(?:#{1,6}[ \t]+)?(?:\*\*)?((?:[\w-]+[ \t]+){0,3}examples?(?:[ \t]+[\w-]+){0,3})"
    r"[ \t]*(?:\*\*)?[ \t]*:?[ \t]*(?:\*\*)?[ \t]*$",
    re.I | re.M,
)
_END_EXAMPLE = LazyPattern(
    r"^[ \t]*(?:#{1,6}[ \t]+)?end[ \t]+(?:of[ \t]+)?examples?\b", re.I | re.M
)
# Without an end marker the sample runs to the next title: a markdown heading
# or a line in capitals.
_NEXT_TITLE = LazyPattern(r"^[ \t]{0,3}#{1,6}[ \t]|^[ \t]*(?=[^a-z\n]*[A-Z]{3})[^a-z\n]+$", re.M)
# How far below its title an example's end marker is looked for.
_EXAMPLE_REACH = 4000


def titled_examples(
    doc: PromptDocument, spans: Sequence[Span], words: ExampleWords
) -> list[WorkedExample]:
    """Samples under a line that titles them, in prose without markdown structure.

    The title lines are found per block in a large prompt (the pattern is
    block-local); only the sample under each is read in the whole text.
    """
    text = doc.text
    titles = [
        (at + s, at + e)
        for at, rows in _per_block("example titles", _titles, text, spans, words)
        for s, e in rows
    ]
    found: list[WorkedExample] = []
    for i, (title_start, title_end) in enumerate(titles):
        start = title_end + 1
        reach = min(len(text), start + _EXAMPLE_REACH)
        end_marker = _END_EXAMPLE.search(text, start, reach)
        if end_marker is not None:
            end = end_marker.start()
        else:
            after = _NEXT_TITLE.search(text, start, reach)
            end = after.start() if after is not None else reach
        if i + 1 < len(titles):
            # A sample ends at the next example's title ("**Example 2**") at the latest.
            end = min(end, titles[i + 1][0])
        body = text[start:end] if start < end else ""
        if not body.strip() or _is_template(body):
            continue
        # "Here are some examples:" over several exchanges titles each of them.
        parts = _split_block(text, Span(start, end), words)
        if len(parts) > 1:
            found.extend(parts)
            continue
        # The sample is the answer itself only under a title that says so
        # ("Example output:"); under "Example:" it may hold the input too, and
        # only a named output field or tag inside it is the answer.
        if words.output_title.search(text[title_start:title_end]):
            output: Span | None = strip_span(text, Span(start, end))
        else:
            output = _tagged_output(text, Span(start, end))
        found.append(
            WorkedExample(
                Span(title_start, end),
                strip_span(text, Span(title_start, title_end)),
                "block",
                output,
            )
        )
    return found


def _titles(
    text: str, spans: blockfacts.RelSpans, last: bool, words: ExampleWords
) -> tuple[tuple[int, int], ...]:
    """Lines in ``spans`` that title an example (not one of input only)."""
    rows = []
    for start, end in spans:
        for m in _EXAMPLE_TITLE.finditer(text, start, end):
            title = m.group(1)
            if words.input_only_title.search(title) and not words.output_title.search(title):
                continue
            rows.append((m.start(), m.end()))
    return tuple(rows)


# "e.g., \"Removes an API key from the repo.\"": a quoted sample of the
# output, of two words or more.
_EG_QUOTED = LazyPattern(
    # A few words may lead to the quote ('For instance, from "Anna met Ben"').
    r"\b(?:e\.g\.|for example|for instance),?[ \t]*(?:[\w'’]+[ \t]+){0,3}?"
    r"[\"“]([^\"”\n]{3,160})[\"”]",
    re.I,
)


# A markdown table: its header row, then the separator row under it.
_TABLE_HEAD = LazyPattern(r"^[ \t]*\|([^\n]*)\|[ \t]*\n[ \t]*\|[ \t:|-]*-[ \t:|-]*\|?[ \t]*$", re.M)
_TABLE_ROW = LazyPattern(r"[ \t]*\|([^\n]*)\|?[ \t]*(?:\n|\Z)")
_OUTPUT_COLUMNS = frozenset({"expected", "expected output", "example output", "desired output"})


def _cells(row: str) -> list[str]:
    return [c.strip(" \t`*") for c in row.split("|")]


def table_samples(doc: PromptDocument, words: ExampleWords) -> list[WorkedExample]:
    """A table of inputs with their expected answers: a column named like an
    input field (``input``, ``sentence``) and one named like an output field
    (``output``, ``label``, ``category``), one filled-in answer at least."""
    text = doc.text
    found: list[WorkedExample] = []
    answers = words.output_fields | words.label_fields | _OUTPUT_COLUMNS
    for head in _TABLE_HEAD.finditer(text, doc.body_span.start):
        columns = [c.lower() for c in _cells(head.group(1))]
        wanted = [i for i, c in enumerate(columns) if c in answers]
        given = [i for i, c in enumerate(columns) if c in words.input_fields]
        if not wanted or not given:
            continue  # a reference table ("| Error | Response |"), not exchanges
        at = head.end() + 1
        first: Span | None = None
        end = at
        while at < len(text):
            row = _TABLE_ROW.match(text, at)
            if row is None:
                break
            cells = _cells(row.group(1))
            values = [cells[i] for i in wanted if i < len(cells)]
            value = next((v for v in values if v and not _PLACEHOLDER.search(v)), None)
            if first is None and value is not None:
                at_value = text.find(value, row.start(1), row.end(1))
                first = Span(at_value, at_value + len(value))
            end = row.end()
            at = row.end()
        if first is not None:
            found.append(
                WorkedExample(
                    Span(head.start(), end),
                    strip_span(text, Span(head.start(), head.end())),
                    "block",
                    first,
                )
            )
    return found


def quoted_samples(
    doc: PromptDocument, spans: Sequence[Span], words: ExampleWords | None = None
) -> list[WorkedExample]:
    """Samples written into the text: quoted after "e.g." (the exact wording
    wanted), an input with its answer ("if the URL is ..., the feed is ..."),
    a table of inputs with their answers."""
    text = doc.text
    found: list[WorkedExample] = [
        *conditional_samples(doc, spans),
        *(table_samples(doc, words) if words is not None else ()),
    ]
    for at, rows in _per_block("quoted samples", _eg_quoted, text, spans):
        for s, e, qs, qe in rows:
            whole = Span(at + s, at + e)
            found.append(WorkedExample(whole, whole, "inline", Span(at + qs, at + qe)))
    return found


def _eg_quoted(
    text: str, spans: blockfacts.RelSpans, last: bool, argument: None
) -> tuple[tuple[int, int, int, int], ...]:
    """Quoted samples after "e.g." in ``spans``: the match and the quote's spans.

    The pattern is block-local (it takes no line break), so a block finds
    alone what the whole text finds there.
    """
    rows = []
    for start, end in spans:
        for m in _EG_QUOTED.finditer(text, start, end):
            sample = m.group(1)
            if len(sample.split()) < 2 or _PLACEHOLDER.fullmatch(sample.strip()):
                continue
            if stands_in(sample):
                continue
            rows.append((m.start(), m.end(), m.start(1), m.end(1)))
    return tuple(rows)


def _inline(m: re.Match[str], answer: int | str) -> WorkedExample:
    """An example written inside one sentence: the whole match, its answer the given group."""
    whole = Span(m.start(), m.end())
    return WorkedExample(whole, whole, "inline", Span(m.start(answer), m.end(answer)))


# "If the channel URL is https://..., the RSS URL is https://...": an input
# and its expected output in one sentence. Both values must be concrete (a
# quote, a URL or a number), so that "if the user is angry, the tone is
# calm" stays a rule, not an example.
_IF_SAMPLE = LazyPattern(
    r"\bif (?:the|an?|your|my) (?:[\w-]+ ){0,3}(?:is|equals|reads|says|contains) "
    r"(?P<given>[^,;\n]{1,200}?),? (?:then )?(?:the|your) (?:[\w-]+ ){0,3}"
    r"(?:is|should be|would be|will be|becomes|must be) (?P<wanted>[^\n]{1,200})",
    re.I,
)
_CONCRETE = LazyPattern(r"://|[\"'`“”‘’]|\d")


def conditional_samples(doc: PromptDocument, spans: Sequence[Span]) -> list[WorkedExample]:
    """An input with its answer written as one conditional sentence."""
    text = doc.text
    found: list[WorkedExample] = []
    for m in finditer(_IF_SAMPLE, text, spans):
        given, wanted = m.group("given").strip(), m.group("wanted").strip()
        if not all(_CONCRETE.search(v) and not _PLACEHOLDER.search(v) for v in (given, wanted)):
            continue
        found.append(_inline(m, "wanted"))
    return found


def label_answers(doc: PromptDocument, pairs: Sequence[WorkedExample], words: ExampleWords) -> bool:
    """Few-shot pairs whose every answer is a label word (``A: negative``).

    Whatever the answer field is called (``A:``, ``Output:``), answers drawn
    from a handful of labels make the prompt a classification.
    """
    answers = [
        doc.text[e.output.start : e.output.end].strip(" \t.!*`'\"").lower()
        for e in pairs
        if e.output is not None
    ]
    return len(answers) >= 2 and all(a in words.label_words for a in answers)


def code_samples(doc: PromptDocument) -> list[WorkedExample]:
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
                segment.span,
                segment.header or segment.span,
                "code",
                strip_span(text, segment.content),
            )
        )
    return found


def json_samples(doc: PromptDocument, code_samples: Sequence[WorkedExample]) -> list[WorkedExample]:
    """A concrete JSON value in a code block shows the exact output of a structured task."""
    found: list[WorkedExample] = []
    for example in code_samples:
        body = doc.text[example.span.start : example.span.end]
        if re.search(r"^\s*(?:```[\w-]*\s*)?[\[{]", body) and not _json_template(body):
            found.append(example)
    return found


# A JSON string value: after a colon, an opening bracket or a comma.
_JSON_VALUE = LazyPattern(r'(?:[:\[,])[ \t\r\n]*"([^"\n]*)"(?![ \t]*:)')


def _json_template(body: str) -> bool:
    """A JSON shape whose every string value is a placeholder (``"<date 1>"``,
    ``"string"``, ``"..."``): the answer's form, not an answer."""
    values = [m.group(1) for m in _JSON_VALUE.finditer(body)]
    return bool(values) and all(_PLACEHOLDER.search(v) or not v.strip() for v in values)


def dedupe(examples: list[WorkedExample]) -> list[WorkedExample]:
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


# A "Name: value" line; the name is a few words before a colon.
_FIELD_LINE = LazyPattern(r"^[ \t]*([A-Za-z][\w -]{0,30}?)[ \t]*:[ \t]*(.*?)[ \t]*$", re.M)
# How much of the prompt's end the open exchange is looked for in.
_SLOT_TAIL = 600
# A template value in a field ("{{review}}", "{input}", "${text}").
_TEMPLATE_VALUE = LazyPattern(r"\{\{?|\$\{|\{%")


def mirrored_pairs(doc: PromptDocument) -> list[WorkedExample]:
    """Filled exchanges written with the same two field names as the open one
    that ends the prompt.

    A few-shot prompt ends with its input and an empty answer field
    ("Review: {{review}}" / "Products:"); an earlier "Review: ..." /
    "Products: ..." with both values filled is a worked example, whatever the
    fields are called. The field names come from the prompt itself, so no
    list of names has to know them.
    """
    text = doc.text
    body = doc.body_span
    lines = list(_FIELD_LINE.finditer(text, max(body.start, body.end - _SLOT_TAIL), body.end))
    if len(lines) < 2:
        return []
    last, given = lines[-1], lines[-2]
    if last.group(2) or text[last.end() : body.end].strip():
        return []  # the prompt does not end with an empty answer field
    if text[given.end() : last.start()].strip() or not _TEMPLATE_VALUE.search(given.group(2)):
        return []  # the field above it is not the caller's input
    names = (given.group(1).strip(), last.group(1).strip())
    if names[0].lower() == names[1].lower():
        return []
    exchange = re.compile(
        rf"^[ \t]*{re.escape(names[0])}[ \t]*:[ \t]*(?P<i>\S[^\n]*)\n(?:[ \t]*\n)?"
        rf"[ \t]*{re.escape(names[1])}[ \t]*:[ \t]*(?P<o>\S[^\n]*)$",
        re.M,
    )
    found: list[WorkedExample] = []
    for m in exchange.finditer(text, body.start, given.start()):
        given_value, answer = m.group("i"), m.group("o")
        if any(_hole(v) or _TEMPLATE_VALUE.search(v) for v in (given_value, answer)):
            continue  # a template of the exchange, not a worked one
        span = Span(m.start(), m.end())
        found.append(
            WorkedExample(span, first_line(text, span), "pair", Span(m.start("o"), m.end("o")))
        )
    return found


# A JSON array of strings or objects ('["Acme", "Zip"]') is a value, not a
# bracketed placeholder.
_JSON_ARRAY = LazyPattern(r"\[[ \t]*[\"'{\d]")


def _hole(value: str) -> bool:
    value = value.strip()
    return bool(_PLACEHOLDER.fullmatch(value)) and not _JSON_ARRAY.match(value)


# "apple: fruit", "Broke after two days -> negative": an item, then its label.
_LABELED_LINE = LazyPattern(
    r"^[ \t]*(?:[-*+][ \t]+)?[\"'“]?[^\n:]{1,160}?[\"'”]?[ \t]*(?::|->|=>|→|—)[ \t]*"
    r"[\"'`*]*(?P<label>[\w][\w -]{0,29}?)[\"'`*]*[.]?[ \t]*$",
    re.M,
)


def labeled_lines(
    doc: PromptDocument, spans: Sequence[Span], labels: Sequence[str], declared: Span
) -> list[WorkedExample]:
    """Lines pairing an item with one of the declared labels, two or more of them.

    With the labels known from the instructions ("Classify each item as fruit
    or vegetable"), "apple: fruit" and "carrot: vegetable" are worked examples
    whatever their layout; a line naming a label first ("- Billing: refunds")
    defines the label and does not count.
    """
    wanted = {label.lower() for label in labels}
    found: list[WorkedExample] = []
    for m in finditer(_LABELED_LINE, doc.text, spans):
        if declared.start <= m.start() < declared.end:
            continue
        if m.group("label").strip().lower() in wanted:
            span = strip_span(doc.text, Span(m.start(), m.end()))
            found.append(
                WorkedExample(span, span, "labels", Span(m.start("label"), m.end("label")))
            )
    return found if len(found) >= 2 else []


# "Return the result in this format:", "It should look like this:": the
# lines below show the answer's form, a sample when their values are concrete.
_FORMAT_LEAD = LazyPattern(
    r"\b(?:(?:in|with|using|use|follow(?:ing)?)[ \t]+(?:exactly[ \t]+)?(?:this|the following)"
    r"[ \t]+(?:format|structure|layout|template|form)|(?:looks?|like)[ \t]+(?:exactly[ \t]+)?"
    r"(?:like[ \t]+)?this)[ \t]*:[ \t]*\n(?:[ \t]*\n)?(?:[ \t]*```[\w-]*[ \t]*\n)?",
    re.I,
)
_BLOCK_END = LazyPattern(r"\n[ \t]*(?:\n|```)")


def format_samples(doc: PromptDocument, spans: Sequence[Span]) -> list[WorkedExample]:
    """The lines under a "this format:" lead, when they are filled in.

    "Date: 12 March 2024 / Time: 14:00" under "Return it in this format:"
    is the exact output, shown; "Date: <date>" is a template and does not
    count (nor a JSON shape whose values are all placeholders).
    """
    text = doc.text
    found: list[WorkedExample] = []
    for lead in finditer(_FORMAT_LEAD, text, spans):
        start = lead.end()
        stop = _BLOCK_END.search(text, start, start + _EXAMPLE_REACH)
        end = stop.start() if stop is not None else min(len(text), start + _EXAMPLE_REACH)
        body = text[start:end]
        if not body.strip() or _is_template(body) or _json_template(body):
            continue
        if _TEMPLATE_VALUE.search(body) or _PLACEHOLDER.search(body):
            continue  # a hole anywhere makes it a template of the answer
        if _numbered_stand_ins(body):
            continue  # "Word1: Lemma of Word1 / Word2: ...": a shape, not an answer
        span = Span(lead.start(), end)
        found.append(WorkedExample(span, first_line(text, span), "inline", Span(start, end)))
    return found


# A word with a digit glued to it ("Word1", "entity_2"), as stand-ins are written.
_GLUED_NUMBER = LazyPattern(r"\b([^\W\d_]{3,})_?(\d)\b")


def _numbered_stand_ins(body: str) -> bool:
    """The sample is written with numbered stand-ins: one word glued to two
    or more different digits ("Word1: Lemma of Word1", "Word2: Lemma of Word2").

    "Step 1" / "Step 2" (a space before the digit) are headings of a real
    sample and do not count.
    """
    digits: dict[str, set[str]] = {}
    for m in _GLUED_NUMBER.finditer(body):
        seen = digits.setdefault(m.group(1).lower(), set())
        seen.add(m.group(2))
        if len(seen) >= 2:
            return True
    return False


# "We should ban cars downtown. -> claim": an input and its answer on one line.
_ARROW_LINE = LazyPattern(r"^[^\n]*?\S[ \t]+(?:->|=>|→)[ \t]+\S[^\n]*$", re.M)


def arrow_lines(doc: PromptDocument, spans: Sequence[Span]) -> list[WorkedExample]:
    """Two or more "input -> answer" lines: a few-shot list in its shortest form.

    Read only for structured tasks (classification, extraction, conversion),
    where such lines map inputs to answers; in guidance an arrow is a rule
    or a flow. Lines with holes ("<text> -> <label>") are a template.
    """
    text = doc.text
    found: list[WorkedExample] = []
    for m in finditer(_ARROW_LINE, text, spans):
        line = m.group(0)
        if _PLACEHOLDER.search(line) or _TEMPLATE_VALUE.search(line):
            continue
        span = strip_span(text, Span(m.start(), m.end()))
        arrow = re.search(r"(?:->|=>|→)[ \t]+", line)
        assert arrow is not None
        found.append(WorkedExample(span, span, "labels", Span(m.start() + arrow.end(), m.end())))
    return found if len(found) >= 2 else []
