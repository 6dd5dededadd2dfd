"""The advisor's answer for one prompt file: what the language server and CLI show.

:class:`PromptEvidence` is what :func:`promptwise.analysis.analyze` receives
as ``escalation`` and hands to checks (PW9xx) as ``CheckContext.escalation``.
It carries the analysed history, the advice, the cost comparison and the
log warnings, and renders them: a one-line :attr:`summary` for a code lens,
the case histories for a hover, the full report in any format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promptwise.config import EscalationSettings, Settings
from promptwise.document.model import PromptDocument
from promptwise.escalation.advice import Advice, advise
from promptwise.escalation.breakeven import BreakEven, compute
from promptwise.escalation.history import CaseHistory, PromptHistory, PromptLog, Version, analyse
from promptwise.escalation.records import LogWarning, template_hash


@dataclass(frozen=True)
class PromptEvidence:
    """Everything the failure logs say about one prompt file, and what to do about it."""

    path: str
    history: PromptHistory
    matched_by: str  # how the logs were tied to the file: path, text or path suffix
    advice: Advice
    break_even: BreakEven | None
    cost_note: str | None  # why there is no cost comparison, when there is none
    warnings: tuple[LogWarning, ...]
    escalation: EscalationSettings
    model: str
    current_version: Version | None  # the logged version whose text the file has now

    @property
    def summary(self) -> str | None:
        """One line for a code lens; None when nothing fails."""
        return self.advice.summary

    @property
    def persistent(self) -> tuple[CaseHistory, ...]:
        """Cases failing in the latest version (what PW9xx findings and quick fixes use)."""
        return self.history.persistent

    @property
    def edited_since_last_eval(self) -> bool:
        """The file's text differs from every logged version that has text."""
        has_text = any(v.template is not None for v in self.history.versions)
        return has_text and self.current_version is None

    def report_markdown(self) -> str:
        from promptwise.escalation.render import render

        return render(self, "markdown")

    def markdown(self) -> str:
        """The full report; the name the language server's report command looks for first."""
        return self.report_markdown()

    def hover_markdown(self) -> str:
        from promptwise.escalation.render.markdown import hover

        return hover(self)

    def render(self, fmt: str, chart_href: str | None = None) -> str:
        from promptwise.escalation.render import render

        return render(self, fmt, chart_href)

    def to_json(self) -> dict[str, Any]:
        from promptwise.escalation.render.json_format import as_json

        return as_json(self)


def build_evidence(
    document: PromptDocument,
    settings: Settings,
    log: PromptLog,
    how: str,
    warnings: tuple[LogWarning, ...],
    dataset_examples: int | None,
    model: str | None = None,
) -> PromptEvidence:
    """Analyse the logs about ``document``, advise, and price the options.

    The prompt is priced on ``model`` when given, else on the file's own
    model, else on the ``model`` setting (the same order as the analysis).
    """
    from promptwise import analysis

    history = analyse(log)
    advice = advise(history, settings.escalation, dataset_examples)
    model = model or (document.model.name if document.model else settings.model)
    break_even = None
    note = None
    catalogue = analysis.catalogue_for(settings)
    entry = catalogue.lookup(model)
    if entry is None:
        note = (
            f"model `{model}` is not in the price table, so the options cannot be priced; "
            "add it under `pricing` in promptwise.yaml"
        )
    else:
        from promptwise.tokens.counter import count_document

        tokens = count_document(document, analysis.encoding_choice(model, entry))
        output = document.max_output_tokens or settings.expected_output_tokens
        labeled = history.labeled_examples + (dataset_examples or 0)
        break_even = compute(
            document,
            prompt_entry=entry,
            input_tokens=tokens.total,
            output_tokens=output,
            calls_per_day=settings.calls_per_day,
            settings=settings.escalation,
            catalogue=catalogue,
            labeled_examples=labeled,
        )
    wanted = {
        template_hash(document.text),
        template_hash(document.text[document.body_span.start :]),
    }
    current = None
    for version in reversed(history.versions):
        if version.template is not None and template_hash(version.template) in wanted:
            current = version
            break
    return PromptEvidence(
        path=document.path,
        history=history,
        matched_by=how,
        advice=advice,
        break_even=break_even,
        cost_note=note,
        warnings=warnings,
        escalation=settings.escalation,
        model=model,
        current_version=current,
    )
