"""The escalation advisor: when to stop prompting, and whether RAG or fine-tuning comes next.

It reads eval results (native JSON Lines, promptfoo results JSON, promptfoo's
database), follows each case of each prompt file across prompt versions,
applies the iteration threshold, and recommends the next step with the data
it would need and what it would cost. See :class:`EscalationStore` for how
logs are found and tied to files, :mod:`.categories` for the one table that
decides what kind of failure a case is.
"""

from promptwise.escalation.advice import Advice, DataReadiness, Readiness, Verdict, advise
from promptwise.escalation.breakeven import BreakEven, OptionCost, Training
from promptwise.escalation.categories import CATEGORY_TABLE, Remedy
from promptwise.escalation.evidence import FailureLogs, PromptEvidence, build_evidence
from promptwise.escalation.history import CaseHistory, PromptHistory, Version, analyse, fold
from promptwise.escalation.records import EvalRecord, LogLocation, LogWarning, Warnings
from promptwise.escalation.store import EscalationStore, invalidate_all, logs_for, store_for

__all__ = [
    "CATEGORY_TABLE",
    "Advice",
    "BreakEven",
    "CaseHistory",
    "DataReadiness",
    "EscalationStore",
    "EvalRecord",
    "FailureLogs",
    "LogLocation",
    "LogWarning",
    "OptionCost",
    "PromptEvidence",
    "PromptHistory",
    "Readiness",
    "Remedy",
    "Training",
    "Verdict",
    "Version",
    "Warnings",
    "advise",
    "analyse",
    "build_evidence",
    "fold",
    "invalidate_all",
    "logs_for",
    "store_for",
]
