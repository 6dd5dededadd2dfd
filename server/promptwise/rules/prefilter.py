"""A literal prefilter that makes phrase regexes fast.

Rule patterns start with lookbehinds (``(?<![\\w-])good``) and run
case-insensitively. Both switch off the ``re`` module's fast first-character
scan, so a list of thirty phrases is tried at every position of the text,
branch by branch: seconds per megabyte. Almost every branch, though, must
begin with a known word. This module reads the parsed pattern, collects the
literal each branch has to start with, and finds candidates with a plain
case-sensitive literal search over the lower-cased text (which ``re`` does
at C speed); the full pattern is then tried only where a candidate starts.

When a pattern has a branch that does not start with a literal, there is no
prefilter and the caller falls back to an ordinary scan, so correctness never
depends on this module.

A pattern with no opening literal (``(?:^|(?<=[.!?] ))[ \\t]*(?:never|avoid)``)
often has one further on, preceded only by parts that cannot cross a line:
every match then starts on the line of an occurrence, at or before it, and
only those stretches are tried (:class:`_LineFilter`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from promptwise.document.blockfacts import takes_newline
from promptwise.rules import keyscan
from promptwise.rules.timed import LazyPattern, source_of

# What the prefilters take: a compiled pattern, or a bundled one compiled only
# once a candidate is found (a rule whose literals never occur is never compiled).
Source = re.Pattern[str] | LazyPattern

try:  # Python 3.11+
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants
    import sre_parse

# Letters ``re`` matches case-insensitively with "i" and "s" although
# ``str.lower`` keeps them apart: the dotless i and the long s. They are
# folded onto those letters in the searched text and in the literals, so that
# the literal search finds every place the pattern itself would match (the
# full pattern still decides; folding only adds candidates).
_FOLD = str.maketrans({"\u0131": "i", "\u017f": "s"})


def fold(text: str) -> str:
    """``text`` lower-cased as the literal search reads it, offsets unchanged
    wherever ``str.lower`` keeps them (callers check the length)."""
    lowered = text.lower()
    if lowered.isascii() or ("\u0131" not in lowered and "\u017f" not in lowered):
        return lowered
    return lowered.translate(_FOLD)


_ZERO_WIDTH = {sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT}
_REPEATS = {
    sre_constants.MAX_REPEAT,
    sre_constants.MIN_REPEAT,
    getattr(sre_constants, "POSSESSIVE_REPEAT", sre_constants.MAX_REPEAT),
}
_MAX_CLASS = 6  # a class like [Ss] or [pousr] stays part of the prefix
_DIGIT = [(sre_constants.CATEGORY, sre_constants.CATEGORY_DIGIT)]
_SPACE = [(sre_constants.IN, [(sre_constants.CATEGORY, sre_constants.CATEGORY_SPACE)])]


def _small_class(av: Any) -> list[str] | None:
    if len(av) <= _MAX_CLASS and all(o is sre_constants.LITERAL for o, _ in av):
        return [chr(a) for _, a in av]
    return None


def _is_space_run(op: Any, av: Any) -> bool:
    if op not in _REPEATS:
        return False
    low, _, body = av
    return bool(low >= 1 and list(body) == _SPACE)


Atom = str  # one regex atom: an escaped character, a small class, or \s+
Fragment = tuple[Atom, ...]


def _prefixes(
    items: Any, lower: bool, digits: bool = False, continued: bool = False
) -> set[Fragment] | None:
    """Fragments one of which every match of ``items`` must start with.

    A fragment is a run of literals, small character classes and whitespace
    runs: the part of a phrase pattern that is cheap to search for. With
    ``digits``, a leading ``\\d`` is an atom too (its first characters are not
    a small set, so only callers that use the fragments as a regex ask).
    ``continued``: the items follow a literal of the same fragment (a branch
    of an alternation met after one), so they may open with an optional atom.
    """
    walked = _walk(list(items), lower, digits, continued)
    return None if walked is None else walked[0] | walked[1]


# A fragment spells what a match consumes, in order. The fragments of some
# items come in two sets: those that spell every part of the items ("whole":
# what follows the items can go on their end) and those cut short.
_Walked = tuple[set[Fragment], set[Fragment]]


def _walk(items: list[Any], lower: bool, digits: bool, continued: bool) -> _Walked | None:
    """:func:`_prefixes`, the whole fragments apart from the cut ones."""
    parts: list[Atom] = []
    literal_seen = continued
    for i, (op, av) in enumerate(items):
        if op is sre_constants.LITERAL:
            char = fold(chr(av)) if lower else chr(av)
            parts.append(re.escape(char))
            literal_seen = True
            continue
        if literal_seen:
            if op in _ZERO_WIDTH or _zero_width_group(op, av):
                continue  # consumes nothing: the fragment goes on after it
            chars = _small_class(av) if op is sre_constants.IN else None
            if chars is not None:
                parts.append("[" + "".join(re.escape(fold(c) if lower else c) for c in chars) + "]")
                continue
            if _is_space_run(op, av):
                parts.append(r"\s+")
                continue
            optional = _optional_atom(op, av, lower)
            if optional is not None:
                parts.append(optional)
                continue
            repeated = _repeated_atom(op, av, lower)
            if repeated is not None:
                # Once at least, then an unknown number of times: the
                # fragment ends after the first.
                parts.append(repeated)
                return set(), {tuple(parts)}
            # ``re`` factors a shared opening out of an alternation:
            # ``does|do|did`` parses as ``d`` then ``oes|o|id``. Going on into
            # the alternation keeps the fragments as long as they were
            # written; stopping at ``d`` made every "d" a candidate.
            inner = _inner_prefixes(op, av, lower, digits)
            if inner:
                spelled, stopped = ({(*parts, *fragment) for fragment in f} for f in inner)
                return _then(spelled, stopped, items[i + 1 :], lower, digits)
            return (set(), {tuple(parts)}) if parts else None
        if op in _ZERO_WIDTH or _zero_width_group(op, av):
            continue
        if op is sre_constants.SUBPATTERN:
            if not lower and av[1] & sre_constants.SRE_FLAG_IGNORECASE:
                # A scoped ``(?i:...)`` in a case-sensitive pattern: its literals
                # may appear in any case, which a case-sensitive literal scan
                # would miss (found by the hardening fuzz tests).
                return None
            group = _walk(list(av[-1]), lower, digits, False)
            if group is None:
                return None
            return _then(*group, items[i + 1 :], lower, digits)
        if op is sre_constants.BRANCH:
            whole: set[Fragment] = set()
            cut: set[Fragment] = set()
            for branch in av[1]:
                found = _walk(list(branch), lower, digits, False)
                if not found:
                    return None
                whole |= found[0]
                cut |= found[1]
            return _then(whole, cut, items[i + 1 :], lower, digits)
        if op in _REPEATS:
            low, _, body = av
            found = _walk(list(body), lower, digits, False) if low >= 1 else None
            return None if found is None else (set(), found[0] | found[1])
        if op is sre_constants.IN:
            chars = _small_class(av)
            if chars is None and digits and list(av) == _DIGIT:
                literal_seen = True
                parts.append(r"\d")
                continue
            if chars is None:
                return None
            literal_seen = True
            parts.append("[" + "".join(re.escape(fold(c) if lower else c) for c in chars) + "]")
            continue
        return None
    return ({tuple(parts)}, set()) if parts else None


def _then(
    whole: set[Fragment], cut: set[Fragment], rest: list[Any], lower: bool, digits: bool
) -> _Walked:
    """Fragments of a group followed by ``rest``: each of the group's, with
    what ``rest`` opens with on its end where the fragment spells all of
    the group (its branch did not stop early).

    Stopping at the group left ``(?:as|in|into) (?:an? )?table`` with "as"
    and "in" as literals, and ``(?:do|does|did)(?:n't| not)`` with "do":
    every "has", "string" and "document" of a prompt was a candidate.
    """
    if not whole or not rest:
        return whole, cut
    tail = _walk(rest, lower, digits, True)
    if tail is None or len(whole) * (len(tail[0]) + len(tail[1])) + len(cut) > _MAX_FRAGMENTS:
        return set(), whole | cut
    return (
        {(*h, *t) for h in whole for t in tail[0]},
        cut | {(*h, *t) for h in whole for t in tail[1]},
    )


def _optional_atom(op: Any, av: Any, lower: bool) -> Atom | None:
    """``n?`` after a literal (``an? example``), as an atom of the fragment.

    Stopping there left ``a`` as the whole literal of the output-format and
    inline-example patterns: every "a" in a prompt was tried (half of the
    judgements' pattern work on the corpus).
    """
    if op not in _REPEATS:
        return None
    low, high, body = av
    if low != 0 or high != 1 or len(body) != 1:
        return None
    inner, value = body[0]
    if inner is sre_constants.LITERAL:
        return re.escape(fold(chr(value)) if lower else chr(value)) + "?"
    chars = _small_class(value) if inner is sre_constants.IN else None
    if chars is None:
        return None
    return "[" + "".join(re.escape(fold(c) if lower else c) for c in chars) + "]?"


def _repeated_atom(op: Any, av: Any, lower: bool) -> Atom | None:
    """The first of ``[ \\t]+`` (or ``x+``, ``x{2,}``) after a literal, as an atom.

    Stopping before it left PW204's ``as[ \\t]+...`` and ``in[ \\t]+general``
    with "as" and "in" as their whole literals: every "has", "was", "string"
    and "using" of a prompt was a candidate (80,000 on the bulk corpus for a
    few hundred matches).
    """
    if op not in _REPEATS:
        return None
    low, _, body = av
    if low < 1 or len(body) != 1:
        return None
    inner, value = body[0]
    if inner is sre_constants.LITERAL:
        return re.escape(fold(chr(value)) if lower else chr(value))
    chars = _small_class(value) if inner is sre_constants.IN else None
    if chars is None:
        return None
    return "[" + "".join(re.escape(fold(c) if lower else c) for c in chars) + "]"


_MAX_FRAGMENTS = 256  # an alternation inside an alternation multiplies them


def _inner_prefixes(op: Any, av: Any, lower: bool, digits: bool) -> _Walked | None:
    """The fragments of a group or alternation met after a literal (and
    whether they spell all of it), or None."""
    if op is sre_constants.SUBPATTERN:
        if not lower and av[1] & sre_constants.SRE_FLAG_IGNORECASE:
            return None
        walked = _walk(list(av[-1]), lower, digits, True)
    elif op is sre_constants.BRANCH:
        whole: set[Fragment] = set()
        cut: set[Fragment] = set()
        for branch in av[1]:
            more = _walk(list(branch), lower, digits, True)
            if not more:
                return None
            whole |= more[0]
            cut |= more[1]
        walked = (whole, cut)
    else:
        return None
    if walked is None or len(walked[0]) + len(walked[1]) > _MAX_FRAGMENTS:
        return None
    return walked


def _zero_width_group(op: Any, av: Any) -> bool:
    """A group or alternation that only asserts (``(?:(?<=^)|(?<=[.!?] ))``).

    It consumes nothing, so what follows it opens every match: PW204's
    "tend to" branch had no prefilter for want of this, and the whole rule
    went through the slower line filter.
    """
    if op is sre_constants.SUBPATTERN:
        return bool(av[-1]) and all(o in _ZERO_WIDTH or _zero_width_group(o, a) for o, a in av[-1])
    if op is sre_constants.BRANCH:
        return all(
            branch and all(o in _ZERO_WIDTH or _zero_width_group(o, a) for o, a in branch)
            for branch in av[1]
        )
    return False


def trie_regex(fragments: set[Fragment]) -> str:
    """One regex matching any fragment, as a trie so each position tries few branches."""
    trie: dict[Atom, Any] = {}
    for fragment in fragments:
        node = trie
        for atom in fragment:
            node = node.setdefault(atom, {})
        node[""] = {}

    def emit(node: dict[Atom, Any]) -> str:
        if "" in node:
            return ""  # a shorter fragment already matched: the prefix is enough
        parts = [atom + emit(child) for atom, child in sorted(node.items())]
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    return emit(trie)


def _line_local(items: Any, flags: int) -> bool:
    """Whether ``items`` can never consume a newline (zero-width assertions may look anywhere)."""
    return not takes_newline(
        list(items),
        bool(flags & sre_constants.SRE_FLAG_DOTALL),
        bool(flags & sre_constants.SRE_FLAG_MULTILINE),
        assertions=False,
        after_text=False,
    )


def _inner(items: Any, lower: bool, flags: int) -> set[Fragment] | None:
    """Fragments one of which every match holds on the line it starts on.

    For a pattern with no opening literal (``(?:^|(?<=[.!?] ))[ \\t]*(?:never|avoid)``):
    the first literal part preceded only by parts that cannot take a newline.
    Every match then starts on the line of an occurrence, at or before it.
    """
    items = list(items)
    if len(items) == 1 and items[0][0] is sre_constants.SUBPATTERN:
        av = items[0][1]
        if not lower and av[1] & sre_constants.SRE_FLAG_IGNORECASE:
            return None  # a scoped (?i:...) in a case-sensitive pattern (see _prefixes)
        return _inner(av[-1], lower, flags | av[1])
    if len(items) == 1 and items[0][0] is sre_constants.BRANCH:
        out: set[Fragment] = set()
        for branch in items[0][1][1]:
            found = _inner(branch, lower, flags)
            if not found:
                return None
            out |= found
        return out
    for k in range(len(items)):
        if not _line_local(items[k - 1 : k] if k else [], flags):
            return None
        found = _prefixes(items[k:], lower)
        if found:
            return found
    return None


class _LineFilter:
    """Candidate lines for a pattern without an opening literal but with one further on.

    The pattern is tried at each position from the start of the line of an
    occurrence of the inner literal up to the occurrence, each position once.
    """

    def __init__(self, pattern: Source) -> None:
        self.pattern = pattern
        self.literal: re.Pattern[str] | None = None
        try:
            parsed = sre_parse.parse(*source_of(pattern))
            flags = parsed.state.flags  # as compiling would report them
            self.ignorecase = bool(flags & re.IGNORECASE)
            found = _inner(parsed, self.ignorecase, flags)
        except Exception:  # an unusual construct: no filter, never an error
            self.ignorecase = bool(pattern.flags & re.IGNORECASE)
            found = None
        if found:
            self.literal = re.compile(trie_regex(found))

    def scan(self, haystack: str, text: str) -> list[tuple[int, int]]:
        """Non-empty matches of the pattern in ``text``, as ``finditer`` finds them."""
        assert self.literal is not None
        out: list[tuple[int, int]] = []
        match, search, rfind = self.pattern.match, self.literal.search, text.rfind
        tried = 0  # every position before this one has been tried (or lies in a match)
        hit = search(haystack)
        while hit is not None:
            q = hit.start()
            p = max(tried, rfind("\n", tried, q) + 1)
            while p <= q:
                m = match(text, p)
                if m is not None and m.end() > p:
                    out.append((p, m.end()))
                    p = m.end()
                else:
                    p += 1
            tried = max(tried, p)
            hit = search(haystack, max(q + 1, tried))
        return out


class Prefilter:
    """Candidate finder for one compiled pattern, or none if it cannot have one."""

    def __init__(self, pattern: Source, *, digits: bool = False) -> None:
        self.pattern = pattern
        # Compiled at its first use: MultiScanner tries it only where a merged
        # scan found a candidate.
        self.literal: LazyPattern | None = None
        try:
            parsed = sre_parse.parse(*source_of(pattern))
            self.ignorecase = bool(parsed.state.flags & re.IGNORECASE)
            found = _prefixes(parsed, self.ignorecase, digits)
        except Exception:  # an unusual construct: no prefilter, never an error
            self.ignorecase = bool(pattern.flags & re.IGNORECASE)
            found = None
        self.fragments = found
        if found:
            self.literal = LazyPattern(trie_regex(found), 0)

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        """Non-empty matches of the pattern in ``text``, like ``finditer``."""
        haystack = fold(text) if self.ignorecase else text
        if self.literal is None or len(haystack) != len(text):
            for m in self.pattern.finditer(text):
                if m.end() > m.start():
                    yield m.start(), m.end()
            return
        match, search = self.pattern.match, self.literal.search
        hit = search(haystack)
        while hit is not None:
            start = hit.start()
            found = match(text, start)
            if found is not None and found.end() > start:
                yield start, found.end()
                hit = search(haystack, found.end())
            else:
                # A candidate may start inside this failed one ("for example"
                # holds the "example" of another branch): go on from the next
                # character, not from the end of the literal hit.
                hit = search(haystack, start + 1)


# Characters a contained literal never holds: blanks (a caller may have
# collapsed them), sentence and line ends (so an occurrence lies within one
# sentence), emphasis marks (a caller may have taken them out), and
# non-ASCII ones (``re`` matches some ASCII letters to them ignoring case:
# the Kelvin sign to "k", the long s to "s").
_NOT_CONTAINED = re.compile(r"[^!-~]|[.!?;*_]")


def contained_literals(pattern: Source) -> frozenset[str] | None:
    """Lower-cased ASCII strings one of which every match of ``pattern`` holds
    somewhere (not only at its start), or None when no such set is known.

    For a text of ASCII characters, ignoring case: a part of it holding none
    of them holds no match. The strings hold no blank and none of ``.!?;*_``;
    of the sets a pattern allows, the one whose shortest string is longest is
    taken (the rarest in prose). PW209 uses it to pass over sentences that
    can be no claim without building their plain text.
    """
    try:
        parsed = sre_parse.parse(*source_of(pattern))
    except Exception:  # an unusual construct: no set, never an error
        return None
    return _contained(list(parsed))


def _contained(items: list[Any]) -> frozenset[str] | None:
    best: frozenset[str] | None = None

    def consider(found: frozenset[str] | None) -> None:
        nonlocal best
        if found and (best is None or _rank(found) > _rank(best)):
            best = found

    run: list[str] = []
    for op, av in items:
        if op is sre_constants.LITERAL:
            run.append(chr(av))
            continue
        consider(_longest_piece(run))
        run = []
        if op is sre_constants.SUBPATTERN:
            consider(_contained(list(av[-1])))
        elif op is sre_constants.BRANCH:
            sets = [_contained(list(branch)) for branch in av[1]]
            if all(sets):
                consider(frozenset().union(*(found or () for found in sets)))
        elif op in _REPEATS and av[0] >= 1:
            consider(_contained(list(av[2])))
        # Anything else (a class, an assertion, an optional part) holds no
        # string every match consumes.
    consider(_longest_piece(run))
    return best


def _longest_piece(run: list[str]) -> frozenset[str] | None:
    """The longest stretch of a run of literal characters without a character
    of ``_NOT_CONTAINED``: every match holds the whole run, so that too."""
    longest = max(_NOT_CONTAINED.split("".join(run)), key=len, default="")
    return frozenset({longest.lower()}) if longest else None


def _rank(found: frozenset[str]) -> tuple[int, int]:
    return min(len(s) for s in found), -len(found)


class MultiScanner:
    """Finds the matches of many patterns with one pass over the text.

    The fragments of every pattern are merged into one scan whose branches
    each consume a single first character and look ahead for the rest, so no
    starting position is skipped and the scan stays a C loop. At each
    candidate position only the patterns whose own prefilter matches there
    are tried in full. Patterns without a prefilter are scanned on their own.
    """

    def __init__(self, patterns: dict[str, Source]) -> None:
        self.patterns = patterns
        self.filters = {key: Prefilter(p) for key, p in patterns.items()}
        self.unfiltered = [k for k, f in self.filters.items() if f.literal is None]
        # Patterns without an opening literal that hold one further on, on the same line.
        self.lines = {key: _LineFilter(patterns[key]) for key in self.unfiltered}
        self.lowers = any(f.ignorecase for f in self.filters.values())
        self.groups: list[tuple[bool, re.Pattern[str], dict[str, list[str]]]] = []
        for lower in (True, False):
            members = [
                k
                for k, f in self.filters.items()
                if f.literal is not None and f.ignorecase == lower
            ]
            if not members:
                continue
            by_char: dict[str, set[Fragment]] = {}
            owners: dict[str, list[str]] = {}
            for key in members:
                for fragment in self.filters[key].fragments or ():
                    for char in keyscan.first_chars(fragment[0]):
                        by_char.setdefault(char, set()).add(fragment[1:])
                        owners.setdefault(char, [])
                        if key not in owners[char]:
                            owners[char].append(key)
            branches = []
            for char, rests in sorted(by_char.items()):
                rest = "" if () in rests else trie_regex(rests)
                branches.append(re.escape(char) + (f"(?={rest})" if rest else ""))
            self.groups.append((lower, re.compile("|".join(branches)), owners))
        # The case-insensitive patterns found through one Aho-Corasick scan
        # instead (rules/keyscan.py), when every one of them has keys and
        # the compiled package is here; the union regex above stays for the
        # pure-Python path. The union's first characters are most letters,
        # so ``re`` tried nearly every position of every piece.
        self.keyed: tuple[list[str], Any] | None = None
        members = [k for k, f in self.filters.items() if f.literal is not None and f.ignorecase]
        keysets = [keyscan.keys_of(self.filters[k].fragments or ()) for k in members]
        if members and all(keysets):
            built = keyscan.automaton([k for k in keysets if k])
            if built is not None:
                self.keyed = (members, built)

    def _scan_keyed(self, text: str, haystack: str, out: dict[str, list[tuple[int, int]]]) -> None:
        """The case-insensitive group through the automaton: each pattern is
        tried at its keys' starts in order, skipping those inside its last
        match, as ``finditer`` would (the keys may add candidates where the
        prefilter's fragments would not; the pattern decides there)."""
        assert self.keyed is not None
        members, built = self.keyed
        found_by = keyscan.starts_of(built, haystack, len(members))
        for key, found in zip(members, found_by, strict=True):
            if not found:
                continue
            match = self.patterns[key].match
            got = out[key]
            end = 0
            for at in found:
                if at < end:
                    continue
                m = match(text, at)
                if m is not None and m.end() > at:
                    end = m.end()
                    got.append((at, end))

    def scan(self, text: str) -> dict[str, list[tuple[int, int]]]:
        out: dict[str, list[tuple[int, int]]] = {key: [] for key in self.patterns}
        # Lower-cased only for a scanner that has a case-insensitive part (the
        # secrets scan over the whole text has none).
        lowered = fold(text) if self.lowers else text
        same_length = len(lowered) == len(text)
        for lower, scanner, owners in self.groups:
            if lower and not same_length:
                for key in {k for ks in owners.values() for k in ks}:
                    out[key] = list(self.filters[key].finditer(text))
                continue
            haystack = lowered if lower else text
            if lower and self.keyed is not None and keyscan.enabled():
                self._scan_keyed(text, haystack, out)
                continue
            last_end: dict[str, int] = {}
            for hit in scanner.finditer(haystack):
                start = hit.start()
                for key in owners.get(haystack[start], ()):
                    if start < last_end.get(key, 0):
                        continue
                    literal = self.filters[key].literal
                    if literal is None or not literal.match(haystack, start):
                        continue
                    m = self.patterns[key].match(text, start)
                    if m is not None and m.end() > m.start():
                        last_end[key] = m.end()
                        out[key].append((m.start(), m.end()))
        for key in self.unfiltered:
            line_filter = self.lines[key]
            if line_filter.literal is not None and (same_length or not line_filter.ignorecase):
                haystack = lowered if line_filter.ignorecase else text
                out[key] = line_filter.scan(haystack, text)
                continue
            out[key] = [
                (m.start(), m.end())
                for m in self.patterns[key].finditer(text)
                if m.end() > m.start()
            ]
        return out
