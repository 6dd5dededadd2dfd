"""The output contract: the format a prompt asks for, its label set, its fallback label."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from promptwise.document.model import PromptDocument, PromptFormat
from promptwise.document.text import Span
from promptwise.rules.judgements.examples import WorkedExample
from promptwise.rules.judgements.prose import finditer, search
from promptwise.rules.options import RuleOptions, compile_option, option_pattern
from promptwise.rules.timed import LazyPattern, Pattern


@dataclass(frozen=True)
class LabelSet:
    """The closed set of answers a classification prompt allows."""

    labels: tuple[str, ...]
    span: Span  # where the list is written (or the first example label)
    declared: bool  # stated in the instructions, not only implied by examples
    # Written as a list a label can be appended to ("billing, shipping or
    # returns"), not one answer per condition ("`true` if ..., `false` if ...").
    listed: bool = True


# ------------------------------------------------------------ output contract

_JSON = LazyPattern(r"\bjson\b", re.I)
# A list may wrap onto the next line after a comma ("billing,\nshipping").
_LABEL_LIST = r"(?P<labels>(?:[^.\n;:()?!]|(?<=,)\n){3,160})"
FORMAT_OWNER = "PW304"  # the rule whose options hold the words of output formats
LABELS_OWNER = "PW302"  # ... and of label sets and fallback labels


@dataclass(frozen=True, eq=False)
class ContractWords:
    """How output formats, label lists and fallbacks are written (PW304's and PW302's options)."""

    format: Pattern
    format_heading: Pattern
    frontmatter_output: tuple[str, ...]
    label_lists: tuple[Pattern, ...]  # each ends in the list itself, group "labels"
    label_leads: tuple[Pattern, ...]  # the same lead-ins without the list
    label_stopwords: frozenset[str]
    fallback: Pattern
    no_fit: Pattern
    # A rating scale ("an integer between 1 and 5"): a closed set of numbers.
    scale: Pattern
    # One score per condition ("Respond with 4, if ..."): the scores are the labels.
    score_choice: Pattern

    @classmethod
    def from_options(cls, options: RuleOptions) -> ContractWords:
        formats, labels = options[FORMAT_OWNER], options[LABELS_OWNER]
        return cls(
            # Not inside a file name ("package.json", "docs/README.md").
            format=option_pattern(
                formats, FORMAT_OWNER, "format_patterns", r"(?<![./\\-])\b", r"(?!\w)(?!\.\w)"
            ),
            format_heading=option_pattern(
                formats,
                FORMAT_OWNER,
                "format_heading_patterns",
                r"^[ \t]*#{1,6}[ \t]+.*\b",
                r"\b",
                re.I | re.M,
            ),
            frontmatter_output=tuple(formats["frontmatter_output_keys"]),
            label_lists=tuple(
                compile_option(p + _LABEL_LIST, re.I, LABELS_OWNER, "label_list_patterns", [p])
                for p in labels["label_list_patterns"]
            ),
            label_leads=tuple(
                compile_option(p, re.I, LABELS_OWNER, "label_list_patterns", [p])
                for p in labels["label_list_patterns"]
            ),
            label_stopwords=frozenset(w.lower() for w in labels["label_stopwords"]),
            fallback=option_pattern(labels, LABELS_OWNER, "fallback_label_patterns", r"\b", r"\b"),
            no_fit=option_pattern(
                labels,
                LABELS_OWNER,
                "no_fit_patterns",
                r"\b(?:if|when)\b[^.\n]{0,80}?",
                r"[^.\n]{0,60}",
            ),
            scale=option_pattern(labels, LABELS_OWNER, "scale_patterns", r"\b"),
            score_choice=option_pattern(
                labels, LABELS_OWNER, "score_choice_patterns", r"\b", _CHOICE_VALUE + _CONDITION
            ),
        )


# The answer given for a condition: a number, a quoted word, or yes/no/true/false.
_CHOICE_VALUE = (
    r"(?:[\"'`“](?P<quoted>[^\"'`“”\n]{1,20})[\"'`”]"
    r"|(?P<number>\d{1,3}(?:\.\d+)?)\b|(?P<word>yes|no|true|false)\b)"
)
_CONDITION = r"[ \t]*,?[ \t]*(?:if|when)\b"
# The same sentence going on with another answer for another condition
# ("... or `false` if ...", '... and "0" if not', "..., otherwise 0").
_MORE_CHOICES = LazyPattern(
    r"(?:(?:\bor\b|\band\b|[,;])[ \t]+"
    r"(?:(?:a|the) (?:score|verdict|label|rating) of[ \t]+|with[ \t]+)?"
    r"|\b(?:otherwise|else)[ \t]*,?[ \t]+"
    r"(?:(?:return|output|answer|respond with|reply with)[ \t]+)?)"
    + _CHOICE_VALUE
    + r"(?:"
    + _CONDITION
    + r"|(?=[ \t]*(?:[.;\n]|\Z)))",
    re.I,
)
_SENTENCE_END = LazyPattern(r"[.!?](?:[ \t]|\n|\Z)|\n")


def _choice_value(m: re.Match[str]) -> str:
    """The answer a choice match gives (the last one when it holds two)."""
    for group in ("quoted", "number", "word"):
        if m.group(group):
            return m.group(group).strip().lower()
    return ""


_LABEL_SPLIT = LazyPattern(r"\s*(?:,|/|\||\bor\b|\band\b)\s*", re.I)


# Labels in quotes joined by list words ('"true" and "false" as the verdict'):
# the quotes say where each label ends, whatever words follow the list.
_QUOTED_LABEL = LazyPattern(r"[ \t]*([\"'`“])([^\"'`“”\n]{1,30})[\"'`”]")
_QUOTED_JOIN = LazyPattern(r"[ \t]*(?:,[ \t]*(?:(?:or|and)\b)?|/|\bor\b|\band\b)", re.I)


# A quoted label with a short gloss in parentheses ('"Yes" (1) or "No" (0)');
# the label lists stop at a parenthesis, so these are read from the text.
_GLOSSED_LABEL = LazyPattern(r"[ \t]*([\"'`“])([^\"'`“”\n]{1,30})[\"'`”][ \t]*\([^()\n]{1,20}\)")


def _glossed_labels(text: str, at: int) -> tuple[tuple[str, ...], int]:
    """The glossed quoted labels starting at ``at`` and where they end; () unless two or more."""
    found: list[str] = []
    end = at
    while True:
        m = _GLOSSED_LABEL.match(text, at)
        if m is None:
            break
        found.append(m.group(2).strip().lower())
        end = m.end()
        join = _QUOTED_JOIN.match(text, end)
        if join is None:
            break
        at = join.end()
    labels = tuple(dict.fromkeys(found))
    return (labels, end) if len(labels) >= 2 else ((), at)


def _quoted_labels(raw: str) -> list[str]:
    """The quoted labels a list opens with; [] unless there are two or more."""
    found: list[str] = []
    at = 0
    while True:
        m = _QUOTED_LABEL.match(raw, at)
        if m is None:
            break
        found.append(m.group(2).strip().lower())
        join = _QUOTED_JOIN.match(raw, m.end())
        if join is None:
            break
        at = join.end()
    return found if len(found) >= 2 else []


# Where the sentence goes on after the last label ("None based on the text").
_TRAILER = LazyPattern(
    r"\s+(?:based|depending|according|for|if|when|where|using|from|in|on|to|with|that|which|"
    r"as|by|given|because|so|after|before|unless|"
    # Verbs sharing an object ("accept or reject the feedback").
    r"the|this|these|those|its|their|it|them)\b.*\Z",
    re.I | re.S,
)


def _split_labels(raw: str, stopwords: frozenset[str]) -> tuple[str, ...]:
    """``"neutral, negative or positive"`` -> the labels; () when it is not a list of labels."""
    quoted = _quoted_labels(raw)
    if quoted and len(quoted) <= 15:
        return tuple(dict.fromkeys(quoted))
    parts = [p.strip(" \t\n`'\"“”*").lower() for p in _LABEL_SPLIT.split(raw)]
    labels = [p for p in parts if p and p not in stopwords]
    if len(labels) < 2 or len(labels) > 15 or labels[-1] == "not":
        return ()  # "... attributed to the context or not" asks whether, it lists nothing
    # Stop at the first part that is a phrase rather than a label ("... and explain why");
    # a label the sentence goes on after ("or None based on the text") ends the list.
    kept: list[str] = []
    for label in labels:
        if len(label.split()) > 2:
            head = _TRAILER.sub("", label)
            if head != label and 0 < len(head.split()) <= 2:
                kept.append(head)
            break
        kept.append(label)
    return tuple(kept) if len(kept) >= 2 else ()


def output_format(doc: PromptDocument, spans: Sequence[Span], words: ContractWords) -> Span | None:
    data = doc.frontmatter or {}
    for key in words.frontmatter_output:
        if data.get(key):
            return doc.key_spans.get(key) or doc.frontmatter_span
    options = data.get("model") if isinstance(data.get("model"), dict) else None
    if isinstance(options, dict):
        for holder in (options.get("options"), options.get("parameters")):
            if isinstance(holder, dict) and any(k in holder for k in words.frontmatter_output):
                return doc.frontmatter_span
    if doc.format is PromptFormat.CHAT:
        at = _chat_output_key(doc.text, words.frontmatter_output)
        if at is not None:
            return at
    m = next(
        (f for f in finditer(words.format, doc.text, spans) if not _kept(doc.text, f.start())),
        None,
    ) or search(words.format_heading, doc.text, spans)
    if m is None and doc.format is not PromptFormat.CHAT:
        # A JSON object written out, in prose or a code block ('{"dates":
        # ["<date 1>"]}'): its keys are the shape of the answer, placeholders
        # or not. Not in chat files, whose own syntax is JSON.
        body = doc.body_span
        m = _JSON_OBJECT.search(doc.text, body.start, body.end)
    return Span(m.start(), m.end()) if m else None


# An object with a quoted key: '{"name": ...', '[{ "id":'.
_JSON_OBJECT = LazyPattern(r'(?<!\{)\{[ \t]*(?:\n[ \t]*)?"[\w -]{1,40}"[ \t]*:')


def _chat_output_key(text: str, keys: Sequence[str]) -> Span | None:
    """A chat file's own output key (``responseFormat: json_schema`` beside ``messages``).

    Chat files have no frontmatter: their settings are keys of the same
    object as the messages, a top-level YAML key at the start of a line or a
    JSON key (an unescaped quote, so never one inside a message's text).
    """
    names = "|".join(re.escape(k) for k in keys)
    m = re.search(rf"^(?:{names})[ \t]*:|(?<!\\)\"(?:{names})\"[ \t\r\n]*:", text, re.M)
    return Span(m.start(), m.end()) if m else None


# "Keep the markdown structure": the input's format, kept; not an output format.
_KEEP = LazyPattern(
    r"\b(?:keep|keeping|preserve|preserving|maintain|maintaining|retain|retaining|"
    r"(?:do not|don't|never) (?:change|alter|modify))\b[^.\n]{0,24}\Z",
    re.I,
)


def _kept(text: str, start: int) -> bool:
    return _KEEP.search(text, max(0, start - 40), start) is not None


def label_set(
    doc: PromptDocument,
    spans: Sequence[Span],
    examples: Sequence[WorkedExample],
    words: ContractWords,
) -> LabelSet | None:
    text = doc.text
    best = _first_label_list(text, spans, words)
    if best is not None:
        m, labels, glossed_end = best
        start = m.start("labels")
        raw = m.group("labels")
        if glossed_end is not None:
            return LabelSet(labels, Span(start, glossed_end), True)
        last = raw.lower().rfind(labels[-1])
        end = start + (last + len(labels[-1]) if last != -1 else len(raw.rstrip()))
        # Keep a closing quote or backtick of the last label inside the span.
        while end < m.end("labels") and text[end] in "`'\"”":
            end += 1
        return LabelSet(labels, Span(start, end), True)
    listed = option_lines(doc, spans)
    if listed is not None:
        return listed
    scale = rating_scale(doc, spans, words)
    if scale is not None:
        return scale
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


# "Answer by selecting one of the following options:" and then one option
# per line: "(A) The answer is a subset ...", '"Correct": the two agree ...'.
_OPTIONS_LEAD = LazyPattern(
    r"\b(?:one of the following|the following "
    r"(?:options|choices|answers|labels|categories|verdicts))"
    r"(?:[ \t]+(?:options|choices|answers|labels|categories|verdicts))?[ \t]*:[ \t]*\n"
    r"(?:[ \t]*\n)?"
    # A line that only names the labels ("Categories:", "## Possible intents"),
    # followed by one item per line.
    r"|(?P<named>^[ \t]*(?:#{1,6}[ \t]+)?(?:\*\*)?(?:(?:possible|valid|allowed|available)[ \t]+)?"
    r"(?:categories|labels|classes|intents|verdicts)(?:\*\*)?[ \t]*:?(?:\*\*)?[ \t]*\n"
    r"(?:[ \t]*\n)?(?=[ \t]*[-*+][ \t]))",
    re.I | re.M,
)
# Under a line that names the labels, a bare bullet of one to three words is
# a label too ("- Billing"); under "one of the following:" it may be anything.
_BARE_OPTION = LazyPattern(
    r"[ \t]*[-*+][ \t]+[`*]*(?P<bare>[A-Za-z][\w&/-]*(?: [\w&/-]+){0,2})[`*]*[ \t]*(?:\n|\Z)"
)
_OPTION_LINE = LazyPattern(
    r"[ \t]*(?:[-*+][ \t]+)?(?:\((?P<paren>[A-Za-z0-9])\)|(?P<mark>[A-Z0-9])[.)](?=[ \t])|"
    r"[\"“'`](?P<quoted>[^\"”'`\n]{1,30})[\"”'`][ \t]*[:=–—-]|"
    r"\*\*(?P<bold>[^*\n]{1,30})\*\*[ \t]*[:=–—-]|"
    # A bullet naming the label before its colon ("- Billing: invoices, refunds"),
    # perhaps with its gloss in parentheses ("- FP (false positive): ...").
    r"(?<=[-*+][ \t])(?P<plain>[A-Za-z][\w&/-]*(?: [\w&/-]+){0,2})"
    r"(?:[ \t]+\([^()\n]{1,40}\))?[ \t]*:(?=[ \t]|$))"
    r"[^\n]*(?:\n|\Z)",
    re.M,
)


def option_lines(doc: PromptDocument, spans: Sequence[Span]) -> LabelSet | None:
    """Options listed one per line after "one of the following:" (or a line
    such as "Categories:" that only names them), as a label set.

    Each line opens with its label: a letter in parentheses, a quoted, bold or
    bulleted word before a colon. Two or more such lines make a closed set of
    answers.
    """
    text = doc.text
    for lead in finditer(_OPTIONS_LEAD, text, spans):  # prefiltered, cached per block
        labels: list[str] = []
        pos = lead.end()
        while True:
            m = _OPTION_LINE.match(text, pos)
            if m is None and lead.group("named"):
                m = _BARE_OPTION.match(text, pos)
            if m is None or m.end() <= pos:
                break
            label = next(g for g in m.groups() if g)
            labels.append(label.strip().lower())
            pos = m.end()
        if len(labels) >= 2:
            return LabelSet(tuple(dict.fromkeys(labels)), Span(lead.end(), pos), True)
    return None


# A list that is one template variable ("Categories: {options}"), to the end
# of its line or sentence.
_VARIABLE_LIST = LazyPattern(
    r"[ \t]*(?:\{\{-?[ \t]*[\w.$\[\]'\"]+[ \t]*-?\}\}|\$?\{[\w.$]+\}|<[\w -]{1,40}>)"
    r"[ \t]*(?:[.;,]|$)",
    re.M,
)


def label_variable(doc: PromptDocument, spans: Sequence[Span], words: ContractWords) -> Span | None:
    """Where a label list is filled in from a template variable ("Categories: {options}").

    The labels come at run time, so the prompt does fix the answer to one of
    them: a stated output format. Which labels they are is unknown, so no
    label set (and no fallback judgement) is made from it. Prose spans leave
    variables out, so the lead-in is found in them and the variable right
    after it in the text.
    """
    text = doc.text
    for pattern in words.label_leads:
        for m in finditer(pattern, text, spans):
            var = _VARIABLE_LIST.match(text, m.end())
            if var is not None:
                return Span(m.end(), var.end())
    return None


# The first window the label-list patterns are searched in; it grows 16-fold.
_WINDOW = 4096


def _first_label_list(
    text: str, spans: Sequence[Span], words: ContractWords
) -> tuple[re.Match[str], tuple[str, ...], int | None] | None:
    """The first lead-in followed by a real list, and its labels.

    "Tag each sentence with its role: claim, evidence or conclusion" has
    two lead-ins, the first followed by words ("its role") rather than
    labels. Each pattern's first match counts; the earliest with labels
    wins, the first pattern of equals. The patterns are searched in growing
    windows from the start, so once one finds a list near the top (where
    prompts state it) the others stop there instead of each scanning a
    long prompt to its end.
    """
    patterns = words.label_lists
    first: list[re.Match[str] | None] = [None] * len(patterns)
    clear_to = [0] * len(patterns)  # no match of pattern i starts before this
    best: tuple[int, int, re.Match[str], tuple[str, ...], int | None] | None = None
    window: int | None = _WINDOW
    while True:
        for i, pattern in enumerate(patterns):
            if first[i] is not None:
                continue
            # To win, pattern i must start before the best, or with it when it comes first.
            need = None if best is None else best[0] + (1 if i < best[1] else 0)
            limit = need if window is None else window if need is None else min(window, need)
            if limit is not None and limit > len(text):
                limit = None  # the whole text: a short prompt is searched once
            if clear_to[i] >= (len(text) + 1 if limit is None else limit):
                continue
            m = search(pattern, text, spans, limit)
            if m is None:
                clear_to[i] = len(text) + 1 if limit is None else limit
                continue
            first[i] = m
            labels = _split_labels(m.group("labels"), words.label_stopwords)
            glossed_end: int | None = None
            if not labels:
                labels, end = _glossed_labels(text, m.start("labels"))
                glossed_end = end if labels else None
            if labels and (best is None or (m.start(), i) < (best[0], best[1])):
                best = (m.start(), i, m, labels, glossed_end)
        if window is None:
            break
        window = None if window * 16 > len(text) else window * 16
    return None if best is None else (best[2], best[3], best[4])


_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    )
}
_NUMBER = LazyPattern(r"\b(?:\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\b", re.I)
# A scale of more numbers than this is a measurement, not a set of labels.
_MAX_SCALE = 11


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def rating_scale(
    doc: PromptDocument, spans: Sequence[Span], words: ContractWords
) -> LabelSet | None:
    """A rating on a closed scale, as labels: "an integer between 1 and 5" gives 1 to 5,
    "Respond with 4, if ... Respond with 0, if ..." gives the scores named.

    A grader's scores are a closed label set like any other: an answer that
    cannot be rated (empty, off-topic, in another language) is forced onto
    the scale unless a score or rule says what it gets.
    """
    text = doc.text
    m = search(words.scale, text, spans)
    if m is not None:
        ends = [_number(n) for n in _NUMBER.findall(m.group(0))][:2]
        if len(ends) == 2 and 0 < ends[1] - ends[0] < _MAX_SCALE:
            labels = tuple(str(i) for i in range(ends[0], ends[1] + 1))
            return LabelSet(labels, Span(m.start(), m.end()), True)
    choices = list(finditer(words.score_choice, text, spans))
    values: list[re.Match[str]] = []
    scanned = 0  # each stretch of text is scanned for more answers once
    for choice in choices:
        values.append(choice)
        # The rest of the sentence may give more answers for other conditions.
        start = max(choice.end(), scanned)
        stop = _SENTENCE_END.search(text, start)
        end = stop.start() if stop else len(text)
        values.extend(_MORE_CHOICES.finditer(text, start, end))
        scanned = max(scanned, end)
    labels = tuple(dict.fromkeys(v for v in map(_choice_value, values) if v))
    if len(labels) >= 2:
        # From the first answer to the last: the words before it ("Give
        # verdict as") name what is chosen.
        first, last = _value_span(values[0]), _value_span(values[-1])
        return LabelSet(labels, Span(first.start, last.end), True, listed=False)
    return None


def _value_span(m: re.Match[str]) -> Span:
    group = next(g for g in ("quoted", "number", "word") if m.group(g))
    start, end = m.span(group)
    if group == "quoted":  # with its quotes
        start, end = start - 1, end + 1
    return Span(start, end)


def fallback_label(
    doc: PromptDocument, spans: Sequence[Span], labels: LabelSet | None, words: ContractWords
) -> str | None:
    """A label for input that fits none (``other``, ``unknown``), or the rule that says so."""
    if labels is None:
        return None
    found = next((label for label in labels.labels if words.fallback.fullmatch(label)), None)
    if found is None:
        hit = search(words.no_fit, doc.text, spans)
        found = doc.text[hit.start() : hit.end()] if hit else None
    return found


def json_output(doc: PromptDocument, spans: Sequence[Span]) -> bool:
    data = doc.frontmatter or {}
    return bool(search(_JSON, doc.text, spans)) or "json" in str(data.get("output", "")).lower()
