"""PW209: two instructions in one prompt ask for opposite things.

Found statically, sentence by sentence, over the prompt's directives (the
prose that tells the model what to do: not examples, code, quoted data,
descriptions). A sentence is a claim only when the whole sentence is one of
the rule's patterns, so "Be concise in commit messages" (a scope) or "If
the user asks, explain in detail" (a condition) are never compared; the
rule prefers silence to a guess.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from promptwise.document import blockfacts
from promptwise.document.model import PromptDocument
from promptwise.document.text import Span
from promptwise.findings import Related
from promptwise.rules import keyscan
from promptwise.rules.checks import CheckContext, Hit, register
from promptwise.rules.judgements.directives import directive_spans
from promptwise.rules.options import alternation, compile_option
from promptwise.rules.prefilter import contained_literals, fold, trie_regex
from promptwise.rules.timed import LazyPattern, Pattern, compiled

# A sentence ends at . ! ? ; or a line end; list markers and emphasis are not part of it.
_SENTENCE = LazyPattern(r"[^.!?;\n]+[.!?;]?")
_LEAD = LazyPattern(r"^[\s>*_#-]*(?:\d+[.)]\s*)?[\s*_]*")
_EMPHASIS = LazyPattern(r"\*{1,3}|(?<!\w)_{1,3}|_{1,3}(?!\w)")
_ALWAYS = LazyPattern(r"(?:you (?:must|should) )?always (?P<action>[a-z][a-z' -]{2,80})", re.I)
_NEVER = LazyPattern(
    r"(?:you (?:must|should) )?(?:never|do not|don't) (?:ever )?(?P<action>[a-z][a-z' -]{2,80})",
    re.I,
)
_FILLER = frozenset("a an the your any all".split())

_KINDS = {
    "short": ("length", "a short answer"),
    "long": ("length", "a long, detailed answer"),
    "json_only": ("format", "JSON only"),
    "markdown": ("format", "markdown"),
}
_OPPOSITE = {"short": "long", "long": "short", "json_only": "markdown", "markdown": "json_only"}


@dataclass(frozen=True)
class _Sentence:
    span: Span
    text: str  # without list marker, emphasis and final punctuation


@dataclass(frozen=True)
class _Claim:
    kind: str  # short | long | json_only | markdown | always | never
    sentence: _Sentence
    action: str = ""


_Options = tuple[tuple[str, tuple[str, ...]], ...]


@lru_cache(maxsize=8)
def _compiled(code: str, options: _Options) -> dict[str, Pattern]:
    out = {
        name.removesuffix("_patterns"): compile_option(
            alternation(patterns), re.I, code, name, patterns
        )
        for name, patterns in options
        if name != "condition_patterns"
    }
    conditions = dict(options)["condition_patterns"]
    out["condition"] = re.compile(r"\b" + alternation(conditions, words=True) + r"\b", re.I)
    return out


@dataclass(frozen=True)
class _Words:
    """Words one of which every claim holds: a regex, and the compiled
    Aho-Corasick scanner over them where it installs (twice as fast as
    ``re`` here, whose scan tries nearly every position: the words open
    with the commonest letters)."""

    regex: re.Pattern[str]
    automaton: Any


@lru_cache(maxsize=8)
def _claim_words(code: str, options: _Options, scanner: bool = True) -> _Words | None:
    """The words one of which every claim holds (each claim pattern's
    ``contained_literals``); None if a pattern has none. ``scanner``: use
    the compiled scanner if it is here (tests compare both).

    About nine sentences in ten of a prompt hold none of them ("answer",
    "concise", "never", ...): those are passed over before their plain text
    is built and six anchored patterns are tried on it.
    """
    patterns = [p for kind, p in _compiled(code, options).items() if kind != "condition"]
    found: set[str] = set()
    for pattern in [*patterns, _ALWAYS, _NEVER]:
        whole = compiled(pattern)
        if not isinstance(whole, re.Pattern):
            return None  # a pattern from the settings: searched with ``regex``, read as it is
        words = contained_literals(whole)
        if words is None:
            return None
        found |= words
    # As a trie: ``re`` then tries a few letters at each position, not every word.
    regex = re.compile(trie_regex({tuple(re.escape(c) for c in word) for word in found}))
    built = keyscan.automaton([frozenset(found)]) if scanner and keyscan.enabled() else None
    return _Words(regex, built)


_MARKS = LazyPattern(r"[*_]")


def _word_starts(text: str, spans: Sequence[tuple[int, int]], words: _Words) -> list[int] | None:
    """Sorted places in ``text``, each inside an occurrence of a word that a
    sentence's plain text can hold, one at least per such occurrence; or
    None: every sentence is read.

    One scan from the first span's start to the last one's end (a place
    between spans lies in no sentence). The plain text drops emphasis marks,
    so a word may have marks between its letters in ``text``: the scanner
    reads them as blanks and passes over blanks (a word broken by a blank is
    a candidate more, never one less); the regex reads the text with the
    marks taken out and maps its starts back. Both read the folded text; a
    text whose folding changes its length (a dotted capital I) is read
    whole. ASCII letters are matched ignoring case only by themselves and
    by the three characters ``fold`` maps onto them, and the words are ASCII.
    """
    if not spans:
        return []
    first, last = spans[0][0], spans[-1][1]
    folded = fold(text)
    if len(folded) != len(text):
        return None
    marked = "*" in folded or "_" in folded
    # The switch is read here, not when the words were cached: turning the
    # compiled scanner off (keyscan.set_compiled) reaches this scan too.
    if words.automaton is not None and keyscan.enabled():
        hay = folded.replace("*", " ").replace("_", " ") if marked else folded
        found = words.automaton.iter(hay, first, last, ignore_white_space=True)
        return sorted(end - back for end, (back, _) in found)
    if not marked:
        return [m.start() for m in words.regex.finditer(folded, first, last)]
    marks = [m.start() for m in _MARKS.finditer(folded)]
    stripped = folded.replace("*", "").replace("_", "")
    # Where each mark would stand in the stripped text: a stripped index j
    # has as many marks before it in ``text`` as there are such places <= j.
    shift = [at - k for k, at in enumerate(marks)]
    lo = first - bisect.bisect_left(marks, first)
    hi = last - bisect.bisect_left(marks, last)
    out: list[int] = []
    before = 0  # marks before the last start (the starts come in order)
    for m in words.regex.finditer(stripped, lo, hi):
        j = m.start()
        while before < len(shift) and shift[before] <= j:
            before += 1
        out.append(j + before)
    return out


def _sentences(
    text: str, spans: Sequence[tuple[int, int]], words: _Words | None = None
) -> Iterator[tuple[int, int, str]]:
    """Each sentence as (start, end, plain text): a block has hundreds, and
    few become claims, so no objects are built for them.

    With ``words`` (see :func:`_claim_words`), only the sentences holding
    one of them are given: the others can be no claim. A word holds no
    blank, no emphasis mark and no sentence end, so an occurrence in a
    plain text lies inside its sentence, with at most marks between its
    letters (:func:`_word_starts`).
    """
    lead_match = _LEAD.match
    hits = _word_starts(text, spans, words) if words is not None else None
    i = 0  # the first hit not before the sentence (sentences come in order)
    for span_start, span_end in spans:
        for m in _SENTENCE.finditer(text, span_start, span_end):
            if hits is not None:
                while i < len(hits) and hits[i] < m.start():
                    i += 1
                if i == len(hits) or hits[i] >= m.end():
                    continue
            lead = lead_match(m.group(0))
            start = m.start() + (lead.end() if lead else 0)
            core = _strip_trail(text[start : m.end()])
            if core:
                # No marker, nothing to take out: most sentences skip the regex.
                core_plain = _EMPHASIS.sub("", core) if "*" in core or "_" in core else core
                yield start, start + len(core), " ".join(core_plain.split())


_TRAIL_CHARS = " \t\n\r\f\v*_.!;:"


def _strip_trail(raw: str) -> str:
    """``re.sub(r"[\\s*_.!;:]*$", "", raw)``: the sentence without its closing blanks and
    punctuation. ``str.rstrip`` instead of the regex, which tried every
    position of every sentence for a run reaching the end (~10 % of a cold
    analysis of the 1 MB bench prompt); ``isspace`` is the test ``\\s``
    makes, so other Unicode blanks go too. Past one of those the walk goes
    on by index: stripping again after each copied ``[:-1]`` was quadratic
    in a tail of Unicode blanks."""
    core = raw.rstrip(_TRAIL_CHARS)
    end = len(core)
    while end and (core[end - 1].isspace() or core[end - 1] in _TRAIL_CHARS):
        end -= 1
    return core[:end]


def _action(raw: str) -> str:
    """The first three words of an action, without articles: "cite the source" -> "cite source"."""
    words = [w for w in raw.lower().replace("'", "").split() if w not in _FILLER]
    return " ".join(words[:3]) if len(words) >= 2 else ""


# A claim found in one block: kind, sentence start and end (block-relative), text, action.
_BlockClaim = tuple[str, int, int, str, str]


def _claims(doc: PromptDocument, code: str, options: _Options) -> list[_Claim]:
    """The claims of ``doc``'s directives, in order, found block by block (a
    sentence never crosses a line break, so never a block's edge)."""
    blocks = blockfacts.blocks_of(doc.text)
    placed = blockfacts.place(blocks, directive_spans(doc))
    out: list[_Claim] = []
    for where, found in blockfacts.fact("claims", _block_claims, blocks, placed, (code, options)):
        base = where.start
        out.extend(
            _Claim(kind, _Sentence(Span(base + start, base + end), plain), action)
            for kind, start, end, plain, action in found
        )
    return out


