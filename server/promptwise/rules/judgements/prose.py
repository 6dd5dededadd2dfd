"""Instruction prose: where the judgements look, and how they search it fast.

Every judgement reads the prompt's instruction prose (``doc.prose_spans``:
instructions including inline quotations, never examples, code or data),
often with a dozen patterns over hundreds of spans. The search helpers here
run a pattern over many spans in one pass, through the same literal
prefilter the phrase rules use, and cut prose into clauses (lines and
sentences) for the judgements that read statement by statement.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from promptwise.document import blockfacts
from promptwise.document.model import PromptDocument
from promptwise.document.text import Span
from promptwise.memo import SizedCache
from promptwise.rules import candidates
from promptwise.rules.prefilter import Prefilter, fold
from promptwise.rules.timed import LazyPattern, Pattern, TimedPattern, compiled


def prose_spans(doc: PromptDocument) -> tuple[Span, ...]:
    """Instruction prose *including* inline quotations.

    ``doc.instruction_spans`` leaves quoted strings out, which is right for
    phrase rules; whole-prompt judgements ("says what to reply when it does
    not know") must see them. Computed once per document (several rules ask).
    """
    return doc.prose_spans


def search(
    pattern: Pattern, text: str, spans: Sequence[Span], before: int | None = None
) -> re.Match[str] | None:
    """The first match of ``pattern`` inside any of ``spans`` (starting before ``before``)."""
    return next(finditer(pattern, text, spans, before), None)


# Above this many spans, one scan of the covering range filtered by span is
# cheaper than one regex call per span (documents are cut into hundreds).
_MANY_SPANS = 8


def _starts_bytes(key: int, value: tuple[Sequence[Span], list[int]]) -> int:
    """The spans (kept alive by the entry: about 160 bytes each, measured with
    ``tracemalloc``) and the list of their starts (the ints are the spans')."""
    spans, starts = value
    return sys.getsizeof(spans) + _SPAN_BYTES * len(spans) + sys.getsizeof(starts)


_SPAN_BYTES = 160
# By the bytes it holds, not its entry count: 64 entries of a large file's
# spans were 64 MB the memory budget did not see.
_starts_cache: SizedCache[int, tuple[Sequence[Span], list[int]]] = SizedCache(
    "prose span starts", 0.05, _starts_bytes
)


def _starts(spans: Sequence[Span]) -> list[int]:
    """Start offsets of ``spans``, kept per spans object.

    A profile runs a dozen patterns over the same prose spans (hundreds of
    them in a long file); rebuilding this list for every pattern cost more
    than the regex scans themselves. The entry holds the spans object, so its
    id cannot be reused while cached.
    """
    last = _last[0]
    if last[0] is spans:
        return last[1]
    hit = _starts_cache.get(id(spans))
    if hit is not None and hit[0] is spans:
        _last[0] = hit
        return hit[1]
    starts = [s.start for s in spans]
    _starts_cache.put(id(spans), (spans, starts))
    _last[0] = (spans, starts)  # kept even when too big for the cache's share
    return starts


# The spans searched last and their starts (one document's at most).
_last: list[tuple[Sequence[Span], list[int]]] = [((), [])]


_filters: dict[re.Pattern[str] | LazyPattern, Prefilter] = {}
# The default vocabulary has about 50 patterns; each changed ``rule_options``
# compiles its own, so the prefilters kept are bounded.
_MAX_FILTERS = 512
_lowered: list[str] = ["", ""]  # the last text searched, and its lower-cased form


def search_from(
    pattern: Pattern, text: str, pos: int, endpos: int, before: int | None = None
) -> re.Match[str] | None:
    """``pattern.search(text, pos, endpos)``, found through a literal prefilter.

    The judgement patterns open with ``\\b`` and a long case-insensitive
    alternation, which makes ``re`` try every branch at every position. The
    prefilter (the one the phrase rules use) finds where a match could start
    with a plain literal scan, and the pattern is only tried there; the first
    position where it matches is the leftmost match, as ``search`` returns.
    A pattern from the settings (a ``TimedPattern``) is searched as it is:
    each of its calls runs under the time limit.

    With ``before``, only a match starting before it is returned (None
    otherwise), and the literal scan stops there: a judgement that wants the
    earliest of several findings need not scan past the earliest it has.
    """
    if isinstance(pattern, TimedPattern):
        return _starting_before(pattern.search(text, pos, endpos), before)
    # A lazy pattern stays uncompiled until its literal occurs (its first
    # ``match``), and unparsed while the part every match holds is absent.
    if isinstance(pattern, LazyPattern) and pattern.excludes(text, pos, endpos):
        return None
    found = _filter(pattern)
    literal = found.literal
    if literal is None:
        return _starting_before(pattern.search(text, pos, endpos), before)
    if found.ignorecase:
        if _lowered[0] is not text:
            _lowered[:] = [text, fold(text)]
        haystack = _lowered[1]
        if len(haystack) != len(text):
            return _starting_before(pattern.search(text, pos, endpos), before)
    else:
        haystack = text
    match = pattern.match
    found_starts = candidates.starts(found, text, haystack)
    if found_starts is not None:
        # Every place a literal hit can start is in the list (and maybe more):
        # the first where the pattern matches is the leftmost match.
        limit = endpos if before is None else min(endpos, before)
        for i in range(bisect.bisect_left(found_starts, pos), len(found_starts)):
            at = found_starts[i]
            if at >= limit:
                return None
            m = match(text, at, endpos)
            if m is not None:
                return m
        return None
    find = literal.search
    hit = find(haystack, pos, endpos)
    while hit is not None:
        at = hit.start()
        if before is not None and at >= before:
            return None  # the hits come in order: none later starts before
        m = match(text, at, endpos)
        if m is not None:
            return m
        # The next hit may start inside this one ("for example" hides the
        # "example" in it): search again from the next character, not after it.
        hit = find(haystack, at + 1, endpos)
    return None


def _starting_before(m: re.Match[str] | None, before: int | None) -> re.Match[str] | None:
    return m if m is None or before is None or m.start() < before else None


def finditer(
    pattern: Pattern, text: str, spans: Sequence[Span], before: int | None = None
) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` that each lie within one of ``spans`` (sorted, disjoint),
    in order; with ``before``, those that start before it (the scan stops there)."""
    if before is not None:
        for m in _finditer(pattern, text, spans, before):
            if m.start() >= before:
                return
            yield m
        return
    yield from _finditer(pattern, text, spans, None)


def finditer_from(pattern: Pattern, text: str, start: int) -> Iterator[re.Match[str]]:
    """The matches ``pattern.finditer(text, start)`` finds (a pattern that cannot
    match empty), read from per-block facts in a large text when the pattern is
    block-local: an edit then re-searches one block, not everything after ``start``.
    """
    spans = (Span(start, len(text)),)
    if len(text) >= BLOCKWISE_FROM:
        whole = compiled(pattern)
        if isinstance(whole, re.Pattern) and blockfacts.block_local(whole):
            return _blockwise(whole, text, spans)
    return _finditer(pattern, text, spans, None)


def _finditer(
    pattern: Pattern, text: str, spans: Sequence[Span], before: int | None
) -> Iterator[re.Match[str]]:
    if len(spans) <= _MANY_SPANS:
        for span in spans:
            pos = span.start
            while pos <= span.end:
                m = search_from(pattern, text, pos, span.end, before)
                if m is None:
                    break
                yield m
                pos = m.end() if m.end() > m.start() else m.end() + 1
        return
    # Patterns a config adds run in ``regex`` under a time limit (rules/timed.py):
    # searched whole, as the block-local argument is made for ``re``.
    if len(text) >= BLOCKWISE_FROM and isinstance(pattern := compiled(pattern), re.Pattern):
        if blockfacts.block_local(pattern):
            yield from _blockwise(pattern, text, spans, before)
            return
        if _headed(pattern):
            yield from _headwise(pattern, text, spans, before)
            return
    yield from _scan(pattern, text, spans, _starts(spans), spans[-1].end, before)


# From this length on, a search over many spans reads cached per-block
# matches (``document/blockfacts.py``): an edit re-searches one block. Below
# it the whole scan is cheaper than keeping the facts.
BLOCKWISE_FROM = 32_768


def _scan(
    pattern: Pattern,
    text: str,
    spans: Sequence[Span],
    starts: list[int],
    limit: int,
    before: int | None = None,
) -> Iterator[re.Match[str]]:
    """One scan of the range the spans cover, each hit re-run inside its span.

    With ``before``, the scan ends at the first match that starts at or
    after it: up to there it yields exactly what the whole scan yields
    (every later search starts where the last match was).
    """
    pos = spans[0].start
    while pos < limit:
        m = search_from(pattern, text, pos, limit, before)
        if m is None:
            return
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and m.start() < spans[i].end:
            # Re-run inside the span so anchors and lookarounds see the span's edges.
            inner = search_from(pattern, text, m.start(), spans[i].end, before)
            if inner is not None:
                yield inner
                pos = max(inner.end(), inner.start() + 1)
            else:
                pos = spans[i].end
        elif i + 1 < len(spans):
            pos = spans[i + 1].start
        else:
            return


def _blockwise(
    pattern: re.Pattern[str], text: str, spans: Sequence[Span], before: int | None = None
) -> Iterator[re.Match[str]]:
    """:func:`_scan`, folded from per-block match starts.

    A block-local pattern (``blockfacts.block_local``) finds in a block, with
    the spans clipped to it, exactly the starts the whole scan finds there;
    each is matched again in the whole text, inside its whole span, which
    gives the very match :func:`_scan` yields.
    """
    starts = _starts(spans)
    match = pattern.match
    for at in _cached_starts("prose matches", _block_matches, pattern, text, spans, before):
        m = match(text, at, spans[bisect.bisect_right(starts, at) - 1].end)
        if m is not None:  # always, by the argument above
            yield m


def _cached_starts(
    name: str,
    compute: Callable[[str, blockfacts.RelSpans, bool, re.Pattern[str]], tuple[int, ...]],
    pattern: re.Pattern[str],
    text: str,
    spans: Sequence[Span],
    before: int | None,
) -> Iterator[int]:
    """The starts a per-block fact holds for ``pattern``, in document order;
    with ``before``, those before it (blocks past it are never computed)."""
    blocks = blockfacts.blocks_of(text)
    for where, found in blockfacts.fact(
        name, compute, blocks, blockfacts.place(blocks, spans), pattern
    ):
        if before is not None and where.start >= before:
            return  # every start from here on is later
        for rel in found:
            at = where.start + rel
            if before is not None and at >= before:
                return
            yield at


def _filter(pattern: re.Pattern[str] | LazyPattern) -> Prefilter:
    found = _filters.get(pattern)
    if found is None:
        if len(_filters) >= _MAX_FILTERS:
            _filters.clear()  # patterns of settings no longer in use
        found = _filters[pattern] = Prefilter(pattern, digits=True)
    return found


_headed_known: dict[re.Pattern[str], bool] = {}


def _headed(pattern: re.Pattern[str]) -> bool:
    """Whether :func:`_headwise` can search ``pattern``: it has a block-local
    opening (``blockfacts.local_head``) and a literal prefilter none of whose
    fragments can match a line break (so none reaches across a block's edge)."""
    known = _headed_known.get(pattern)
    if known is None:
        found = _filter(pattern)
        known = (
            found.literal is not None
            and blockfacts.local_head(pattern) is not None
            and not any(re.fullmatch(a, "\n") for f in found.fragments or () for a in f)
        )
        if len(_headed_known) >= _MAX_FILTERS:
            _headed_known.clear()
        _headed_known[pattern] = known
    return known


def _headwise(
    pattern: re.Pattern[str], text: str, spans: Sequence[Span], before: int | None = None
) -> Iterator[re.Match[str]]:
    """:func:`_scan` for a pattern that may look past a blank line, tried only
    where its block-local opening matches (found per block and cached).

    Every match of the pattern inside a span starts where a prefilter
    fragment starts and the opening matches; both are decided within the
    block (the opening is block-local, no fragment takes a line break), so
    the cached candidates hold every start :func:`_scan` can find inside the
    spans. Each is tried against the whole text in order, as :func:`_scan`
    does (a match in a gap between spans yields nothing there, so gaps need
    no candidates), and the match found is re-run inside its span. With
    ``before``, it stops where :func:`_scan` does.
    """
    starts = _starts(spans)
    limit = spans[-1].end
    match = pattern.match
    pos = spans[0].start
    for at in _cached_starts("prose openings", _block_openings, pattern, text, spans, before):
        if at < pos or match(text, at, limit) is None:
            continue
        i = bisect.bisect_right(starts, at) - 1
        inner = search_from(pattern, text, at, spans[i].end, before)
        if inner is not None:
            yield inner
            pos = max(inner.end(), inner.start() + 1)
        else:
            pos = spans[i].end


def _block_openings(
    text: str, rel: blockfacts.RelSpans, last: bool, pattern: re.Pattern[str]
) -> tuple[int, ...]:
    """Where, inside the spans of one block, ``pattern`` could match: a
    prefilter fragment starts there and the pattern's opening matches."""
    head = blockfacts.local_head(pattern)
    assert head is not None  # by _headed
    endpos = rel[-1][1] if last else len(text)
    haystack = fold(text) if _filter(pattern).ignorecase else text
    out: list[int] = []
    if len(haystack) != len(text):  # lower-casing moved offsets: try the opening itself
        for at in _every_start(head.search, text, rel, endpos):
            out.append(at)
        return tuple(out)
    literal = _filter(pattern).literal
    assert literal is not None  # by _headed
    opening = head.match
    for at in _every_start(literal.search, haystack, rel, endpos):
        if opening(text, at, endpos) is not None:
            out.append(at)
    return tuple(out)


def _every_start(
    search: Callable[[str, int, int], re.Match[str] | None],
    text: str,
    rel: blockfacts.RelSpans,
    endpos: int,
) -> Iterator[int]:
    """Every start inside the spans where ``search`` matches, overlapping ones too.

    A search that finds nothing before its span ends may run far past it;
    its hit is kept for the spans after, since it is still the first match at
    or after their starts. Searching again from each span would rescan the
    same stretch once per span: quadratic on a line cut into many spans.
    """
    ahead: re.Match[str] | None = None
    searched = -1  # ``ahead`` is the first match at or after this offset
    for s, e in rel:
        if searched < 0 or (ahead is not None and s > ahead.start()):  # spans are sorted
            ahead, searched = search(text, s, endpos), s
        if ahead is None:
            return  # nothing matches from here on
        while ahead is not None and ahead.start() < e:
            at = ahead.start()
            yield at
            ahead, searched = search(text, at + 1, endpos), at + 1


def _block_matches(
    text: str, rel: blockfacts.RelSpans, last: bool, pattern: re.Pattern[str]
) -> tuple[int, ...]:
    spans, starts = _rel_spans(rel)
    limit = spans[-1].end if last else len(text)
    return tuple(m.start() for m in _scan(pattern, text, spans, starts, limit))


def _rel_spans(rel: blockfacts.RelSpans) -> tuple[list[Span], list[int]]:
    """A block's spans and their starts, built once for all the patterns
    searched in it.

    Every judgement pattern reads the same placement of the prose, so the
    same ``rel`` comes in pattern after pattern; a line cut into thousands of
    spans (a template hole every few characters) built them thirty times,
    which doubled the cost per character of the blockwise path.
    """
    last = _last_rel[0]
    if last[0] is rel:
        return last[1], last[2]
    spans = blockfacts.spans_in(rel)
    starts = [s.start for s in spans]
    _last_rel[0] = (rel, spans, starts)
    return spans, starts


# The block placement searched last, as spans and their starts (one block's at most).
_last_rel: list[tuple[blockfacts.RelSpans, list[Span], list[int]]] = [((), [], [])]


@dataclass(frozen=True)
class Clause:
    """A line, or a sentence within a line, of instruction prose."""

    span: Span
    text: str


# The blanks between two sentences: after a full stop, ! or ? that follows a
# character other than a digit or a blank, before a capital, a quote or a
# bracket. The blanks are group 1. The punctuation opens the pattern so that
# ``re`` skips to it at C speed; opening with the look-behind made it try
# every character of the prose (a third of cutting clauses).
_SENTENCE_END = LazyPattern(r"[.!?](?<=[^\d\s][.!?])([ \t]+)(?=[A-Z\"'*(`])")


