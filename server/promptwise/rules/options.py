"""Rule options: the word lists and thresholds of the built-in rules, and their overrides.

A rule's ``options:`` in its YAML file are its defaults: the phrases that
count as a fallback label (PW302), the names that mark user input (PW401),
the shortest duplicated line (PW505). The ``rule_options`` setting changes
them without code::

    rule_options:
      PW302:
        extend_fallback_label_patterns: ["escalate"]   # added to the defaults
      PW401:
        input_names: [body, payload]                   # replaces the defaults

An option's type is its default's: a whole number, or a list of strings.
Lists named ``*_patterns`` hold regular expressions (matched ignoring case,
as whole words where the rule says so); other lists hold plain words.
``extend_<name>`` appends to a list instead of replacing it.

This module reads only the ``options:`` of the bundled rule files, so the
settings can be validated without loading (and importing) every rule.

A pattern from the settings passes the load-time shape check, but no shape
check is complete: :func:`compile_option` compiles a pattern built from an
option's list with ``re`` while every entry is one of the bundled rule's
own, and as a :class:`~promptwise.rules.timed.TimedPattern` (run under the
time limit of rule-file patterns) as soon as one entry came from a config.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from promptwise.rules import matchers, timed
from promptwise.rules.model import builtin_rules_dir, load_bundled

RuleOptions = Mapping[str, Mapping[str, Any]]  # rule code -> option name -> value
EXTEND = "extend_"


@lru_cache(maxsize=1)
def builtin_options() -> dict[str, dict[str, Any]]:
    """The ``options:`` of every bundled rule that has any, by rule code."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(builtin_rules_dir().glob("PW*.yaml")):
        data = load_bundled(path.read_text(encoding="utf-8")).value
        if isinstance(data, dict) and isinstance(data.get("options"), dict):
            # A copy: the loaded value is shared with the rule loader.
            out[str(data["id"])] = copy.deepcopy(dict(data["options"]))
    return out


def is_patterns(name: str) -> bool:
    return name.endswith("_patterns")


def check_default(name: str, value: Any) -> str | None:
    """Why a rule file's own option is not of a supported type, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, list)):
        return "an option is a whole number or a list of strings"
    if isinstance(value, list) and not all(isinstance(v, str) and v for v in value):
        return "expected a list of non-empty strings"
    return None


def _strings(
    key: str, value: Any, patterns: bool, trusted: Sequence[str], error: Callable[[str, str], Any]
) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise error(key, "expected a list of non-empty strings")
    if patterns:
        for i, pattern in enumerate(value):
            if pattern in trusted:
                continue  # copied from the rule's own list
            try:
                matchers.validate("existence", {"patterns": [pattern], "ignorecase": True})
            except matchers.MatcherError as exc:
                raise error(key, f"entry {i + 1}: {exc.message}") from None
    return tuple(value)


def validate_overrides(
    value: Any,
    error: Callable[[str, str], Exception],
    prefix: str = "rule_options",
    defaults: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Check a ``rule_options`` mapping against the rules' own options.

    ``error(key, message)`` builds the exception to raise, so the caller
    (the settings reader) can name the file and line of ``key``.
    """
    defaults = builtin_options() if defaults is None else defaults
    if not isinstance(value, Mapping):
        raise error(prefix, "expected a mapping of rule codes to their options")
    out: dict[str, dict[str, Any]] = {}
    for raw_code, given in value.items():
        code = str(raw_code).upper()
        key = f"{prefix}.{raw_code}"
        if code not in defaults:
            known = ", ".join(sorted(defaults))
            raise error(
                key, f"`{raw_code}` is not a rule with options (rules with options: {known})"
            )
        if not isinstance(given, Mapping):
            raise error(key, "expected a mapping of option names to values")
        own = defaults[code]
        names = [*own, *(EXTEND + n for n, v in own.items() if isinstance(v, list))]
        checked: dict[str, Any] = {}
        for raw_name, item in given.items():
            name = str(raw_name)
            sub = f"{key}.{raw_name}"
            base = name[len(EXTEND) :] if name.startswith(EXTEND) else name
            if name not in names:
                close = difflib.get_close_matches(name, names, n=1)
                hint = f"; did you mean `{close[0]}`?" if close else ""
                raise error(
                    sub,
                    f"unknown option of {code}{hint} (it has {', '.join(f'`{n}`' for n in own)})",
                )
            default = own[base]
            if isinstance(default, list):
                checked[name] = _strings(sub, item, is_patterns(base), default, error)
            elif isinstance(item, bool) or not isinstance(item, int) or item < 0:
                raise error(sub, f"expected a whole number, got {item!r}")
            else:
                checked[name] = item
        out[code] = checked
    return out


