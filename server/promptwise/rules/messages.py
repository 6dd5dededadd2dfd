"""Finding messages: templates in the rule file, values from the code.

A rule's text lives in its YAML file (``message:``, or ``messages:`` when
the rule words its findings in several ways), with named placeholders:
``"`{variable}` is used but not declared; did you mean `{suggestion}`?"``.
A check returns only the values (``Hit.args``) and, for a rule with several
messages, which one it means (``Hit.variant``); the engine fills the
template. So the wording of a rule can be read and changed in one file, and
the loader can check that every placeholder is one the code fills.

A placeholder is a lower-case name in single braces. Double braces
(``{{name}}``, template syntax quoted in a message) and anything else in
braces (``${env:NAME}``) are plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_][a-z0-9_]*)\}(?!\})")

# The single ``message:`` of a rule, as a variant name.
SINGLE = ""

# What each way of producing findings can fill, by message variant.
Spec = Mapping[str, frozenset[str]]
DECLARATIVE: Spec = {SINGLE: frozenset({"match", "replacement", "count"})}


def placeholders(template: str) -> set[str]:
    """The placeholder names ``template`` uses."""
    return set(PLACEHOLDER.findall(template))


def fill(template: str, args: Mapping[str, str]) -> str:
    """``template`` with each placeholder replaced by its value, in one pass.

    One pass means a value is never searched for placeholders itself: a
    matched phrase that happens to contain ``{count}`` stays as written. A
    placeholder without a value is left as written, so a gap shows.
    """
    return PLACEHOLDER.sub(lambda m: args.get(m.group(1), m.group(0)), template)
