"""The core: one function from a document and settings to an Analysis.

The CLI and the language server are thin adapters over :func:`analyze`.
Everything here is pure apart from reading the bundled rule files and price
table (cached); failure logs are read by the caller and passed in.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptwise.config import Settings, resolve_path
from promptwise.document.model import PromptDocument
from promptwise.document.parse import parse_document
from promptwise.document.text import Span
from promptwise.errors import ConfigError
from promptwise.findings import Finding
from promptwise.pricing.catalogue import Catalogue, PriceEntry, load_catalogue
from promptwise.pricing.cost import CostEstimate, estimate
from promptwise.project.composition import Composition, compose
from promptwise.project.files import Project
from promptwise.reading import links_out
from promptwise.rules import engine
from promptwise.rules.checks import CheckContext
from promptwise.rules.loader import RuleSet, load_rules
from promptwise.tokens.counter import (
    DocumentTokens,
    EncodingChoice,
    TokenCounter,
    count_document,
    default_counter,
    encoding_for_name,
    pieces_of,
)

if TYPE_CHECKING:
    from promptwise.escalation.evidence import FailureLogs, PromptEvidence


@dataclass(frozen=True)
class Analysis:
    document: PromptDocument
    settings: Settings
    model_name: str  # the file's model, else the settings' model
    price: PriceEntry | None
    tokens: DocumentTokens
    output_tokens: int
    findings: tuple[Finding, ...]
    escalation: PromptEvidence | None = None  # when failure logs mention the file
    # The files it includes (partials, attached files), when the caller gave a project.
    composition: Composition | None = None

    @property
    def approximate(self) -> bool:
        return self.tokens.approximate

    @property
    def included_tokens(self) -> int:
        """Tokens the included files add to every call (0 without a project)."""
        return self.composition.included_tokens if self.composition else 0

    @property
    def input_tokens(self) -> int:
        """What is sent per call: the file's own tokens and those of what it includes."""
        return self.tokens.total + self.included_tokens

    @cached_property
    def cost(self) -> CostEstimate | None:
        """The price of one call and of a day's calls; None for a model not in the table.

        Worked out when first read, as the token counts are: ``check`` reports
        findings only and never needs it.
        """
        if self.price is None:
            return None
        return estimate(
            self.price, self.input_tokens, self.output_tokens, self.settings.calls_per_day
        )


def catalogue_for(settings: Settings) -> Catalogue:
    """The price catalogue with the settings' tables applied.

    A relative table path was written in a config file: a path inside the
    config file's folder whose symbolic links lead out of it is refused.
    (Paths from the command line arrive absolute: what the user named is read.)
    """
    overrides: list[Any] = []
    for item in settings.pricing:
        if isinstance(item, str):
            path = resolve_path(settings, item)
            if settings.root and not Path(item).is_absolute() and links_out(path, settings.root):
                raise ConfigError(
                    f"price table {item} is a symbolic link out of {settings.root}; not followed",
                    path=str(path),
                    key="pricing",
                )
            overrides.append(path)
        else:
            overrides.append(item)
    return load_catalogue(overrides)


def rules_for(settings: Settings) -> RuleSet:
    return load_rules(resolve_path(settings, d) for d in settings.rule_dirs)


def encoding_choice(model: str, price: PriceEntry | None) -> EncodingChoice:
    if price is not None:
        return EncodingChoice(price.encoding, price.approximate)
    return encoding_for_name(model)


def source_pieces(doc: PromptDocument) -> list[tuple[Span, str]]:
    """Pieces of source text the declarative rules scan (and cache by)."""
    if any(s.value is not None for s in doc.walk()):
        return [
            (s.span, doc.text[s.span.start : s.span.end]) for s in doc.walk() if s.value is not None
        ]
    return pieces_of(doc)


