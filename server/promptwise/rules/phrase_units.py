"""The phrase rules' kept matches, cached per run of pieces (issue 16, row 2).

The declarative phrase rules scan each piece of a document (the token
pieces, cached by text in the engine) and then keep the matches that lie in
the rule's scope and are not made precise by their line (``unless_near``,
``unless_line``, ``preceded_by``, ``not_preceded_by``). The scan was cached per piece, but every
version still walked all pieces, shifted every match, and ran the line
checks for every match of the document again: about a quarter of an edit in
a large prompt. Here the pieces are grouped into *units* (runs of about 16
pieces, cut content-defined before a piece whose opening hashes to a chosen
residue, so an edit moves no other unit's edge) and each unit's kept
matches are cached by everything they are computed from:

- the unit's text, from the start of the line of its first piece to the end
  of its last piece, and where the pieces lie in it (each piece is scanned
  on its own, exactly as before: a phrase that runs over a piece's edge is
  not a match there either);
- the scope spans cut at the unit's edges, relative to its start (exact
  when the spans are sorted and disjoint, which is checked);
- whether the unit starts at the text's start and ends at its end.

The line checks read the unit's text, preceded by the line break that
precedes it in the document. That gives the document's answer whenever
nothing they look at lies past that line break, which holds for every
lookbehind that cannot match a line break (:func:`context_free`; a rule
whose checks may look further is filtered on the whole text, as before).
A match whose line runs past the unit's end (it ends at the unit's end and
the text goes on) is kept *pending*: the fold checks it against the
document. A document-level answer is the fold of the units' cached answers,
shifted to where each unit now starts; :func:`analysed` counts the units
computed rather than found, and the tests assert it.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from promptwise.document.blockfacts import takes_newline
from promptwise.document.text import Span
from promptwise.memo import SizedCache, Tally, text_bytes
from promptwise.rules import matchers
from promptwise.rules.timed import TimedPattern, source_of

try:  # Python 3.11+
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c
    import sre_parse as _parser

# A unit ends before a piece (starting a line) whose opening hashes to 0
# modulo this, or at these caps, whichever first.
_CUT_EVERY = 16
_MAX_PIECES = 64
_MAX_CHARS = 32_768
_OPENING = 48
# Started from another value than blockfacts' cut: the same hash would cut
# before every block when the pieces are themselves blocks.
_SEED = 0x9E3779B9

Pair = tuple[int, int]
Pieces = Sequence[tuple[Span, str]]
Scan = Callable[[str], Mapping[str, Sequence[Pair]]]


@dataclass(frozen=True)
class Unit:
    """A run of consecutive pieces, read from the start of its first piece's line."""

    start: int  # the start of the line holding the first piece's start
    end: int  # the last piece's end
    first: int  # index of its first piece
    stop: int  # index past its last piece


def units_of(text: str, pieces: Pieces) -> list[Unit] | None:
    """The pieces grouped into units, or None when they overlap or run backwards."""
    if not pieces:
        return []
    units: list[Unit] = []
    crc = zlib.crc32
    last_end = -1
    first = 0
    chars = 0
    for k, (span, piece) in enumerate(pieces):
        if span.start < last_end or span.end < span.start:
            return None
        if (
            k > first
            and (span.start == 0 or text[span.start - 1] == "\n")
            and (
                crc(piece[:_OPENING].encode("utf-8", "surrogatepass"), _SEED) % _CUT_EVERY == 0
                or k - first >= _MAX_PIECES
                or chars >= _MAX_CHARS
            )
        ):
            units.append(_unit(text, pieces, first, k))
            first, chars = k, 0
        chars += span.end - span.start
        last_end = span.end
    units.append(_unit(text, pieces, first, len(pieces)))
    return units


def _unit(text: str, pieces: Pieces, first: int, stop: int) -> Unit:
    start = pieces[first][0].start
    return Unit(text.rfind("\n", 0, start) + 1, pieces[stop - 1][0].end, first, stop)


