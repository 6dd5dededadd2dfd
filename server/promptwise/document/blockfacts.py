"""Per-block facts: what a whole-document judgement reads, cached by block text.

A keystroke in a large prompt changes one paragraph, yet the judgements
that read the whole prompt (directive spans, the task profile's pattern
searches, the sentences compared for contradictions) used to rescan every
paragraph of every version. Here the text is cut into blocks and each such
fact is computed per block, from the block's own text and the parts of it
that matter (the prose spans inside it, in block-relative offsets), and
cached by exactly that. A document-level answer is a fold over the blocks:
cached facts shifted to where their block now starts, in order. An edit
therefore re-derives only the blocks whose text or spans changed; the
counter :func:`analysed` says how many, and the tests assert it.

Where a block ends is a matter of granularity, never of results: every fact
kept here is *line-local* (what is found on a line depends only on that line
and the spans on it, never on text past a line break) or, for pattern
searches, *block-local* (see :func:`block_local`), and a block always starts
at a line start and ends just after a blank line (or at the end of the
text), so the fold gives exactly what the whole-text computation gives.
Paragraphs (text up to a blank line) are the natural unit of an edit;
consecutive paragraphs are grouped into blocks of a few kilobytes, cut
where a paragraph's opening hashes to a chosen residue (content-defined, as
``rsync`` cuts files), so an edit moves no other block's boundary. Grouping
keeps the fold cheap: a document-level search visits a few hundred blocks
of a megabyte, not thousands of paragraphs.
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from promptwise.document.text import Span
from promptwise.memo import SizedCache, text_bytes

try:  # Python 3.11+
    from re import _compiler, _parser  # type: ignore[attr-defined]
    from re import _constants as _c  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_compile as _compiler
    import sre_constants as _c
    import sre_parse as _parser

# The end of a paragraph: a line break followed by one or more blank lines.
_PARAGRAPH_END = re.compile(r"\n(?:[ \t\r\f\v]*\n)+")
# A block ends before a paragraph whose opening hashes to 0 modulo this
# (about 16 paragraphs, 3 KB of prose), or at these caps, whichever first.
_CUT_EVERY = 16
_MAX_PARAGRAPHS = 64
_MAX_CHARS = 16_384
_OPENING = 48  # characters of a paragraph's opening that decide a cut

RelSpans = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Blocks:
    """One text cut into blocks that tile it: ``starts[i]`` to ``starts[i + 1]``."""

    text: str
    starts: tuple[int, ...]
    texts: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.starts)


def cut(text: str) -> Blocks:
    """Cut ``text`` into blocks at paragraph starts (see the module docstring)."""
    starts = [0]
    paragraphs = 0
    crc = zlib.crc32
    length = len(text)
    for end in [m.end() for m in _PARAGRAPH_END.finditer(text)]:
        if end >= length:
            break
        paragraphs += 1
        opening = text[end : end + _OPENING].encode("utf-8", "surrogatepass")
        if (
            crc(opening) % _CUT_EVERY == 0
            or paragraphs >= _MAX_PARAGRAPHS
            or end - starts[-1] >= _MAX_CHARS
        ):
            starts.append(end)
            paragraphs = 0
    bounds = [*starts, length]
    return Blocks(
        text, tuple(starts), tuple(text[bounds[i] : bounds[i + 1]] for i in range(len(starts)))
    )


_blocks_lock = threading.Lock()
_recent_blocks: list[Blocks] = []  # the texts cut last (a document is analysed by many rules)


def blocks_of(text: str) -> Blocks:
    """:func:`cut`, remembered for the few texts analysed last (compared by identity)."""
    with _blocks_lock:
        for found in _recent_blocks:
            if found.text is text:
                return found
    made = cut(text)
    with _blocks_lock:
        _recent_blocks.insert(0, made)
        del _recent_blocks[4:]
    return made


@dataclass(frozen=True)
class Placed:
    """The parts of ``spans`` inside one block, relative to the block's start.

    ``last`` marks the block holding the end of the last span: a scan that
    runs "up to the last span's end" stops there instead of at the block's end.
    """

    index: int
    start: int
    rel: RelSpans
    last: bool


_placed_lock = threading.Lock()
_recent_placed: list[tuple[Blocks, Sequence[Span], tuple[Placed, ...]]] = []


def place(blocks: Blocks, spans: Sequence[Span]) -> tuple[Placed, ...]:
    """``spans`` (sorted, disjoint) cut at block edges, per block that holds any.

    Remembered per (blocks, spans object), for the text placed last: a
    document's prose spans are placed once and read by every pattern search.
    """
    with _placed_lock:
        for b, s, found in _recent_placed:
            if b is blocks and s is spans:
                return found
    made = _place(blocks, spans)
    with _placed_lock:
        if _recent_placed and _recent_placed[0][0] is not blocks:
            _recent_placed.clear()  # one text's: older blocks are not kept alive here
        _recent_placed.insert(0, (blocks, spans, made))
        del _recent_placed[16:]
    return made


def _place(blocks: Blocks, spans: Sequence[Span]) -> tuple[Placed, ...]:
    out: list[Placed] = []
    starts = blocks.starts
    ends = (*starts[1:], len(blocks.text))
    i = 0
    rel: list[tuple[int, int]] = []
    for span in spans:
        start, end = span.start, span.end
        while start < end:
            while ends[i] <= start:  # the last block ends at the text's end
                if rel:
                    out.append(Placed(i, starts[i], tuple(rel), False))
                    rel = []
                i += 1
            base = starts[i]
            stop = min(end, ends[i])
            rel.append((start - base, stop - base))
            start = stop
    if rel:
        out.append(Placed(i, starts[i], tuple(rel), True))
    return tuple(out)


class _Entry:
    """The facts of one (block text, relative spans), and what they are charged."""

    __slots__ = ("facts", "size")

    def __init__(self, size: int) -> None:
        self.facts: dict[Hashable, Any] = {}
        self.size = size


def _entry_bytes(key: tuple[str, RelSpans], entry: _Entry) -> int:
    return entry.size


_cache: SizedCache[tuple[str, RelSpans], _Entry] = SizedCache("block facts", 0.10, _entry_bytes)


@dataclass
class _Counts:
    """What was computed rather than found: per fact name, and which blocks."""

    by_fact: dict[str, int] = field(default_factory=dict)
    blocks: set[int] = field(default_factory=set)  # hashes of the blocks' texts


_counts = _Counts()
_MAX_COUNTED = 100_000  # the set of blocks is a diagnostic; it never grows without bound


def analysed() -> dict[str, int]:
    """How many blocks each fact was computed for since :func:`reset_counts`."""
    return dict(_counts.by_fact)


def analysed_blocks() -> int:
    """How many different blocks had any fact computed since :func:`reset_counts`."""
    return len(_counts.blocks)


def reset_counts() -> None:
    _counts.by_fact.clear()
    _counts.blocks.clear()


def clear_cache() -> None:
    _cache.clear()
    with _blocks_lock:
        _recent_blocks.clear()
    with _placed_lock:
        _recent_placed.clear()
    with _entries_lock:
        _recent_entries.clear()


def _value_bytes(value: Any) -> int:
    """About what a fact holds: a tuple of offsets, or of small records
    whose strings (a sentence, a line's words) are charged as they are."""
    if not isinstance(value, tuple):
        return 64
    size = 64 + 8 * len(value)
    for item in value:
        if isinstance(item, tuple):
            size += 64 + sum(text_bytes(x) if isinstance(x, str) else 32 for x in item)
        else:
            size += 32
    return size


# A fact: a name, and a function of (block text, relative spans, last, argument).
Compute = Callable[[str, RelSpans, bool, Any], Any]


_entries_lock = threading.Lock()
# The cache entries of the blocks of a placement read last: a document's
# prose is searched with a hundred patterns, and looking each block up in
# the cache for every one of them (hashing its spans, comparing its text
# with the key's) cost more than the searches did. Only the placements of
# one text are kept: entries the cache has evicted would otherwise live on
# here, outside its memory budget, for every document analysed lately.
_recent_entries: list[tuple[Blocks, Sequence[Placed], list[_Entry | None]]] = []
_MISSING = object()


def _entries_of(blocks: Blocks, placed: Sequence[Placed]) -> list[_Entry | None]:
    with _entries_lock:
        for b, p, found in _recent_entries:
            if p is placed and b is blocks:
                return found
    texts = blocks.texts
    get = _cache.get
    made = [get((texts[where.index], where.rel)) for where in placed]
    with _entries_lock:
        if _recent_entries and _recent_entries[0][0] is not blocks:
            _recent_entries.clear()
        _recent_entries.insert(0, (blocks, placed, made))
        del _recent_entries[16:]
    return made


def fact(
    name: str,
    compute: Compute,
    blocks: Blocks,
    placed: Sequence[Placed],
    argument: Hashable = None,
) -> Iterator[tuple[Placed, Any]]:
    """``compute`` for every placed block, in order, each found in the cache if it can be.

    ``compute`` must read nothing but its arguments: the block's text, the
    spans inside it (block-relative), whether it holds the last span's end,
    and ``argument`` (a pattern, options); all of them are the cache key.
    Lazy, so a search that stops at its first hit reads only the blocks before it.
    ``placed`` is best the very object :func:`place` returned: the blocks'
    cache entries are then looked up once for all the facts read of it.
    """
    texts = blocks.texts
    entries = _entries_of(blocks, placed)
    fact_key = (name, argument)
    for n, where in enumerate(placed):
        entry = entries[n]
        key = (fact_key, where.last)
        if entry is not None:
            value = entry.facts.get(key, _MISSING)
            if value is not _MISSING:
                yield where, value
                continue
        block = texts[where.index]
        if entry is None:
            entry = entries[n] = _Entry(text_bytes(block) + 40 * len(where.rel) + 200)
        value = compute(block, where.rel, where.last, argument)
        entry.facts[key] = value
        entry.size += _value_bytes(value)
        _cache.put((block, where.rel), entry)
        _counts.by_fact[name] = _counts.by_fact.get(name, 0) + 1
        if len(_counts.blocks) >= _MAX_COUNTED:
            _counts.blocks.clear()
        _counts.blocks.add(hash(block))
        yield where, value


def spans_in(rel: RelSpans) -> list[Span]:
    """Relative offset pairs as spans (for a fact's computation)."""
    return [Span(s, e) for s, e in rel]


# ------------------------------------------------------ block-local patterns

_NEWLINE = 10
_NEWLINE_CATEGORIES = frozenset(
    {
        _c.CATEGORY_SPACE,
        _c.CATEGORY_NOT_DIGIT,
        _c.CATEGORY_NOT_WORD,
        _c.CATEGORY_LINEBREAK,
        _c.CATEGORY_UNI_SPACE,
        _c.CATEGORY_UNI_NOT_DIGIT,
        _c.CATEGORY_UNI_NOT_WORD,
        _c.CATEGORY_UNI_LINEBREAK,
    }
)
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT))
_ATOMIC = getattr(_c, "ATOMIC_GROUP", object())  # Python 3.11+
_block_local: dict[re.Pattern[str], bool] = {}
_MAX_REMEMBERED = 1024


