"""Judgements about a whole prompt that several rules share.

Is it a classification, an extraction or an agent persona (``task_kind``);
does it show worked examples (``examples``); does it state an output
format, a label set and a fallback label (``output_contract``); does it
take input and say what to do with unusual input or without an answer
(``input_handling``). ``task_profile`` makes them all once per document;
``prose`` holds the span-aware search they share.
"""

import re

from promptwise.rules.judgements import examples, input_handling, output_contract, task_kind
from promptwise.rules.judgements.examples import WorkedExample
from promptwise.rules.judgements.output_contract import LabelSet
from promptwise.rules.judgements.prose import prose_spans, search, search_from
from promptwise.rules.judgements.task_kind import STRUCTURED_KINDS, TaskKind
from promptwise.rules.judgements.task_profile import TaskProfile, clear_cache, profile
from promptwise.rules.judgements.vocabulary import Vocabulary, builtin, for_settings
from promptwise.rules.timed import LazyPattern

__all__ = [
    "STRUCTURED_KINDS",
    "LabelSet",
    "TaskKind",
    "TaskProfile",
    "Vocabulary",
    "WorkedExample",
    "clear_cache",
    "for_settings",
    "patterns",
    "profile",
    "prose_spans",
    "search",
    "search_from",
]


def patterns(words: Vocabulary | None = None) -> tuple[re.Pattern[str], ...]:
    """Every pattern the judgements search prose with, for tests of the search itself:
    the structural ones of each module and those compiled from the rules' options."""
    words = words or builtin()
    found: list[re.Pattern[str]] = []
    holders = (task_kind, examples, output_contract, input_handling)
    for holder in (*holders, words.task, words.examples, words.contract, words.input):
        for _, value in sorted(vars(holder).items()):
            values = value if isinstance(value, (list, tuple)) else [value]
            for item in values:
                item = item[-1] if isinstance(item, tuple) else item
                if isinstance(item, LazyPattern):
                    item = item.compiled
                if isinstance(item, re.Pattern):
                    found.append(item)
    return tuple(found)