def clip(spans: Sequence[Span], units: Sequence[Unit]) -> list[tuple[Pair, ...]] | None:
    """``spans`` cut at the units' edges, relative to each unit's start.

    None unless the spans are sorted and disjoint: only then does "inside
    one span" (a bisect on the starts) read the same in a unit as in the text.
    """
    previous = None
    for span in spans:
        if previous is not None and span.start < previous.end:
            return None
        previous = span
    out: list[tuple[Pair, ...]] = []
    i = 0
    n = len(spans)
    for unit in units:
        while i < n and spans[i].end <= unit.start:
            i += 1
        rel: list[Pair] = []
        j = i
        while j < n and spans[j].start < unit.end:
            rel.append(
                (
                    max(spans[j].start, unit.start) - unit.start,
                    min(spans[j].end, unit.end) - unit.start,
                )
            )
            j += 1
        out.append(tuple(rel))
    return out


# ----------------------------------------------------- which checks qualify

# By the matcher's identity; the matcher is kept so that its id is never reused.
_context_free: dict[int, tuple[matchers.CompiledMatcher, bool]] = {}


def context_free(matcher: matchers.CompiledMatcher) -> bool:
    """Whether the line checks of ``matcher`` read nothing before its line's start
    but the line break there: every lookbehind in them cannot match a line break.

    Such a lookbehind fails (or, negated, holds) wherever it would reach past
    the line's start, both in the document and in a unit's text that starts
    with that line break, so the two answer alike.
    """
    key = id(matcher)
    remembered = _context_free.get(key)
    if remembered is not None:
        return remembered[1]
    known = True
    for pattern in (
        matcher.unless_near,
        matcher.unless_line,
        matcher.preceded_by,
        matcher.not_preceded_by,
    ):
        if pattern is None:
            continue
        try:
            # Parsed from the source: a lazy pattern stays uncompiled.
            source = (
                (pattern.pattern, pattern.flags)
                if isinstance(pattern, TimedPattern)
                else source_of(pattern)
            )
            parsed = _parser.parse(*source)
            dotall = bool(parsed.state.flags & _c.SRE_FLAG_DOTALL)
            known = known and not _reaches_back(list(parsed), dotall)
        except Exception:  # an unusual construct: filtered on the whole text
            known = False
    _context_free[key] = (matcher, known)
    return known


def _reaches_back(items: Sequence[Any], dotall: bool) -> bool:
    """A lookbehind in ``items`` that may match a line break (or one not understood)."""
    for op, av in items:
        if op in (_c.ASSERT, _c.ASSERT_NOT):
            direction, body = av
            if direction < 0 and takes_newline(list(body), dotall, True, after_text=False):
                return True
            if _reaches_back(list(body), dotall):
                return True
        elif op is _c.BRANCH:
            if any(_reaches_back(list(b), dotall) for b in av[1]):
                return True
        elif op is _c.SUBPATTERN:
            if _reaches_back(list(av[-1]), dotall or bool(av[1] & _c.SRE_FLAG_DOTALL)):
                return True
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) or (op is getattr(_c, "POSSESSIVE_REPEAT", None)):
            if _reaches_back(list(av[2]), dotall):
                return True
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            if _reaches_back(list(av), dotall):
                return True
        elif op is _c.GROUPREF_EXISTS:
            _, yes, no = av
            if _reaches_back(list(yes), dotall) or (
                no is not None and _reaches_back(list(no), dotall)
            ):
                return True
    return False


# ----------------------------------------------------------------- the cache


@dataclass(frozen=True)
class _Kept:
    """A unit's answer: per code, kept matches and pending ones (relative to the unit)."""

    kept: dict[str, tuple[Pair, ...]]
    pending: dict[str, tuple[Pair, ...]]


def _kept_bytes(key: tuple[Any, ...], value: _Kept) -> int:
    matches = sum(len(v) for v in value.kept.values()) + sum(len(v) for v in value.pending.values())
    return (
        text_bytes(key[1])
        + 64 * len(key[4])
        + 24 * sum(len(s) for s in key[5])
        + 300
        + 100 * matches
    )


_cache: SizedCache[tuple[Any, ...], _Kept] = SizedCache("phrase units", 0.03, _kept_bytes)
_tally = Tally()


def analysed() -> int:
    """How many units had their kept matches computed since :func:`reset_counts`."""
    return _tally.count


def reset_counts() -> None:
    _tally.reset()


def clear_cache() -> None:
    _cache.clear()


Rules = Sequence[tuple[str, matchers.CompiledMatcher]]