def analyze(
    document: PromptDocument,
    settings: Settings,
    *,
    rules: RuleSet | None = None,
    catalogue: Catalogue | None = None,
    counter: TokenCounter | None = None,
    logs: FailureLogs | None = None,
    model_override: str | None = None,
    project: Project | None = None,
    budget: float | None = None,
) -> Analysis:
    """Count, price, judge the failure logs, and lint one document, in that order.

    ``budget`` (seconds; the language server sets one) bounds the analysis:
    once it is spent, the remaining rules do not run, the structural findings
    (parse and template problems) are still reported, and one PW009 finding
    says at which stage the analysis was cut.

    ``model_override`` (the ``--model`` flag) beats the file's model, which
    beats the ``model`` setting. ``logs`` (what the caller's log store says
    about the file) become the escalation evidence on the analysis's own
    tokens and prices; the PW9xx checks read it. ``project`` (the workspace
    the file lives in) lets references to other files be resolved and
    included files counted: the cost is then that of everything sent.
    """
    started = time.thread_time()  # CPU time: a busy machine does not cut the analysis
    catalogue = catalogue or catalogue_for(settings)
    rules = rules or rules_for(settings)
    model_name = model_override or (document.model.name if document.model else settings.model)
    price = catalogue.lookup(model_name)
    choice = encoding_choice(model_name, price)
    tokens = count_document(document, choice, counter or default_counter())
    composition = None
    if project is not None:
        composition = compose(
            document,
            project,
            lambda included: count_document(included, choice, counter or default_counter()).total,
        )
    output_tokens = document.max_output_tokens or settings.expected_output_tokens
    escalation = None
    if logs is not None:  # imported only then: a check without logs never loads the advisor
        from promptwise.escalation.evidence import build_evidence

        escalation = build_evidence(
            document,
            settings,
            logs,
            model=model_name,
            price=price,
            input_tokens=tokens.total + (composition.included_tokens if composition else 0),
            output_tokens=output_tokens,
            catalogue=catalogue,
        )
    base = CheckContext(
        document=document,
        settings=settings,
        tokens=tokens,
        output_tokens=output_tokens,
        model_name=model_name,
        price=price,
        catalogue=catalogue,
        rule=rules.rules[0],
        escalation=escalation,
        composition=composition,
        project=project,
    )
    deadline = None if budget is None else started + budget
    findings = engine.lint(document, rules, base, source_pieces(document), deadline=deadline)
    return Analysis(
        document=document,
        settings=settings,
        model_name=model_name,
        price=price,
        tokens=tokens,
        output_tokens=output_tokens,
        findings=tuple(findings),
        escalation=escalation,
        composition=composition,
    )


def clear_caches() -> None:
    """Forget every per-text cache (token counts, phrase matches, task profiles).

    For benchmarks that measure a cold analysis, and for long-lived hosts
    that want memory back; results never depend on what was cached.
    """
    from promptwise.document import blocks
    from promptwise.project import composition
    from promptwise.rules import judgements
    from promptwise.tokens import counter

    default_counter().clear()
    blocks.clear_cache()
    composition.clear_cache()
    engine.clear_piece_cache()
    judgements.clear_cache()
    counter.forget_pieces()


def release_memory() -> None:
    """Give the memory of cached per-text results back to the operating system.

    For a long-lived host (the language server) after documents close: the
    caches are dropped (open documents simply recompute on their next edit)
    and, on glibc, the freed heap is trimmed. Without the trim, CPython and
    malloc keep the pages, and resident memory stays at its peak however
    much was freed (measured: +13 MB after 200 files of 20 KB, +2 MB with).
    """
    import gc

    clear_caches()
    gc.collect()
    _trim_heap()


def _trim_heap() -> None:
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim): nothing to do
        pass


def analyze_text(text: str, path: str, settings: Settings, **kwargs: Any) -> Analysis:
    return analyze(parse_document(text, path), settings, **kwargs)


def comparison(
    analysis: Analysis,
    models: Sequence[str],
    catalogue: Catalogue,
    counter: TokenCounter | None = None,
) -> list[CostEstimate | str]:
    """The same prompt priced on other models (re-counted with each one's encoding).

    Unknown names come back as the name itself, so callers can say so. The
    tokens of included files are added as counted for the file's own model.
    """
    out: list[CostEstimate | str] = []
    seen: set[str] = set()
    for name in models:
        price = catalogue.lookup(name)
        # Each model once: `gpt-4o`, `openai/gpt-4o` and an alias are one price row.
        key = price.id if price is not None else name.strip().lower()
        if key in seen:
            continue
        seen.add(key)
        if price is None:
            out.append(name)
            continue
        tokens = count_document(
            analysis.document, encoding_choice(name, price), counter or default_counter()
        )
        sent = tokens.total + analysis.included_tokens
        out.append(estimate(price, sent, analysis.output_tokens, analysis.settings.calls_per_day))
    return out
