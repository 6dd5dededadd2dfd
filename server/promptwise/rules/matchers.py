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
model to produce something: "give some tips").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from promptwise.rules.prefilter import Prefilter

FIELDS = (
    "tokens", "patterns", "ignorecase", "scope", "unless_near", "window", "unless_line", "swap",
    "fix_safe", "fix_title", "when", "require", "anchor", "min_count", "max_findings",
    "preceded_by",
)
KINDS = ("existence", "substitution", "occurrence", "requires")
SCOPES = ("instructions", "body", "all")

# Nested quantifiers such as (a+)+ or (\w*)* backtrack catastrophically.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*](?:[^()\\]|\\.)*\)[+*{]")


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


def _check_pattern(key: str, pattern: str, flags: int) -> re.Pattern[str]:
    if _NESTED_QUANTIFIER.search(pattern):
        raise MatcherError(key, f"pattern {pattern!r} nests quantifiers, which can take "
                                "exponential time; rewrite it without `(...+)+`")
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise MatcherError(key, f"invalid regular expression {pattern!r}: {exc}") from None


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
    search: re.Pattern[str] | None
    swap: Mapping[str, str]
    when: re.Pattern[str] | None
    require: re.Pattern[str] | None
    unless_near: re.Pattern[str] | None
    unless_line: re.Pattern[str] | None
    preceded_by: re.Pattern[str] | None
    window: int
    scope: str
    anchor: str
    min_count: int
    max_findings: int
    fix_safe: bool
    fix_title: str


def compile_spec(kind: str, spec: Mapping[str, Any]) -> CompiledMatcher:
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
        _check_pattern(f"patterns[{i}]", pattern, flags)
    swap: dict[str, str] = {}
    if kind == "substitution":
        raw_swap = spec.get("swap")
        if not isinstance(raw_swap, Mapping) or not raw_swap:
            raise MatcherError("swap", "a substitution rule needs a `swap` mapping of "
                                       "phrase: replacement")
        for phrase, replacement in raw_swap.items():
            if not isinstance(phrase, str) or not isinstance(replacement, str) or not phrase:
                raise MatcherError(f"swap.{phrase}", "expected phrase: replacement strings")
            swap[phrase.lower() if ignorecase else phrase] = replacement
        tokens = [*tokens, *raw_swap.keys()]
    alternatives = [p for p in (phrase_pattern(tokens) if tokens else "", *patterns) if p]
    search = re.compile("|".join(f"(?:{a})" for a in alternatives), flags) if alternatives \
        else None
    when = require = None
    if kind == "requires":
        when_list = _strings(spec, "when")
        require_list = _strings(spec, "require")
        if not require_list:
            raise MatcherError("require", "a requires rule needs at least one `require` pattern")
        for i, pattern in enumerate(when_list):
            _check_pattern(f"when[{i}]", pattern, flags)
        for i, pattern in enumerate(require_list):
            _check_pattern(f"require[{i}]", pattern, flags)
        when = re.compile("|".join(f"(?:{p})" for p in when_list), flags) if when_list else None
        require = re.compile("|".join(f"(?:{p})" for p in require_list), flags)
    elif search is None:
        raise MatcherError("tokens", f"a {kind} rule needs `tokens` or `patterns`")
    near = _strings(spec, "unless_near")
    line = _strings(spec, "unless_line")
    before = _strings(spec, "preceded_by")
    for i, pattern in enumerate(before):
        _check_pattern(f"preceded_by[{i}]", pattern, flags)
    for i, pattern in enumerate(near):
        _check_pattern(f"unless_near[{i}]", pattern, flags)
    for i, pattern in enumerate(line):
        _check_pattern(f"unless_line[{i}]", pattern, flags)
    window = spec.get("window", 40)
    min_count = spec.get("min_count", 1)
    max_findings = spec.get("max_findings", 0)
    for key, value in (("window", window), ("min_count", min_count),
                       ("max_findings", max_findings)):
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
        unless_near=re.compile("|".join(f"(?:{p})" for p in near), flags) if near else None,
        unless_line=re.compile("|".join(f"(?:{p})" for p in line), flags) if line else None,
        preceded_by=re.compile("(?:" + "|".join(f"(?:{p})" for p in before) + r")[ \t]*\Z",
                               flags) if before else None,
        window=window,
        scope=str(scope),
        anchor=str(anchor),
        min_count=min_count,
        max_findings=max_findings,
        fix_safe=bool(spec.get("fix_safe", False)),
        fix_title=str(spec.get("fix_title", "Replace `{match}` with `{replacement}`")),
    )


def silenced(matcher: CompiledMatcher, text: str, start: int, end: int) -> bool:
    """Is the match at ``[start, end)`` made precise by something right next to it?"""
    if matcher.unless_near is None and matcher.unless_line is None:
        return False
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    if line_end == -1:
        line_end = len(text)
    if matcher.unless_line is not None and matcher.unless_line.search(text, line_start, line_end):
        return True
    if matcher.unless_near is not None:
        lo = max(line_start, start - matcher.window)
        hi = min(line_end, end + matcher.window)
        for m in matcher.unless_near.finditer(text, lo, hi):
            if m.end() <= start or m.start() >= end:
                return True
    return False


def in_context(matcher: CompiledMatcher, text: str, start: int) -> bool:
    """Does ``preceded_by`` (if set) end right before the match, on its line?

    The whole line up to the match is searched (not a window), so a pattern
    may anchor at the line start with ``^`` ("an imperative verb opening the
    clause") without a window edge passing for the start of the line.
    """
    if matcher.preceded_by is None:
        return True
    line_start = text.rfind("\n", 0, start) + 1
    return matcher.preceded_by.search(text[line_start:start]) is not None


def replacement_for(matcher: CompiledMatcher, matched: str) -> str | None:
    """The swap for a matched phrase, keeping a leading capital."""
    key = " ".join(matched.split())
    replacement = matcher.swap.get(key.lower()) or matcher.swap.get(key)
    if replacement is None:
        return None
    if matched[:1].isupper() and replacement[:1].islower():
        replacement = replacement[0].upper() + replacement[1:]
    return replacement


_prefilters: dict[tuple[str, int], Prefilter] = {}


def find_all(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """Non-empty matches, found through a literal prefilter where the pattern allows one."""
    key = (pattern.pattern, pattern.flags)
    prefilter = _prefilters.get(key)
    if prefilter is None:
        prefilter = _prefilters[key] = Prefilter(pattern)
    return prefilter.finditer(text)