def kept_matches(
    key: object,
    rules: Rules,
    text: str,
    pieces: Pieces,
    scopes: Mapping[str, Sequence[Span]],
    scan: Scan,
    keep: Callable[[str, int, int], bool],
) -> dict[str, list[Pair]] | None:
    """Per code of ``rules``, the matches found in ``pieces`` that ``_matches`` keeps.

    ``key`` names the rules (and so the scan); ``scopes`` gives each rule's
    scope spans by scope name; ``scan`` is the per-piece scan (cached by the
    caller); ``keep`` decides a pending match on the whole document. None
    when this path does not apply (pieces or spans out of order, a rule
    whose line checks reach back): the caller filters on the whole text.
    """
    if not all(context_free(m) for _, m in rules):
        return None
    units = units_of(text, pieces)
    if units is None:
        return None
    names = sorted({m.scope for _, m in rules})
    clipped: list[list[tuple[Pair, ...]]] = []
    for name in names:
        rel = clip(scopes[name], units)
        if rel is None:
            return None
        clipped.append(rel)
    where = {name: n for n, name in enumerate(names)}
    plan = tuple((code, where[m.scope]) for code, m in rules)
    out: dict[str, list[Pair]] = {code: [] for code, _ in rules}
    length = len(text)
    for u, unit in enumerate(units):
        own = pieces[unit.first : unit.stop]
        rel_pieces = tuple((s.start - unit.start, s.end - unit.start) for s, _ in own)
        rel_scopes = tuple(c[u] for c in clipped)
        hay = text[unit.start : unit.end]
        cache_key = (key, hay, unit.start == 0, unit.end == length, rel_pieces, rel_scopes)
        found = _cache.get(cache_key)
        if found is None:
            found = _compute(
                hay, unit.start == 0, unit.end == length, own, rel_pieces, rel_scopes,
                rules, plan, scan,
            )  # fmt: skip
            _cache.put(cache_key, found)
            _tally.add()
        base = unit.start
        for code, kept in found.kept.items():
            if kept:
                out[code].extend([(base + a, base + b) for a, b in kept])
        for code, pending in found.pending.items():
            for a, b in pending:
                if keep(code, base + a, base + b):
                    out[code].append((base + a, base + b))
    return out


def _compute(
    hay: str,
    at_start: bool,
    at_end: bool,
    pieces: Pieces,
    rel_pieces: tuple[Pair, ...],
    rel_scopes: tuple[tuple[Pair, ...], ...],
    rules: Rules,
    plan: tuple[tuple[str, int], ...],
    scan: Scan,
) -> _Kept:
    # The line break before the unit, so that ``\b``, ``^`` and one-character
    # lookbehinds at its first line read what they read in the document.
    shift = 0 if at_start else 1
    read = hay if at_start else "\n" + hay
    scans = [scan(piece) for _, piece in pieces]
    kept: dict[str, tuple[Pair, ...]] = {}
    pending: dict[str, tuple[Pair, ...]] = {}
    matcher_of = dict(rules)
    for code, scope_index in plan:
        matcher = matcher_of[code]
        scope = rel_scopes[scope_index]
        starts = [s for s, _ in scope]
        line_cache: dict[int, bool] = {}
        mine: list[Pair] = []
        waiting: list[Pair] = []
        for (offset, _), found in zip(rel_pieces, scans, strict=True):
            for a, b in found.get(code, ()):
                a, b = a + offset, b + offset
                i = bisect.bisect_right(starts, a) - 1
                if i < 0 or not (scope[i][0] <= a and b <= scope[i][1]):
                    continue
                ra, rb = a + shift, b + shift
                line_start = read.rfind("\n", 0, ra) + 1
                line_end = read.find("\n", rb)
                if line_end == -1:
                    if not at_end:
                        waiting.append((a, b))  # its line goes on past the unit
                        continue
                    line_end = len(read)
                if matchers.silenced(
                    matcher, read, ra, rb, line_start, line_end, line_cache
                ) or not matchers.in_context(matcher, read, ra, line_start):
                    continue
                mine.append((a, b))
        kept[code] = tuple(mine)
        if waiting:
            pending[code] = tuple(waiting)
    return _Kept(kept, pending)
