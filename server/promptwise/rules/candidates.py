"""One scan of a text for the literals of every judgement pattern at once.

``prose.search_from`` finds where a judgement pattern could match with the
pattern's literal prefilter (``rules/prefilter.py``): one ``re`` search per
candidate, over the lower-cased text, once per pattern. The profile of a
``check`` over the bulk corpus put most of that time in the scans
themselves: a literal such as ``(?:article|c(?:aller|o(?:de|...)))`` opens
with most letters, so ``re`` tries nearly every position of the text, for
each of some forty patterns in turn (``bench/README.md``, "one literal scan
per document").

Here the literals of every pattern that has asked are turned into plain
keys and put into one Aho–Corasick automaton (``pyahocorasick``, compiled
code); a text is scanned once, the hits are sorted into one list of
candidate starts per pattern, and a search bisects into its pattern's list.
Only the pure-Python path exists where the package has no wheel: without it
:func:`starts` answers None and ``search_from`` scans as before.

A pattern's keys spell out each fragment of its prefilter (small classes and
optional letters expanded, cut at a blank run or a digit class): every place
the fragment matches starts with one of them, so the list holds every
candidate the prefilter would give, and maybe more. The full pattern decides
at each, so the first place it matches is the same either way.

Texts longer than :data:`UP_TO` are left to the old path: their searches
run block by block (``prose.BLOCKWISE_FROM``) or in small windows, and a
whole-text scan per version would cost an edit of a large file more than it
saves.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from promptwise.memo import SizedCache, text_bytes
from promptwise.rules.prefilter import Fragment, Prefilter, first_chars

# The compiled package, or None: the pure-Python path (platforms without a
# wheel) is ``prose.search_from``'s own scan.
_aho: Any = None

# Texts up to this length are scanned whole (see the module docstring).
UP_TO = 32_768
# Expansions of one fragment before its key is cut shorter (a prefix keeps
# every candidate, so a shorter key only adds some).
_MAX_KEYS = 64


def _atom_options(atom: str, digits: bool) -> list[str] | None:
    """The strings one prefilter atom can match, or None if they are not a
    few plain strings (a blank run; a digit class unless ``digits``)."""
    if atom == r"\d":
        return list("0123456789") if digits else None
    if atom == r"\s+":
        return None
    optional = atom.endswith("?") and not atom.endswith("\\?")
    body = atom[:-1] if optional else atom
    if not (body.startswith("[") or len(body) == 1 or (len(body) == 2 and body[0] == "\\")):
        return None  # an atom this module does not know: no keys
    chars = first_chars(body)
    return [*chars, ""] if optional else chars


def keys_of(fragments: Iterable[Fragment], digits: bool = False) -> frozenset[str] | None:
    """Plain keys one of which starts every match of the fragments, none a
    prefix of another; None when a fragment opens with no plain character.

    With ``digits``, ``\\d`` is spelled as the ASCII digits: the keys then
    hold every candidate only in a text without other digits (``re``'s
    ``\\d`` takes every Unicode decimal digit).
    """
    keys: set[str] = set()
    for fragment in fragments:
        spelled = [""]
        for atom in fragment:
            blanks = atom == r"\s+"
            options = list(BLANKS) if blanks else _atom_options(atom, digits)
            if options is None or len(spelled) * len(options) > _MAX_KEYS:
                break
            spelled = [head + option for head in spelled for option in options]
            if blanks:
                break  # more blanks may follow: the key ends at the first
        if "" in spelled:
            return None
        keys.update(spelled)
    # A key that has a shorter one as its prefix adds no candidate: dropping
    # it keeps one hit per start (two keys at one start would be nested).
    kept: list[str] = []
    for key in sorted(keys):
        if not kept or not key.startswith(kept[-1]):
            kept.append(key)
    return frozenset(kept)


# Every character ``\\s`` takes in a str pattern (tests check the list against ``re``).
BLANKS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# A digit ``\d`` takes that is not an ASCII one.
_OTHER_DIGIT = re.compile(r"[^\D0-9]")


class _Registry:
    """The patterns that take part, and one automaton over all their keys.

    A pattern joins at its first search; the automaton is rebuilt then (a new
    object, so a scan running meanwhile keeps the one it has). The judgement
    patterns are a fixed set of about forty, plus those of changed settings.
    """

    def __init__(self) -> None:
        self.index: dict[Prefilter, int] = {}
        self.keys: list[frozenset[str]] = []
        # Patterns whose keys spell ``\d`` as ASCII digits (see keys_of).
        self.ascii_digits: set[int] = set()
        self.automaton: Any = None
        self.lock = threading.Lock()

    def join(self, found: Prefilter) -> int | None:
        with self.lock:
            at = self.index.get(found)
            if at is not None:
                return at
            fragments = found.fragments or ()
            keys = keys_of(fragments) if found.ignorecase else None
            digits = keys is None and found.ignorecase
            if digits:
                keys = keys_of(fragments, digits=True)
            if keys is None or _aho is None or len(self.index) >= _MAX_PATTERNS:
                self.index[found] = -1
                return None
            at = self.index[found] = len(self.keys)
            self.keys.append(keys)
            if digits:
                self.ascii_digits.add(at)
            self.automaton = automaton(self.keys)
            return at

    def clear(self) -> None:
        with self.lock:
            self.index.clear()
            self.keys.clear()
            self.ascii_digits.clear()
            self.automaton = None


# Patterns of settings come and go (each changed option compiles its own):
# past this many the registry starts again.
_MAX_PATTERNS = 512
_registry = _Registry()


class _Scan:
    """One text's candidate starts, a sorted list per registered pattern."""

    __slots__ = ("lists", "other_digits", "size", "text")

    def __init__(self, text: str, lists: list[list[int]], other_digits: bool) -> None:
        self.text = text
        self.lists = lists
        self.other_digits = other_digits  # holds a digit beyond 0-9
        held = sum(len(found) for found in lists)
        self.size = text_bytes(text) + 40 * held + 64 * len(lists) + 200


