"""The escalation stage's value: what the failure logs say about one prompt file.

Two frozen values, built in two steps:

1. :class:`FailureLogs` is what the store found about a file: the analysed
   history of its cases, how the logs were tied to it, the warnings reading
   them produced. It depends on the logs and the file's text only, so the
   store caches it.
2. :class:`PromptEvidence` is that history judged and priced. It is built by
   :func:`build_evidence` inside :func:`promptwise.analysis.analyze`, after
   the tokens and cost, which it receives rather than counting again; checks
   (PW9xx) read it as ``CheckContext.escalation`` and the adapters as
   ``Analysis.escalation``.

Neither value renders itself: the reports in every format are functions over
them in :mod:`promptwise.escalation.render`.
"""

from __future__ import annotations

from dataclasses import dataclass

from promptwise.config import EscalationSettings, Settings
from promptwise.document.model import PromptDocument
from promptwise.escalation.advice import Advice, advise
from promptwise.escalation.breakeven import BreakEven, compute
from promptwise.escalation.categories import prompt_shape
from promptwise.escalation.history import PromptHistory, Version
from promptwise.escalation.records import LogWarning, template_hash
from promptwise.pricing.catalogue import Catalogue, PriceEntry


@dataclass(frozen=True)
class FailureLogs:
    """What the logs say about one prompt file, before any judgement or price."""

    history: PromptHistory
    matched_by: str  # how the logs were tied to the file: path, text or path suffix
    warnings: tuple[LogWarning, ...]  # reading every configured log, and the dataset
    dataset_examples: int | None  # labeled examples in ``escalation.dataset``, when set
    current_version: Version | None  # the logged version whose text the file has now


@dataclass(frozen=True)
class PromptEvidence:
    """Everything the failure logs say about one prompt file, and what to do about it."""

    path: str
    history: PromptHistory
    matched_by: str
    advice: Advice
    break_even: BreakEven | None
    cost_note: str | None  # why there is no cost comparison, when there is none
    warnings: tuple[LogWarning, ...]
    escalation: EscalationSettings
    model: str
    current_version: Version | None

    @property
    def edited_since_last_eval(self) -> bool:
        """The file's text differs from every logged version that has text."""
        has_text = any(v.template is not None for v in self.history.versions)
        return has_text and self.current_version is None


def current_version(document: PromptDocument, history: PromptHistory) -> Version | None:
    """The latest logged version whose template is the file's text (whole, or its body)."""
    wanted = {
        template_hash(document.text),
        template_hash(document.text[document.body_span.start :]),
    }
    for version in reversed(history.versions):
        if version.template is not None and template_hash(version.template) in wanted:
            return version
    return None


_OUTPUT_SAMPLE = 2000  # cases whose outputs are counted: a median needs no more


def output_length(history: PromptHistory, encoding: str) -> tuple[int | None, str]:
    """The task's real output length: the median of the logged outputs, in tokens.

    Each case's most recent output counts once, so a long log does not cost
    more than its cases. None when the logs carry no outputs.
    """
    from promptwise.tokens.counter import count_text

    counts = sorted(
        count_text(case.latest.output, encoding)
        for case in history.cases[:_OUTPUT_SAMPLE]
        if case.latest.output and case.latest.output.strip()
    )
    if not counts:
        return None, ""
    middle = counts[len(counts) // 2]
    return max(middle, 1), f"the median of {len(counts):,} logged outputs"


def build_evidence(
    document: PromptDocument,
    settings: Settings,
    logs: FailureLogs,
    *,
    model: str,
    price: PriceEntry | None,
    input_tokens: int,
    output_tokens: int,
    catalogue: Catalogue,
) -> PromptEvidence:
    """Judge the history and price the options on the analysis's own counts.

    ``model``, ``price`` and the token counts are the analysis's: the same
    model order (flag, file, setting) and the same tokenizer, so the advice
    and the cost lens can never disagree about what a call costs.
    """
    advice = advise(
        logs.history, settings.escalation, logs.dataset_examples, prompt_shape(document)
    )
    break_even = None
    note = None
    if price is None:
        note = (
            f"model `{model}` is not in the price table, so the options cannot be priced; "
            "add it under `pricing` in promptwise.yaml"
        )
    else:
        logged, basis = output_length(logs.history, price.encoding)
        if logged is None:
            basis = (
                "the file's output limit"
                if document.max_output_tokens is not None
                else f"`expected_output_tokens` ({output_tokens:,}); the logs have no outputs"
            )
        break_even = compute(
            document,
            prompt_entry=price,
            input_tokens=input_tokens,
            output_tokens=output_tokens if logged is None else logged,
            calls_per_day=settings.calls_per_day,
            settings=settings.escalation,
            catalogue=catalogue,
            labeled_examples=logs.history.labeled_examples + (logs.dataset_examples or 0),
            output_basis=basis,
            calls_default=settings.calls_per_day == Settings().calls_per_day,
        )
    return PromptEvidence(
        path=document.path,
        history=logs.history,
        matched_by=logs.matched_by,
        advice=advice,
        break_even=break_even,
        cost_note=note,
        warnings=logs.warnings,
        escalation=settings.escalation,
        model=model,
        current_version=logs.current_version,
    )