def _block_claims(
    text: str, rel: blockfacts.RelSpans, last: bool, argument: tuple[str, _Options]
) -> tuple[_BlockClaim, ...]:
    patterns = _compiled(*argument)
    out: list[_BlockClaim] = []
    condition = patterns["condition"]
    # A sentence with a condition is never a claim. Most sentences are no
    # claim anyway, and the anchored whole-sentence patterns reject them at
    # once, where the condition words are searched through the sentence: so
    # the condition is looked for only in a claim (same claims, in order).
    # Patterns from the settings run under a time limit per call, so with
    # those the condition still goes first and the calls stay as they were.
    claims_first = all(isinstance(compiled(p), re.Pattern) for p in patterns.values())
    kinds = [(kind, patterns[kind].fullmatch) for kind in _KINDS]
    words = _claim_words(*argument) if claims_first else None
    for start, end, plain in _sentences(text, rel, words):
        if not claims_first and condition.search(plain):
            continue
        found: list[_BlockClaim] = []
        for kind, fullmatch in kinds:
            if fullmatch(plain):
                found.append((kind, start, end, plain, ""))
                break
        else:
            for kind, pattern in (("always", _ALWAYS), ("never", _NEVER)):
                m = pattern.fullmatch(plain)
                if m and (action := _action(m.group("action"))):
                    found.append((kind, start, end, plain, action))
        if found and (not claims_first or not condition.search(plain)):
            out.extend(found)
    return tuple(out)


