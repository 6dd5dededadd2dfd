"""Built-in Python checks, one module each, named from rule YAML via ``check:``.

A check is a function ``(context) -> Iterable[Hit]``. It decides *where* and
*why*; the engine adds the rule's code, severity and suppression handling, so
a check never needs to know how it is configured.

One name runs through a rule: PW103 ``example-contradicts-format`` says
``check: example-contradicts-format``, whose function lives in
``checks/example_contradicts_format.py`` and whose fixtures are in
``tests/rules/example-contradicts-format/``. :func:`register` refuses a
check whose module is named otherwise, which also keeps one check per
module. Every module of this package is imported below, so adding a check
is adding its module; modules without a check (``scaffold``) hold helpers.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptwise.document.model import PromptDocument, SegmentKind
from promptwise.document.text import Span
from promptwise.findings import Fix, Related, Severity
from promptwise.pricing.cost import CostEstimate, estimate
from promptwise.rules import judgements
from promptwise.rules.judgements import TaskProfile
from promptwise.rules.messages import SINGLE, Spec
from promptwise.rules.options import effective

if TYPE_CHECKING:
    from promptwise.config import Settings
    from promptwise.escalation.evidence import PromptEvidence
    from promptwise.pricing.catalogue import Catalogue, PriceEntry
    from promptwise.project.composition import Composition
    from promptwise.project.files import Project
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
    catalogue: Catalogue
    rule: Rule
    # Evidence from failure logs for this file (the escalation stage), if any.
    escalation: PromptEvidence | None = None
    # References resolved and includes followed, when the caller gave a project.
    composition: Composition | None = None
    # The workspace the included files are read from (editor texts first).
    project: Project | None = None

    @property
    def cost(self) -> CostEstimate | None:
        """The price of a call, as the analysis reports it (reading it counts the tokens)."""
        if self.price is None:
            return None
        included = self.composition.included_tokens if self.composition else 0
        return estimate(
            self.price,
            self.tokens.total + included,
            self.output_tokens,
            self.settings.calls_per_day,
        )

    @property
    def options(self) -> dict[str, Any]:
        """The rule's options: its YAML defaults after the ``rule_options`` setting."""
        return effective(self.rule.options, self.settings.rule_options.get(self.rule.code))

    @property
    def profile(self) -> TaskProfile:
        """The document's task profile, judged with the vocabulary the settings make."""
        return judgements.profile(
            self.document, judgements.for_settings(self.settings.rule_options)
        )


@dataclass(frozen=True)
class Hit:
    """One finding of a check, before the engine words and configures it.

    ``args`` fill the placeholders of the rule's message; ``variant`` names
    which of its ``messages:`` applies (empty for a rule with one message).
    """

    span: Span
    args: Mapping[str, str] = field(default_factory=dict)
    variant: str = SINGLE
    fixes: tuple[Fix, ...] = ()
    related: tuple[Related, ...] = ()
    data: dict[str, object] = field(default_factory=dict)
    # A lower severity for this hit than the rule's (a model chosen when the
    # prompt runs is worth a note, not a warning); a severity the settings
    # give the rule still wins.
    severity: Severity | None = None


CheckFn = Callable[[CheckContext], Iterable[Hit]]
REGISTRY: dict[str, CheckFn] = {}
# For each check: its message variants and the placeholders it fills in each.
MESSAGES: dict[str, Spec] = {}


def module_for(name: str) -> str:
    """The module a check named ``name`` must live in."""
    return f"{__name__}.{name.replace('-', '_')}"


def register(
    name: str,
    *,
    fills: Iterable[str] = (),
    variants: Mapping[str, Iterable[str]] | None = None,
) -> Callable[[CheckFn], CheckFn]:
    """Make ``fn`` the check of the rule named ``name``.

    ``fills`` names the placeholders of the rule's one ``message:``;
    a check whose rule words findings in several ways names, instead, each
    of its ``messages:`` and the placeholders it fills there. The loader
    holds the rule file to exactly these.

    Raises at import time when the module is not named after the check (so
    a module can hold one check only) or the name is taken: both would make
    the rule, its code and its fixtures hard to find from one another.
    """
    spec: Spec = (
        {variant: frozenset(names) for variant, names in variants.items()}
        if variants is not None
        else {SINGLE: frozenset(fills)}
    )

    def add(fn: CheckFn) -> CheckFn:
        if fn.__module__ != module_for(name):
            raise ValueError(
                f"check {name!r} is defined in {fn.__module__}; "
                f"a check lives alone in the module named after it, {module_for(name)}"
            )
        if name in REGISTRY:
            raise ValueError(f"two checks are named {name!r}")
        REGISTRY[name] = fn
        MESSAGES[name] = spec
        return fn

    return add


def first_body_line(document: PromptDocument) -> Span:
    """Where whole-prompt findings go: the first non-blank line of the body.

    A line that is only a comment (a suppression the author just added above
    it, say) is not that line: a finding anchored there would move onto the
    comment meant to silence it.
    """
    text = document.text
    pos = document.body_span.start
    comments = sorted(
        {
            *document.comment_spans,
            *(s.span for s in document.flat_segments if s.kind is SegmentKind.COMMENT),
        }
    )
    index = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        line = text[pos:end]
        if line.strip():
            start = pos + (len(line) - len(line.lstrip()))
            stripped_end = pos + len(line.rstrip("\r \t"))
            while index < len(comments) and comments[index].end < stripped_end:
                index += 1  # lines only move forward: one pass over the comments
            inside = index < len(comments) and comments[index].start <= start
            if not inside:
                return Span(start, stripped_end)
        pos = end + 1
    start = min(document.body_span.start, len(text))
    return Span(start, start)


def model_anchor(ctx: CheckContext) -> Span:
    """Findings about the model point at its name when the file names one."""
    doc = ctx.document
    if doc.model is not None and doc.model.span is not None:
        return doc.model.span
    return first_body_line(doc)


# Importing the modules registers their checks.
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
