"""Plain keys for the literal prefilter's fragments, and one compiled scan for them.

A prefilter fragment (``rules/prefilter.py``) is a run of regex atoms: a
character, a small class, an optional character, a blank run, a digit
class. :func:`keys_of` spells fragments out as plain strings such that every
place a fragment matches starts with one of them; an Aho-Corasick automaton
over the keys of several patterns (``pyahocorasick``, compiled) then finds
all their candidates in one pass (:func:`starts_of`). The callers
(``rules/candidates.py`` for the judgement searches, ``MultiScanner`` for
the phrase rules) keep their own scans for when the package is missing:
:func:`enabled` says which path runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

# Expansions of one fragment before its key is cut shorter (a prefix keeps
# every candidate, so a shorter key only adds some).
_MAX_KEYS = 64

# Every character ``\\s`` takes in a str pattern (tests check the list against ``re``).
BLANKS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def first_chars(atom: str) -> list[str]:
    """The characters an atom can start with (atoms here are literals or small classes)."""
    if atom.startswith("[") and atom.endswith("]"):
        body = atom[1:-1]
        chars: list[str] = []
        i = 0
        while i < len(body):
            if body[i] == "\\" and i + 1 < len(body):
                chars.append(body[i + 1])
                i += 2
            else:
                chars.append(body[i])
                i += 1
        return chars
    return [atom[1:] if atom.startswith("\\") and len(atom) == 2 else atom]


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


def keys_of(fragments: Iterable[tuple[str, ...]], digits: bool = False) -> frozenset[str] | None:
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


def enabled() -> bool:
    """Whether the compiled scanner is here (False: the pure-Python paths)."""
    return _aho is not None


def set_compiled(on: bool) -> None:
    """Use the compiled scanner if it installs (``on``), or the pure-Python paths."""
    global _aho
    _aho = _import() if on else None


def _import() -> Any:
    try:
        import ahocorasick  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - depends on the platform
        return None
    return ahocorasick


# The compiled package, or None: platforms without a wheel.
_aho: Any = _import()