def _options(ctx: CheckContext) -> _Options:
    return tuple(
        (name, tuple(value))
        for name, value in sorted(ctx.options.items())
        if name.endswith("_patterns")
    )


@register(
    "contradicting-instructions",
    variants={
        "length": ("this", "other", "line"),
        "format": ("this", "other", "line"),
        "always_never": ("this", "other", "line"),
        "length_included": ("this", "other", "line", "file"),
        "format_included": ("this", "other", "line", "file"),
        "always_never_included": ("this", "other", "line", "file"),
    },
)
def contradicting_instructions(ctx: CheckContext) -> Iterator[Hit]:
    doc = ctx.document
    options = _options(ctx)
    claims = _claims(doc, ctx.rule.code, options)
    yield from _conflicts(doc, claims)
    yield from _across_files(ctx, claims, options)


def _across_files(ctx: CheckContext, claims: Sequence[_Claim], options: _Options) -> Iterator[Hit]:
    """This file's instructions against those of the files it includes (sent with it).

    The finding is on this file's instruction; the related location is in the
    included file. Each included file is compared once, with what it says itself.
    """
    if not claims or ctx.composition is None or ctx.project is None:
        return
    from promptwise.project.composition import load

    by_key = {_key(c): c for c in reversed(claims)}  # the first claim of each kind
    reported: set[tuple[str, str, str]] = set()
    seen: set[str] = set()
    for inclusion in ctx.composition.inclusions:
        if inclusion.path in seen:
            continue
        seen.add(inclusion.path)
        included = load(ctx.project, inclusion.path)
        if included is None:
            continue
        name = PurePath(inclusion.path).name
        for other in _claims(included, ctx.rule.code, options):
            mine = by_key.get(_opposite_key(other))
            if mine is None:
                continue
            low, high = sorted((_key(mine)[0], _key(other)[0]))
            pair = (inclusion.path, low, high)
            if pair in reported:
                continue
            reported.add(pair)
            line = str(included.lines.line_of(other.sentence.span.start) + 1)
            variant, this, that = _words(mine, other)
            yield Hit(
                mine.sentence.span,
                {"this": this, "other": that, "line": line, "file": name},
                f"{variant}_included",
                related=(
                    Related(
                        f"the opposite instruction, in {name}: {other.sentence.text}",
                        inclusion.path,
                        other.sentence.span,
                        line=int(line),  # the included file may not be open in the editor
                    ),
                ),
            )