def automaton(keysets: Sequence[frozenset[str]]) -> Any:
    """One automaton over the keys of several patterns (numbered by their
    place in ``keysets``), or None without the compiled package."""
    if _aho is None:
        return None
    owners: dict[str, list[int]] = {}
    for n, keys in enumerate(keysets):
        for key in keys:
            owners.setdefault(key, []).append(n)
    built = _aho.Automaton()
    for key, who in owners.items():
        built.add_word(key, (len(key) - 1, tuple(who)))
    built.make_automaton()
    return built


def starts_of(built: Any, haystack: str, patterns: int) -> list[list[int]]:
    """Where each pattern's keys start in ``haystack``: one sorted list per pattern."""
    lists: list[list[int]] = [[] for _ in range(patterns)]
    for end, (back, owners) in built.iter(haystack):
        at = end - back
        for n in owners:
            lists[n].append(at)
    for found in lists:
        # Hits come by where they end: keys of different lengths can put a
        # later start first. Nearly sorted, so this is a linear pass.
        found.sort()
    return lists


def _scan(text: str, haystack: str, built: Any, patterns: int) -> _Scan:
    lists = starts_of(built, haystack, patterns)
    other = not haystack.isascii() and _OTHER_DIGIT.search(haystack) is not None
    return _Scan(text, lists, other)


_cache: SizedCache[int, _Scan] = SizedCache("literal candidates", 0.02, lambda _, v: v.size)
_last: list[_Scan | None] = [None]


def starts(found: Prefilter, text: str, haystack: str) -> list[int] | None:
    """Every place in ``text`` where ``found``'s fragments may start, sorted
    (``haystack`` is the text as the prefilter reads it), or None: no shared
    scan for this pattern or text, search as before."""
    if len(text) > UP_TO or _aho is None or not found.ignorecase:
        return None
    n = _registry.index.get(found)
    if n is None:
        n = _registry.join(found)
    if n is None or n < 0:
        return None
    scan = _last[0]
    if scan is None or scan.text is not text:
        scan = _cache.get(id(text))
        if scan is None or scan.text is not text:
            scan = None
    if scan is None or n >= len(scan.lists):
        # First search of this text, or a pattern that joined after its scan.
        with _registry.lock:
            automaton, patterns = _registry.automaton, len(_registry.keys)
        if automaton is None or n >= patterns:  # the registry was cleared meanwhile
            return None
        scan = _scan(text, haystack, automaton, patterns)
        _cache.put(id(text), scan)
    _last[0] = scan
    if scan.other_digits and n in _registry.ascii_digits:
        return None
    return scan.lists[n]


def enabled() -> bool:
    """Whether the compiled scanner is here (False: the pure-Python path)."""
    return _aho is not None


def use_compiled(on: bool) -> None:
    """Switch the shared scan on or off (tests compare both paths; off is what
    a platform without the wheel runs)."""
    global _aho
    _aho = _import() if on else None
    forget()
    _registry.clear()


def _import() -> Any:
    try:
        import ahocorasick  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - depends on the platform
        return None
    return ahocorasick


def forget() -> None:
    """Drop every text's candidates (with the other per-text caches)."""
    _cache.clear()
    _last[0] = None


_aho = _import()
