"""User rule patterns run under a hard time limit.

A rule file from the workspace (``rule_dirs``) brings its own regular
expressions. The load-time shape check (``matchers.backtracking_risk``)
refuses the usual catastrophic shapes, but no shape check is complete:
``(?:a{1,2})*!`` or ``(sb|ſb)+!`` passed it and took minutes on a short line.
Python's ``re`` cannot be interrupted, so user patterns are compiled with the
``regex`` module, whose matcher takes a ``timeout``. Each user rule gets
``PATTERN_SECONDS`` per document for all its pattern calls together; past
that its next call raises :class:`PatternTimeout`, the engine reports the
rule (PW008, naming the pattern) and the analysis goes on with the others.

Patterns a config adds to a bundled rule's ``*_patterns`` options
(``rule_options``) are user patterns too: ``options.compile_option`` makes
them :class:`TimedPattern` as well, and the engine gives every rule the same
budget, so a hostile ``.promptwise.yaml`` is reported the same way.

Bundled rules keep ``re``: their patterns are ours, covered by the scaling
tests, and ``re`` is what their results were measured with.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeAlias

# Seconds one user rule's patterns may run on one document, all calls together.
# ``PROMPTWISE_PATTERN_TIMEOUT`` changes it (tests make it small).
PATTERN_SECONDS = 1.0
_ENV = "PROMPTWISE_PATTERN_TIMEOUT"


def pattern_seconds() -> float:
    raw = os.environ.get(_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return PATTERN_SECONDS
    return value if value > 0 else PATTERN_SECONDS


class PatternTimeout(Exception):
    """A user pattern ran out of its time on a document."""

    def __init__(self, pattern: str, seconds: float, option: str = "") -> None:
        super().__init__(f"pattern {pattern!r} took longer than {seconds:g} s")
        self.pattern = pattern
        self.seconds = seconds
        self.option = option  # the rule option it came from ("PW301 `x_patterns`"), if any


_clock = threading.local()


@contextmanager
def budget(seconds: float | None = None) -> Iterator[None]:
    """Give the user patterns called inside this block ``seconds`` in all.

    Only the time spent inside :class:`TimedPattern` calls counts: a bundled
    check that spends a second on a long file before its one configured
    pattern must not leave that pattern without time.
    """
    limit = pattern_seconds() if seconds is None else seconds
    previous = getattr(_clock, "left", None), getattr(_clock, "seconds", None)
    _clock.left, _clock.seconds = limit, limit
    try:
        yield
    finally:
        _clock.left, _clock.seconds = previous


def _remaining() -> tuple[float, float]:
    """(seconds left, the whole budget); outside a ``budget`` block, one fresh budget."""
    left = getattr(_clock, "left", None)
    if left is None:
        seconds = pattern_seconds()
        return seconds, seconds
    return float(left), float(_clock.seconds)


def _spend(seconds: float) -> None:
    if getattr(_clock, "left", None) is not None:
        _clock.left -= seconds


def _regex_flags(flags: int) -> int:
    import regex  # type: ignore[import-untyped]  # no stubs in the dev set

    out: int = regex.V0
    if flags & re.IGNORECASE:
        out |= regex.IGNORECASE
    if flags & re.MULTILINE:
        out |= regex.MULTILINE
    if flags & re.DOTALL:
        out |= regex.DOTALL
    if flags & re.VERBOSE:
        out |= regex.VERBOSE
    if flags & re.ASCII:
        out |= regex.ASCII
    return out


class TimedPattern:
    """A compiled user pattern whose every call stops at the budget's end.

    It offers the part of ``re.Pattern`` the matchers and judgements use
    (``search``, ``match``, ``fullmatch``, ``finditer``, ``findall``,
    ``pattern``, ``flags``); ``finditer`` collects its matches inside the time
    limit before returning them.
    """

    def __init__(self, pattern: str, flags: int, shown: str = "", option: str = "") -> None:
        self.pattern = pattern
        self.flags = flags
        self.shown = shown or pattern  # what a timeout names: the rule file's patterns
        self.option = option  # the rule option the pattern was given for, if any
        # Imported with the first user pattern: runs without one never load it.
        import regex

        self._compiled = regex.compile(pattern, _regex_flags(flags))

    def _call(self, method: str, text: str, pos: int, endpos: int | None) -> Any:
        left, seconds = _remaining()
        if left <= 0:
            raise PatternTimeout(self.shown, seconds, self.option)
        end = len(text) if endpos is None else endpos
        started = time.process_time()
        try:
            found = getattr(self._compiled, method)(text, pos, end, timeout=left)
            return list(found) if method == "finditer" else found
        except TimeoutError:
            raise PatternTimeout(self.shown, seconds, self.option) from None
        finally:
            _spend(time.process_time() - started)

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        found: re.Match[str] | None = self._call("search", text, pos, endpos)
        return found

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        found: re.Match[str] | None = self._call("match", text, pos, endpos)
        return found

    def fullmatch(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        found: re.Match[str] | None = self._call("fullmatch", text, pos, endpos)
        return found

    def finditer(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[re.Match[str]]:
        found: list[re.Match[str]] = self._call("finditer", text, pos, endpos)
        return iter(found)

    def findall(self, text: str, pos: int = 0, endpos: int | None = None) -> list[Any]:
        found: list[Any] = self._call("findall", text, pos, endpos)
        return found


class LazyPattern:
    """A bundled pattern compiled with ``re`` on its first use.

    The judgements build some fifty patterns from the rules' options, and a
    file reaches about half of them: compiling them all was a fifth of a cold
    ``check`` of one prompt. ``pattern`` is known without
    compiling; the first call compiles, and from then on the compiled
    pattern's own methods are the instance's (no wrapper in a loop).
    A literal prefilter reads the source (:func:`source_of`), so a pattern
    whose literals never occur in the text is never compiled. The module
    constants of the judgements and checks are lazy for the same reason: a
    hundred patterns, a third of which one prompt reaches, were compiled at
    import (``sub``, ``split`` and ``groupindex`` are here for them).

    ``needs`` is a part of the pattern that every match holds (a word list
    between a long lead and a tail, ``before + needs + after``): it is
    compiled alone, and while it finds nothing in the searched range the
    pattern cannot either, so the answer is "no match" and the pattern stays
    uncompiled. A task pattern is a 1 KB lead before its verbs, and a small
    prompt seldom holds the verbs of every task kind.

    Threads may share an instance: the worst a race does is compile twice
    (``re`` caches the result); a call sees either no compiled pattern or a
    whole one.
    """

    def __init__(self, pattern: str, flags: int = 0, needs: str | None = None) -> None:
        self.pattern = pattern
        # The flags as given (inline ones not yet read): what a parser of the
        # source needs, which ``flags`` would compile the pattern to answer.
        self.given_flags = flags
        self.needs = needs
        self._needs = None if needs is None else LazyPattern(needs, flags)
        self._compiled: re.Pattern[str] | None = None

    @property
    def flags(self) -> int:
        """The compiled pattern's flags (``re`` adds UNICODE and inline flags)."""
        return self.compiled.flags

    @property
    def compiled(self) -> re.Pattern[str]:
        found = self._compiled
        if found is None:
            found = self._compiled = re.compile(self.pattern, self.given_flags)
            for method in _METHODS:
                setattr(self, method, getattr(found, method))
        return found

    @property
    def groups(self) -> int:
        return self.compiled.groups

    @property
    def groupindex(self) -> Mapping[str, int]:
        return self.compiled.groupindex

    def excludes(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> bool:
        """Whether the pattern certainly has no match in ``text[pos:endpos]``,
        known without compiling it (False once it is compiled)."""
        needs = self._needs
        return (
            self._compiled is None and needs is not None and needs.search(text, pos, endpos) is None
        )

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if self.excludes(text, pos, endpos):
            return None
        return self.compiled.search(text, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if self.excludes(text, pos, endpos):
            return None
        return self.compiled.match(text, pos, endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if self.excludes(text, pos, endpos):
            return None
        return self.compiled.fullmatch(text, pos, endpos)

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        if self.excludes(text, pos, endpos):
            return iter(())
        return self.compiled.finditer(text, pos, endpos)

    def findall(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        if self.excludes(text, pos, endpos):
            return []
        return self.compiled.findall(text, pos, endpos)

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str, count: int = 0) -> str:
        return self.compiled.sub(repl, text, count)

    def subn(
        self, repl: str | Callable[[re.Match[str]], str], text: str, count: int = 0
    ) -> tuple[str, int]:
        return self.compiled.subn(repl, text, count)

    def split(self, text: str, maxsplit: int = 0) -> list[str | Any]:
        return self.compiled.split(text, maxsplit)


# What the compiled pattern answers directly once there is one.
_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split")


# A pattern a rule runs: its own (``re``, compiled now or on first use), or one
# from a user (timed).
Pattern: TypeAlias = "re.Pattern[str] | LazyPattern | TimedPattern"


def source_of(pattern: re.Pattern[str] | LazyPattern) -> tuple[str, int]:
    """The source and the flags to parse it with, without compiling a lazy pattern."""
    if isinstance(pattern, LazyPattern):
        return pattern.pattern, pattern.given_flags
    return pattern.pattern, pattern.flags


def compiled(pattern: Pattern) -> re.Pattern[str] | TimedPattern:
    """``pattern`` with a lazy one compiled: what code that treats ``re``
    patterns apart (a literal prefilter, per-block caching) looks at."""
    return pattern.compiled if isinstance(pattern, LazyPattern) else pattern