def effective(own: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """A rule's options after the settings: replaced, then extended."""
    if not overrides:
        return dict(own)
    out: dict[str, Any] = {}
    for name, default in own.items():
        value = overrides.get(name, default)
        if isinstance(default, list):
            value = [*value, *overrides.get(EXTEND + name, ())]
        out[name] = value
    return out


def freeze(overrides: RuleOptions, codes: Sequence[str]) -> tuple[Any, ...]:
    """A hashable key for the overrides of ``codes`` (for caches built from options)."""
    return tuple(
        (
            code,
            tuple(
                sorted(
                    (k, tuple(v) if isinstance(v, (list, tuple)) else v) for k, v in opts.items()
                )
            ),
        )
        for code, opts in sorted(overrides.items())
        if code in codes and opts
    )


def alternation(items: Sequence[str], *, words: bool = False) -> str:
    """``(?:a|b|c)``: a list of patterns, or of plain words (escaped), as one group."""
    return "(?:" + "|".join(re.escape(i) if words else i for i in items) + ")"


def compile_option(
    source: str, flags: int, code: str, name: str, items: Sequence[str], needs: str | None = None
) -> timed.Pattern:
    """``source`` (built from ``items``, rule ``code``'s option ``name``) compiled.

    With ``re`` while every entry is one the bundled rule file has (the
    defaults, the fast path the prose prefilter takes); under the pattern time
    limit when the settings brought any other, so that a pattern written to
    backtrack stops, and is reported as PW008 naming the option, instead of
    stalling ``check`` or the server.
    """
    bundled = builtin_options().get(code, {}).get(name, ())
    given = [item for item in items if item not in bundled]
    if not given:
        return timed.LazyPattern(source, flags, needs)  # compiled if a search reaches it
    shown = ", ".join(f"`{item}`" for item in given)
    return timed.TimedPattern(source, flags, shown=shown, option=f"{code} `{name}`")


def option_pattern(
    options: Mapping[str, Any],
    code: str,
    name: str,
    before: str = "",
    after: str = "",
    flags: int = re.IGNORECASE,
) -> timed.Pattern:
    """``before`` + the alternation of option ``name`` + ``after``, by :func:`compile_option`.

    ``before`` and ``after`` are whole patterns (their groups closed), so
    every match holds a match of the alternation: when the two are longer
    than it, the alternation alone tells, compiled first, that a text cannot
    match (``LazyPattern``'s ``needs``).
    """
    items = options[name]
    words = alternation(items)
    needs = words if _can_stand_alone(before, words) and len(before + after) > len(words) else None
    return compile_option(before + words + after, flags, code, name, items, needs)


def _can_stand_alone(before: str, words: str) -> bool:
    """Whether ``words`` means alone what it means after ``before``: no inline
    flags of ``before`` apply to it, and it refers to no group by number or
    name (which ``before`` may hold)."""
    if before.startswith("(?"):
        end = before.find(")")
        if end > 2 and all(c in "aiLmsux" for c in before[2:end]):
            return False  # ``(?x)``: read for the whole pattern
    return (
        "(?P=" not in words
        and "(?(" not in words
        and not any("\\" + digit in words for digit in "123456789")
    )
