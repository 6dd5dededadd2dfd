"""Built-in Python checks, one module each, named from rule YAML via ``check:``.

A check is a function ``(context) -> Iterable[Hit]``. It decides *where* and
*why*; the engine adds the rule's code, severity and suppression handling, so
a check never needs to know how it is configured.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptwise.document.model import PromptDocument
from promptwise.document.text import Span
from promptwise.findings import Fix, Related

if TYPE_CHECKING:
    from promptwise.config import Settings
    from promptwise.pricing.catalogue import Catalogue, PriceEntry
    from promptwise.pricing.cost import CostEstimate
    from promptwise.rules.model import Rule
    from promptwise.tokens.counter import DocumentTokens


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may read. Built once per analysis."""

    document: PromptDocument
    settings: Settings
    tokens: DocumentTokens
    output_tokens: int
    model_name: str
    price: PriceEntry | None
    cost: CostEstimate | None
    catalogue: Catalogue
    rule: Rule
    # Evidence from failure logs for this file (the escalation stage), if any.
    escalation: Any = None

    @property
    def options(self) -> dict[str, Any]:
        value = self.rule.matcher.get("options", {})
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Hit:
    span: Span
    message: str
    fixes: tuple[Fix, ...] = ()
    related: tuple[Related, ...] = ()
    data: dict[str, object] = field(default_factory=dict)


CheckFn = Callable[[CheckContext], Iterable[Hit]]
REGISTRY: dict[str, CheckFn] = {}


def register(name: str) -> Callable[[CheckFn], CheckFn]:
    def add(fn: CheckFn) -> CheckFn:
        REGISTRY[name] = fn
        return fn

    return add


def first_body_line(document: PromptDocument) -> Span:
    """Where whole-prompt findings go: the first non-blank line of the body."""
    text = document.text
    pos = document.body_span.start
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        line = text[pos:end]
        if line.strip():
            stripped_end = pos + len(line.rstrip("\r \t"))
            return Span(pos + (len(line) - len(line.lstrip())), stripped_end)
        pos = end + 1
    start = min(document.body_span.start, len(text))
    return Span(start, start)


# Importing the modules registers their checks.
from promptwise.rules.checks import (  # noqa: E402,F401
    cache_order,
    cost,
    duplicates,
    edge_cases,
    escalation,
    example_format,
    fallback_label,
    missing_examples,
    output_format,
    single_example,
    structure,
    unknown_answer,
    user_input,
)