def clauses(doc: PromptDocument, spans: Sequence[Span] | None = None) -> list[Clause]:
    """Instruction prose cut into lines and sentences, in document order."""
    return list(iter_clauses(doc, spans))


def iter_clauses(doc: PromptDocument, spans: Sequence[Span] | None = None) -> Iterator[Clause]:
    """:func:`clauses`, lazily: the task statement is looked for only near the
    top, so cutting a long prompt into sentences would mostly be wasted."""
    return clauses_in(doc.text, spans if spans is not None else prose_spans(doc))


def clauses_in(text: str, spans: Iterable[Span]) -> Iterator[Clause]:
    """:func:`iter_clauses` over any text: a line never spans two blocks, so
    per-block facts (``document/blockfacts.py``) cut a block's clauses alone."""
    for start, end, piece in clause_pieces(text, ((s.start, s.end) for s in spans)):
        yield Clause(Span(start, end), piece)


def clause_pieces(text: str, spans: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int, str]]:
    """:func:`clauses_in` as (start, end, text) triples, for a caller that
    reads every clause of a block and keeps few (no objects built per clause)."""
    for span_start, span_end in spans:
        pos = span_start
        while pos < span_end:
            nl = text.find("\n", pos, span_end)
            end = span_end if nl == -1 else nl
            line = text[pos:end]
            start = 0
            for m in _SENTENCE_END.finditer(line):
                cut = m.start(1)
                piece = line[start:cut]
                if piece.strip():
                    yield pos + start, pos + cut, piece
                start = m.end()
            piece = line[start:] if start else line
            if piece.strip():
                yield pos + start, end, piece
            pos = end + 1


def strip_span(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def first_line(text: str, span: Span) -> Span:
    nl = text.find("\n", span.start, span.end)
    return strip_span(text, Span(span.start, span.end if nl == -1 else nl))


def forget() -> None:
    """Drop the per-text search state and the per-block facts (for :func:`clear_cache`)."""
    _starts_cache.clear()
    _last[0] = ((), [])
    _last_rel[0] = ((), [], [])
    blockfacts.clear_cache()
    _lowered[:] = ["", ""]
    candidates.forget()
