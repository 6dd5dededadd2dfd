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

A pattern's keys spell out each fragment of its prefilter
(``rules/keyscan.py``): every place the fragment matches starts with one of
them, so the list holds every candidate the prefilter would give, and maybe
more. The full pattern decides at each, so the first place it matches is
the same either way.

Texts longer than :data:`UP_TO` are left to the old path: their searches
run block by block (``prose.BLOCKWISE_FROM``) or in small windows, and a
whole-text scan per version would cost an edit of a large file more than it
saves.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from promptwise.memo import SizedCache, text_bytes
from promptwise.rules import keyscan
from promptwise.rules.prefilter import Prefilter

# Texts up to this length are scanned whole (see the module docstring).
UP_TO = 32_768

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
        # Each list of starts is shared by the patterns with the same keys:
        # a bundled pattern and its compiled form are two prefilters (the
        # judgements search with both), and every pattern that joins rebuilds
        # the automaton and has the texts scanned since scanned again.
        self.slots: dict[tuple[frozenset[str], bool], int] = {}
        self.keys: list[frozenset[str]] = []
        # Patterns whose keys spell ``\d`` as ASCII digits (see keyscan.keys_of).
        self.ascii_digits: set[int] = set()
        self.automaton: Any = None
        self.generation = 0
        self.lock = threading.Lock()

    def join(self, found: Prefilter) -> int | None:
        with self.lock:
            at = self.index.get(found)
            if at is not None:
                return at
            if len(self.index) >= _MAX_PATTERNS:
                self._restart()  # patterns of settings no longer in use
            fragments = found.fragments or ()
            keys = keyscan.keys_of(fragments) if found.ignorecase else None
            digits = keys is None and found.ignorecase
            if digits:
                keys = keyscan.keys_of(fragments, digits=True)
            if keys is None or not keyscan.enabled():
                self.index[found] = -1
                return None
            at = self.slots.get((keys, digits))
            if at is not None:
                self.index[found] = at
                return at
            at = self.index[found] = self.slots[keys, digits] = len(self.keys)
            self.keys.append(keys)
            if digits:
                self.ascii_digits.add(at)
            self.automaton = keyscan.automaton(self.keys)
            return at

    def clear(self) -> None:
        with self.lock:
            self._restart()

    def _restart(self) -> None:
        # New numbers from here on: a text scanned before must be scanned
        # again (its lists are numbered by the old generation).
        self.index.clear()
        self.slots.clear()
        self.keys.clear()
        self.ascii_digits.clear()
        self.automaton = None
        self.generation += 1


# Patterns of settings come and go (each changed option compiles its own):
# past this many the registry starts again.
_MAX_PATTERNS = 512
_registry = _Registry()


class _Scan:
    """One text's candidate starts, a sorted list per registered pattern."""

    __slots__ = ("generation", "lists", "other_digits", "size", "text")

    def __init__(
        self, text: str, lists: list[list[int]], other_digits: bool, generation: int
    ) -> None:
        self.text = text
        self.generation = generation  # the registry's numbering the lists follow
        self.lists = lists
        self.other_digits = other_digits  # holds a digit beyond 0-9
        held = sum(len(found) for found in lists)
        self.size = text_bytes(text) + 40 * held + 64 * len(lists) + 200


def _scan(text: str, haystack: str, built: Any, patterns: int, generation: int) -> _Scan:
    lists = keyscan.starts_of(built, haystack, patterns)
    other = not haystack.isascii() and _OTHER_DIGIT.search(haystack) is not None
    return _Scan(text, lists, other, generation)


_cache: SizedCache[int, _Scan] = SizedCache("literal candidates", 0.02, lambda _, v: v.size)
_last: list[_Scan | None] = [None]


def starts(found: Prefilter, text: str, haystack: str) -> list[int] | None:
    """Every place in ``text`` where ``found``'s fragments may start, sorted
    (``haystack`` is the text as the prefilter reads it), or None: no shared
    scan for this pattern or text, search as before."""
    if len(text) > UP_TO or not keyscan.enabled() or not found.ignorecase:
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
    with _registry.lock:
        built, patterns, generation = (
            _registry.automaton,
            len(_registry.keys),
            _registry.generation,
        )
        if _registry.index.get(found) != n:  # the registry started again meanwhile
            return None
    if scan is None or scan.generation != generation or n >= len(scan.lists):
        # First search of this text, a pattern that joined after its scan,
        # or a registry that started again.
        if built is None or n >= patterns:
            return None
        scan = _scan(text, haystack, built, patterns, generation)
        _cache.put(id(text), scan)
    _last[0] = scan
    if scan.other_digits and n in _registry.ascii_digits:
        return None
    return scan.lists[n]


def enabled() -> bool:
    """Whether the compiled scanner is here (False: the pure-Python path)."""
    return keyscan.enabled()


def use_compiled(on: bool) -> None:
    """Switch the shared scans on or off (tests compare both paths; off is
    what a platform without the wheel runs)."""
    keyscan.set_compiled(on)
    forget()
    _registry.clear()


def forget() -> None:
    """Drop every text's candidates (with the other per-text caches)."""
    _cache.clear()
    _last[0] = None