def _key(claim: _Claim) -> tuple[str, str]:
    return (claim.kind, claim.action)


def _opposite_key(claim: _Claim) -> tuple[str, str]:
    if claim.kind in ("always", "never"):
        return ("never" if claim.kind == "always" else "always", claim.action)
    return (_OPPOSITE[claim.kind], "")


def _words(claim: _Claim, other: _Claim) -> tuple[str, str, str]:
    """The message variant and what each side asks for."""
    if claim.kind in ("always", "never"):
        return "always_never", claim.sentence.text, other.sentence.text
    return _KINDS[claim.kind][0], _KINDS[claim.kind][1], _KINDS[other.kind][1]


def _conflicts(doc: PromptDocument, claims: Sequence[_Claim]) -> Iterator[Hit]:
    first: dict[tuple[str, str], _Claim] = {}  # (kind, action) -> its first claim
    reported: set[tuple[tuple[str, str], ...]] = set()
    for claim in claims:
        if claim.kind in ("always", "never"):
            other_kind = "never" if claim.kind == "always" else "always"
            key, other_key = (claim.kind, claim.action), (other_kind, claim.action)
            variant = "always_never"
        else:
            key, other_key = (claim.kind, ""), (_OPPOSITE[claim.kind], "")
            variant = _KINDS[claim.kind][0]
        first.setdefault(key, claim)
        other = first.get(other_key)
        pair = tuple(sorted((key, other_key)))
        if other is None or pair in reported:
            continue
        reported.add(pair)  # one finding per pair of opposite instructions
        line = str(doc.lines.line_of(other.sentence.span.start) + 1)
        if variant == "always_never":
            this, that = claim.sentence.text, other.sentence.text
        else:
            this, that = _KINDS[claim.kind][1], _KINDS[other.kind][1]
        yield Hit(
            claim.sentence.span,
            {"this": this, "other": that, "line": line},
            variant,
            related=(
                Related(
                    f"the opposite instruction: {other.sentence.text}",
                    doc.path,
                    other.sentence.span,
                ),
            ),
        )
