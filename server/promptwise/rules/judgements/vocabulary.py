"""The words the judgements look for, read from the rules' options.

Which verbs state a classification, which labels are fallbacks, which
phrases handle unusual input: these lists are data in the rule files
(``options:`` of PW101, PW301, PW302, PW303 and PW304), not code, so a user
can extend or replace them with the ``rule_options`` setting. Each judgement
module compiles the part it reads (``TaskWords``, ``ExampleWords``, ...);
this module builds them together, once per distinct set of options: the
defaults are one value for the whole process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from promptwise.rules.judgements import examples, input_handling, output_contract, task_kind
from promptwise.rules.options import RuleOptions, builtin_options, effective, freeze

# The rules whose options feed the judgements.
OWNERS = (
    task_kind.OWNER,
    examples.OWNER,
    output_contract.FORMAT_OWNER,
    output_contract.LABELS_OWNER,
    input_handling.INPUT_OWNER,
    input_handling.ANSWER_OWNER,
)


@dataclass(frozen=True, eq=False)
class Vocabulary:
    task: task_kind.TaskWords
    examples: examples.ExampleWords
    contract: output_contract.ContractWords
    input: input_handling.InputWords

    @classmethod
    def from_options(cls, options: RuleOptions) -> Vocabulary:
        return cls(
            task=task_kind.TaskWords.from_options(options),
            examples=examples.ExampleWords.from_options(options),
            contract=output_contract.ContractWords.from_options(options),
            input=input_handling.InputWords.from_options(options),
        )


@lru_cache(maxsize=1)
def builtin() -> Vocabulary:
    """The vocabulary of the bundled rule files, without any settings."""
    return Vocabulary.from_options(builtin_options())


@lru_cache(maxsize=16)
def _configured(key: tuple[Any, ...]) -> Vocabulary:
    defaults = builtin_options()
    overrides = {code: dict(options) for code, options in key}
    return Vocabulary.from_options(
        {code: effective(defaults[code], overrides.get(code)) for code in defaults}
    )


def for_settings(overrides: Mapping[str, Mapping[str, Any]]) -> Vocabulary:
    """The vocabulary after the ``rule_options`` setting (the defaults when it changes none)."""
    key = freeze(overrides, OWNERS)
    return _configured(key) if key else builtin()
