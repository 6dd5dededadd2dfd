"""Declarative matcher kinds: the part of a rule that is data, not code.

- ``existence``: flag each phrase (``tokens``) or regex (``patterns``).
- ``substitution``: flag each phrase in ``swap`` and offer its replacement.
- ``occurrence``: flag when a phrase or pattern occurs at least ``min_count`` times.
- ``requires``: when a ``when`` pattern is present, require one of ``require``.

Every kind searches only the text its ``scope`` names (instruction prose by
default: never examples, code, quoted data, frontmatter or template tags) and
can be silenced by a pattern ``unless_near`` the match on the same line, which
is how "brief" next to "3 sentences" stays quiet. ``preceded_by`` narrows a
phrase to one context (a vague "some" only counts after a verb that asks the
model to produce something: "give some tips"); ``not_preceded_by`` leaves a
phrase alone in one context (what a sentence contrasts the output with:
"rather than in detail"), and only that phrase, not its neighbours on the
line as ``unless_near`` would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from promptwise.rules.timed import LazyPattern, TimedPattern

try:  # Python 3.11+
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants
    import sre_parse

FIELDS = (
    "tokens",
    "patterns",
    "ignorecase",
    "scope",
    "unless_near",
    "window",
    "unless_line",
    "swap",
    "fix_safe",
    "fix_title",
    "when",
    "require",
    "anchor",
    "min_count",
    "max_findings",
    "preceded_by",
    "not_preceded_by",
)
KINDS = ("existence", "substitution", "occurrence", "requires")
# ``directives``: instructions minus descriptive text, example turns,
# placeholders and quoted phrases (``rules/judgements/directives.py``).
SCOPES = ("instructions", "directives", "body", "all")

# Nested quantifiers such as (a+)+ or (\w*)* backtrack catastrophically.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*](?:[^()\\]|\\.)*\)[+*{]")


# Bundled rules compile with ``re`` (on first use); a user rule's patterns run
# under a time limit (``rules/timed.py``).
Pattern = re.Pattern[str] | LazyPattern | TimedPattern


class MatcherError(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _strings(spec: Mapping[str, Any], key: str) -> list[str]:
    value = spec.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise MatcherError(key, "expected a list of non-empty strings")
    return list(value)


def nests_quantifier(pattern: str) -> bool:
    """``_NESTED_QUANTIFIER.search(pattern)``, in one pass over the pattern.

    The regex backtracks over every ``+`` of a long group for each ``(``
    (quadratic in the pattern's length), and this guard reads patterns from
    the workspace. A group's content runs from a ``(`` (escaped or not, as the
    regex may start at either) to the next bare parenthesis; it nests a
    quantifier when it holds a bare ``+`` or ``*`` and its ``)`` is followed by
    ``+``, ``*`` or ``{``.
    """
    inside = seen = False
    i, size = 0, len(pattern)
    while i < size:
        ch = pattern[i]
        if ch == "\\":
            if not inside and pattern.startswith("(", i + 1):
                inside, seen = True, False
            i += 2
            continue
        if ch == "(":
            inside, seen = True, False
        elif ch == ")":
            if inside and seen and i + 1 < size and pattern[i + 1] in "+*{":
                return True
            inside = False
        elif ch in "+*":
            seen = seen or inside
        i += 1
    return False


def _check_pattern(key: str, pattern: str, flags: int) -> re.Pattern[str]:
    if nests_quantifier(pattern):
        raise MatcherError(
            key,
            f"pattern {pattern!r} nests quantifiers, which can take "
            "exponential time; rewrite it without `(...+)+`",
        )
    try:
        compiled = re.compile(pattern, flags)
    except re.error as exc:
        raise MatcherError(key, f"invalid regular expression {pattern!r}: {exc}") from None
    risk = backtracking_risk(pattern, flags)
    if risk is not None:
        raise MatcherError(
            key,
            f"pattern {pattern!r} {risk}, which can take exponential "
            "time on some inputs; rewrite it so each repeated part can "
            "match only one way",
        )
    return compiled


# ------------------------------------------------------- catastrophic backtracking
#
# The textual check above only sees `(...+)+` written flat. Rule files come
# from the workspace, so a user pattern is also checked on its parsed form:
# a repeat that can run many times may not contain (at any depth) another
# unbounded repeat, nor alternatives that can start with the same character
# (`(a|a)*`, `(\d|\d\d)+`). Python's `re` has no match timeout, so these
# shapes are refused at load instead.

_MAXREPEAT = sre_constants.MAXREPEAT
_REPEAT_OPS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
# Possessive repeats and atomic groups (Python 3.11+) never backtrack.
_NO_BACKTRACK = {
    getattr(sre_constants, name)
    for name in ("POSSESSIVE_REPEAT", "ATOMIC_GROUP")
    if hasattr(sre_constants, name)
}
# A bounded repeat up to this many times stays polynomial (`(?: \w+){0,3}`).
_FEW = 8
_ANY_FIRST = None  # "could start with any character"


def backtracking_risk(pattern: str, flags: int = 0) -> str | None:
    """Why ``pattern`` can backtrack catastrophically, or None when it cannot."""
    try:
        parsed = sre_parse.parse(pattern, flags)
    except Exception:  # compile() already accepted it; an odd construct is not a risk
        return None
    return _risk(list(parsed), inside_repeat=False)


def _risk(items: list[Any], inside_repeat: bool) -> str | None:
    for op, av in items:
        if op in _REPEAT_OPS:
            _, high, body = av
            body_items = list(body)
            many = high == _MAXREPEAT or high > _FEW
            if inside_repeat and high == _MAXREPEAT:
                return "nests an unbounded quantifier inside another"
            if many and _has_overlapping_branch(body_items):
                return "repeats alternatives that can match the same text"
            found = _risk(body_items, inside_repeat or many)
            if found:
                return found
        elif op in _NO_BACKTRACK:
            continue
        elif op is sre_constants.SUBPATTERN:
            found = _risk(list(av[-1]), inside_repeat)
            if found:
                return found
        elif op is sre_constants.BRANCH:
            for branch in av[1]:
                found = _risk(list(branch), inside_repeat)
                if found:
                    return found
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            found = _risk(list(av[1]), inside_repeat)
            if found:
                return found
    return None


def _has_overlapping_branch(items: list[Any]) -> bool:
    """A repeated part with an alternation that can match the same text two ways.

    Two branches that can start with the same character (`(a|a?)`, `(Yes|yes)`
    ignoring case), two empty branches (what `(a|a)` becomes once the parser
    factors out the common prefix), or an empty branch beside one that can
    start the next repetition (`(\\d|\\d\\d)` is `\\d(?:|\\d)`) let one input
    split into repetitions in exponentially many ways.
    """
    whole = _first_set(items)
    return any(
        _branch_overlaps(av[1], whole) for op, av in _walk(items) if op is sre_constants.BRANCH
    )


def _walk(items: list[Any]) -> Iterator[tuple[Any, Any]]:
    for op, av in items:
        yield op, av
        if op is sre_constants.SUBPATTERN:
            yield from _walk(list(av[-1]))
        elif op is sre_constants.BRANCH:
            for branch in av[1]:
                yield from _walk(list(branch))


def _branch_overlaps(branches: list[Any], whole: frozenset[str] | None) -> bool:
    firsts = [_first_set(list(b)) if list(b) else _EMPTY for b in branches]
    for i, one in enumerate(firsts):
        for other in firsts[i + 1 :]:
            if one is _EMPTY and other is _EMPTY:
                return True
            if one is _EMPTY or other is _EMPTY:
                rest = other if one is _EMPTY else one
                if _intersects(rest, whole):
                    return True
            elif _intersects(one, other):
                return True
    return False


_EMPTY: frozenset[str] = frozenset({"<empty>"})


def _first_set(items: list[Any]) -> frozenset[str] | None:
    """Characters a match of ``items`` can start with (lower-cased); None = any."""
    for op, av in items:
        if op is sre_constants.LITERAL:
            return frozenset(chr(av).lower())
        if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue
        if op is sre_constants.IN:
            chars: set[str] = set()
            for kind, value in av:
                if kind is sre_constants.LITERAL:
                    chars.add(chr(value).lower())
                elif kind is sre_constants.RANGE and value[1] - value[0] < 256:
                    chars.update(chr(c).lower() for c in range(value[0], value[1] + 1))
                else:
                    return _ANY_FIRST
            return frozenset(chars)
        if op is sre_constants.SUBPATTERN:
            return _first_set(list(av[-1]))
        if op in _REPEAT_OPS and av[0] >= 1:
            return _first_set(list(av[2]))
        return _ANY_FIRST  # categories, dots, optional parts, groups: assume any
    return _ANY_FIRST


def _intersects(one: frozenset[str] | None, other: frozenset[str] | None) -> bool:
    return one is None or other is None or bool(one & other)


def phrase_pattern(phrases: Sequence[str]) -> str:
    """A regex matching any phrase as whole words; longest phrases first."""
    parts = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        body = r"\s+".join(re.escape(word) for word in phrase.split())
        left = r"(?<![\w-])" if phrase[0].isalnum() else ""
        right = r"(?![\w-])" if phrase[-1].isalnum() else ""
        parts.append(f"{left}{body}{right}")
    return "|".join(parts)


def validate(kind: str, spec: Mapping[str, Any]) -> None:
    """Raise MatcherError for a spec that ``compile_spec`` could not use."""
    compile_spec(kind, spec)


@dataclass(frozen=True)
class CompiledMatcher:
    kind: str
    search: Pattern | None
    swap: Mapping[str, str]
    when: Pattern | None
    require: Pattern | None
    unless_near: Pattern | None
    unless_line: Pattern | None
    preceded_by: Pattern | None
    not_preceded_by: Pattern | None
    window: int
    scope: str
    anchor: str
    min_count: int
    max_findings: int
    fix_safe: bool
    fix_title: str


def compile_spec(
    kind: str, spec: Mapping[str, Any], *, timed: bool = False, trusted: bool = False
) -> CompiledMatcher:
    """Check and compile a declarative rule; ``timed`` for a user rule's patterns.

    ``trusted`` (the bundled rules) skips the per-pattern shape checks, which
    compile and parse every pattern once more on its own: for the bundled
    rules that was about a third of loading them, on every cold start, for
    patterns a unit test checks (``test_every_bundled_rule_passes_the_full_check``).
    Their patterns are then compiled on first use (``LazyPattern``).
    """

    def check(key: str, pattern: str, flags: int) -> None:
        if not trusted:
            _check_pattern(key, pattern, flags)

    def compile_(pattern: str, flags: int, shown: Sequence[str] = ()) -> Pattern:
        if not timed:
            # A bundled pattern is compiled when first used: the shared scan
            # tries a rule's pattern only where its literals occur.
            return LazyPattern(pattern, flags) if trusted else re.compile(pattern, flags)
        try:  # a timeout names the rule file's own patterns, not their combination
            return TimedPattern(pattern, flags, ", ".join(shown) or pattern)
        except Exception as exc:  # what `re` accepts and `regex` reads otherwise
            raise MatcherError(
                "patterns", f"invalid regular expression {pattern!r}: {exc}"
            ) from None

    ignorecase = spec.get("ignorecase", True)
    if not isinstance(ignorecase, bool):
        raise MatcherError("ignorecase", "expected true or false")
    flags = re.IGNORECASE if ignorecase else 0
    flags |= re.MULTILINE
    scope = spec.get("scope", "instructions")
    if scope not in SCOPES:
        raise MatcherError("scope", f"expected one of {', '.join(SCOPES)}")
    tokens = _strings(spec, "tokens")
    patterns = _strings(spec, "patterns")
    for i, pattern in enumerate(patterns):
        check(f"patterns[{i}]", pattern, flags)
    swap: dict[str, str] = {}
    if kind == "substitution":
        raw_swap = spec.get("swap")
        if not isinstance(raw_swap, Mapping) or not raw_swap:
            raise MatcherError(
                "swap", "a substitution rule needs a `swap` mapping of phrase: replacement"
            )
        for phrase, replacement in raw_swap.items():
            if not isinstance(phrase, str) or not isinstance(replacement, str) or not phrase:
                raise MatcherError(f"swap.{phrase}", "expected phrase: replacement strings")
            swap[phrase.lower() if ignorecase else phrase] = replacement
        tokens = [*tokens, *raw_swap.keys()]
    alternatives = [p for p in (phrase_pattern(tokens) if tokens else "", *patterns) if p]
    search = (
        compile_("|".join(f"(?:{a})" for a in alternatives), flags, patterns)
        if alternatives
        else None
    )
    when = require = None
    if kind == "requires":
        when_list = _strings(spec, "when")
        require_list = _strings(spec, "require")
        if not require_list:
            raise MatcherError("require", "a requires rule needs at least one `require` pattern")
        for i, pattern in enumerate(when_list):
            check(f"when[{i}]", pattern, flags)
        for i, pattern in enumerate(require_list):
            check(f"require[{i}]", pattern, flags)
        when = (
            compile_("|".join(f"(?:{p})" for p in when_list), flags, when_list)
            if when_list
            else None
        )
        require = compile_("|".join(f"(?:{p})" for p in require_list), flags, require_list)
    elif search is None:
        raise MatcherError("tokens", f"a {kind} rule needs `tokens` or `patterns`")
    near = _strings(spec, "unless_near")
    line = _strings(spec, "unless_line")
    before = _strings(spec, "preceded_by")
    for i, pattern in enumerate(before):
        check(f"preceded_by[{i}]", pattern, flags)
    not_before = _strings(spec, "not_preceded_by")
    for i, pattern in enumerate(not_before):
        check(f"not_preceded_by[{i}]", pattern, flags)
    for i, pattern in enumerate(near):
        check(f"unless_near[{i}]", pattern, flags)
    for i, pattern in enumerate(line):
        check(f"unless_line[{i}]", pattern, flags)
    window = spec.get("window", 40)
    min_count = spec.get("min_count", 1)
    max_findings = spec.get("max_findings", 0)
    for key, value in (
        ("window", window),
        ("min_count", min_count),
        ("max_findings", max_findings),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise MatcherError(key, "expected a whole number >= 0")
    anchor = spec.get("anchor", "when")
    if anchor not in ("when", "body"):
        raise MatcherError("anchor", "expected `when` or `body`")
    return CompiledMatcher(
        kind=kind,
        search=search,
        swap=swap,
        when=when,
        require=require,
        unless_near=compile_("|".join(f"(?:{p})" for p in near), flags, near) if near else None,
        unless_line=compile_("|".join(f"(?:{p})" for p in line), flags, line) if line else None,
        preceded_by=_ending_here(compile_, before, flags),
        not_preceded_by=_ending_here(compile_, not_before, flags),
        window=window,
        scope=str(scope),
        anchor=str(anchor),
        min_count=min_count,
        max_findings=max_findings,
        fix_safe=bool(spec.get("fix_safe", False)),
        fix_title=str(spec.get("fix_title", "Replace `{match}` with `{replacement}`")),
    )


def _ending_here(
    compile_: Callable[[str, int, Sequence[str]], Pattern], patterns: list[str], flags: int
) -> Pattern | None:
    """One pattern for a context that must end right before a match (spaces between)."""
    if not patterns:
        return None
    joined = "(?:" + "|".join(f"(?:{p})" for p in patterns) + r")[ \t]*\Z"
    return compile_(joined, flags, patterns)


# How far back from a match ``preceded_by`` (or ``not_preceded_by``) may reach. A context such as
# "1. Please give the user" is tens of characters; without a bound, one long
# line with many matches ("give some tips, " repeated) would be searched from
# its start once per match, quadratic in the line's length.
CONTEXT_REACH = 256


def silenced(
    matcher: CompiledMatcher,
    text: str,
    start: int,
    end: int,
    line_start: int,
    line_end: int,
    line_cache: dict[int, bool] | None = None,
) -> bool:
    """Is the match at ``[start, end)`` made precise by something right next to it?

    ``line_start`` is where the match's line starts and ``line_end`` where the
    line holding its end stops (the caller knows them from the line index, so
    no call scans the line). ``unless_line`` depends on the line only, so its
    answer is kept in ``line_cache`` (by line start) across the matches of one
    text: many matches on one long line search it once.
    """
    if matcher.unless_near is None and matcher.unless_line is None:
        return False
    if matcher.unless_line is not None:
        hit = line_cache.get(line_start) if line_cache is not None else None
        if hit is None:
            hit = matcher.unless_line.search(text, line_start, line_end) is not None
            if line_cache is not None:
                line_cache[line_start] = hit
        if hit:
            return True
    if matcher.unless_near is not None:
        lo = max(line_start, start - matcher.window)
        hi = min(line_end, end + matcher.window)
        for m in matcher.unless_near.finditer(text, lo, hi):
            if m.end() <= start or m.start() >= end:
                return True
    return False


def in_context(matcher: CompiledMatcher, text: str, start: int, line_start: int) -> bool:
    """Does ``preceded_by`` (if set) end right before the match, on its line, and
    ``not_preceded_by`` (if set) not?

    The line up to the match is searched back to at most ``CONTEXT_REACH``
    characters. The search runs on the whole text between bounds (not on a
    slice), so ``^`` still matches only at the real start of the line, never
    at the edge of the reach, and no call copies the line.
    """
    if matcher.preceded_by is None and matcher.not_preceded_by is None:
        return True
    lo = max(line_start, start - CONTEXT_REACH)
    if matcher.not_preceded_by is not None and matcher.not_preceded_by.search(text, lo, start):
        return False
    return matcher.preceded_by is None or matcher.preceded_by.search(text, lo, start) is not None


def replacement_for(matcher: CompiledMatcher, matched: str) -> str | None:
    """The swap for a matched phrase, keeping a leading capital."""
    key = " ".join(matched.split())
    replacement = matcher.swap.get(key.lower()) or matcher.swap.get(key)
    if replacement is None:
        return None
    if matched[:1].isupper() and replacement[:1].islower():
        replacement = replacement[0].upper() + replacement[1:]
    return replacement