def block_local(pattern: re.Pattern[str]) -> bool:
    """True when no match of ``pattern`` can depend on text past a block's end.

    Blocks end just after the line break that closes a blank line. That
    holds when nothing in the pattern (lookarounds included) can match a line
    break, except right after a lookbehind that no blank character satisfies
    (``(?<=,)\n``: a list continued on the next line); no anchor other than a
    word boundary or a multi-line ``^``/``$`` is used; and every match is at
    least one character long. Such a pattern finds, in a block, exactly what
    it finds at the same place in the whole text; any other pattern is
    searched over the whole text, as before.
    """
    known = _block_local.get(pattern)
    if known is None:
        try:
            parsed = _parser.parse(pattern.pattern, pattern.flags)
            known = parsed.getwidth()[0] > 0 and not takes_newline(
                list(parsed), bool(pattern.flags & re.S), bool(pattern.flags & re.M)
            )
        except (re.error, TypeError, ValueError, RecursionError):
            known = False
        if len(_block_local) >= _MAX_REMEMBERED:
            _block_local.clear()
        _block_local[pattern] = known
    return known


_heads: dict[re.Pattern[str], re.Pattern[str] | None] = {}


def local_head(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The longest opening of ``pattern`` that is block-local, compiled; None if empty.

    A pattern that may look past a blank line (``example:\\s*(.+)``, the
    sample on a later line) cannot be searched block by block, but it
    matches at a position only where its opening does (the items before the
    first that may take a line break). When that opening is block-local it
    can be tried per block and cached: the whole pattern is then tried in the
    whole text only where its opening matched, which in a large prompt is
    rarely anywhere.
    """
    if pattern in _heads:
        return _heads[pattern]
    head: re.Pattern[str] | None = None
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        items = list(parsed)
        dotall, multiline = bool(pattern.flags & re.S), bool(pattern.flags & re.M)
        size = 0
        while size < len(items) and not takes_newline(items[: size + 1], dotall, multiline):
            size += 1
        if 0 < size < len(items):
            opening = _parser.SubPattern(parsed.state, items[:size])
            if opening.getwidth()[0] > 0:
                head = _compiler.compile(opening, pattern.flags)
    except (re.error, TypeError, ValueError, RecursionError):
        head = None
    if len(_heads) >= _MAX_REMEMBERED:
        _heads.clear()
    _heads[pattern] = head
    return head


def takes_newline(
    items: Sequence[Any],
    dotall: bool = False,
    multiline: bool = False,
    *,
    assertions: bool = True,
    after_text: bool = True,
) -> bool:
    """Whether a match of the parsed ``items`` may take a line break.

    The one walker behind :func:`block_local` and the phrase prefilter's
    line test (``rules/prefilter.py``), which differ in two questions:

    - ``assertions``: whether what a match only *looks at* counts too
      (lookarounds, anchors other than a word boundary or a multi-line
      ``^``/``$``). A block-local pattern must not even look past a line;
      the prefilter only asks where a match can start, so it ignores them.
    - ``after_text``: whether a line break right after a one-character
      lookbehind that no blank character satisfies (``(?<=,)\\n``, a list
      continued on the next line) is allowed: never the line break that
      closes a blank line, where blocks end, but still a line break.

    True whenever the walker does not understand a construct.
    """
    for index, (op, av) in enumerate(items):
        if after_text and op in _ONE_CHARACTER and index and _after_text(items[index - 1]):
            continue
        if op is _c.LITERAL:
            if av == _NEWLINE:
                return True
        elif op is _c.NOT_LITERAL:
            if av != _NEWLINE:
                return True
        elif op is _c.ANY:
            if dotall:
                return True
        elif op is _c.IN:
            if _set_has_newline(av):
                return True
        elif op is _c.BRANCH:
            if any(
                takes_newline(b, dotall, multiline, assertions=assertions, after_text=after_text)
                for b in av[1]
            ):
                return True
        elif op is _c.SUBPATTERN:
            _, add, remove, sub = av
            inner_dotall = (dotall or bool(add & re.S)) and not remove & re.S
            inner_multiline = (multiline or bool(add & re.M)) and not remove & re.M
            if takes_newline(
                sub, inner_dotall, inner_multiline, assertions=assertions, after_text=after_text
            ):
                return True
        elif op in _REPEATS:
            if takes_newline(
                av[2], dotall, multiline, assertions=assertions, after_text=after_text
            ):
                return True
        elif op is _ATOMIC:
            if takes_newline(av, dotall, multiline, assertions=assertions, after_text=after_text):
                return True
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            if assertions and takes_newline(
                av[1], dotall, multiline, assertions=assertions, after_text=after_text
            ):
                return True
        elif op is _c.AT:
            if not assertions or av in (_c.AT_BOUNDARY, _c.AT_NON_BOUNDARY):
                continue
            if av in (_c.AT_BEGINNING, _c.AT_END) and multiline:
                continue
            return True
        elif op is _c.GROUPREF:
            # Repeats what a group took; the group is checked where it stands,
            # unless it stands in a lookaround that is not being checked.
            if not assertions:
                return True
        elif op is _c.GROUPREF_EXISTS:
            _, yes, no = av
            if takes_newline(
                yes, dotall, multiline, assertions=assertions, after_text=after_text
            ) or (
                no is not None
                and takes_newline(
                    no, dotall, multiline, assertions=assertions, after_text=after_text
                )
            ):
                return True
        else:
            return True  # anything not understood here may
    return False


def _set_has_newline(items: list[Any]) -> bool:
    negate = False
    hit = False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            hit = hit or av == _NEWLINE
        elif op is _c.RANGE:
            hit = hit or av[0] <= _NEWLINE <= av[1]
        elif op is _c.CATEGORY:
            hit = hit or av in _NEWLINE_CATEGORIES
        else:
            return True
    return hit != negate


_BLANKS = "\n \t\r\f\v"
_ONE_CHARACTER = (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN)


def _after_text(item: tuple[Any, Any]) -> bool:
    """A one-character lookbehind that no blank character satisfies."""
    op, av = item
    if op is not _c.ASSERT or av[0] >= 0 or len(av[1]) != 1:
        return False
    try:
        guard = re.compile(_unparse_one(av[1][0]))
    except (re.error, ValueError):
        return False
    return not any(guard.fullmatch(blank) for blank in _BLANKS)


def _unparse_one(item: tuple[Any, Any]) -> str:
    """A pattern for one literal or character set of a parsed pattern."""
    op, av = item
    if op is _c.LITERAL:
        return re.escape(chr(av))
    if op is _c.IN:
        parts = []
        negate = ""
        for inner, value in av:
            if inner is _c.NEGATE:
                negate = "^"
            elif inner is _c.LITERAL:
                parts.append(re.escape(chr(value)))
            elif inner is _c.RANGE:
                parts.append(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
            else:
                raise ValueError("a category")
        return f"[{negate}{''.join(parts)}]"
    raise ValueError("not one character")


def per_block(
    name: str,
    compute: Compute,
    text: str,
    spans: Sequence[Span],
    argument: Hashable = None,
    *,
    from_size: int,
) -> Iterator[tuple[int, Any]]:
    """``compute``'s values over ``spans``, each with the offset its positions count from.

    A text of ``from_size`` characters or more is read block by block through
    :func:`fact`, so an edit computes again only the blocks it touched; a
    smaller one in a single call over the whole text (offset 0), which costs
    less than cutting it. ``compute`` must be block-local, as :func:`fact` says.
    """
    if len(text) >= from_size and spans:
        blocks = blocks_of(text)
        for where, value in fact(name, compute, blocks, place(blocks, spans), argument):
            yield where.start, value
    else:
        yield 0, compute(text, tuple((s.start, s.end) for s in spans), True, argument)


# From this length on, :func:`finditer_local` reads per-block match starts.
LOCAL_MATCHES_FROM = 32_768


def finditer_local(pattern: re.Pattern[str], text: str, span: Span) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text, span.start, span.end)``, folded from per-block
    match starts in a large text when the pattern is block-local.

    In a block, such a pattern finds the starts the whole scan finds there
    (see :func:`block_local`); each is matched again in the whole text, up to
    the span's end, which gives the match the whole scan gives. An edit
    therefore searches one block again, not the whole span.
    """
    if len(text) < LOCAL_MATCHES_FROM or not block_local(pattern):
        yield from pattern.finditer(text, span.start, span.end)
        return
    match = pattern.match
    for base, starts in per_block(
        "pattern matches", _match_starts, text, [span], pattern, from_size=LOCAL_MATCHES_FROM
    ):
        for rel in starts:
            m = match(text, base + rel, span.end)
            if m is not None:  # always, by the argument above
                yield m


def _match_starts(
    text: str, rel: RelSpans, last: bool, pattern: re.Pattern[str]
) -> tuple[int, ...]:
    return tuple(m.start() for start, end in rel for m in pattern.finditer(text, start, end))
