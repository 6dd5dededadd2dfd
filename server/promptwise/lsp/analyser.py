"""Runs the core on one snapshot of an open document (on the analysis thread).

This is where the server meets :func:`promptwise.analysis.analyze`: it
resolves the file's settings, parses the text, asks the failure-log store
what the logs say about the file, and turns every failure into a result the
handlers can live with. Nothing here raises: a
bad config, rule folder or price table is reported once and the file is
analysed without it; anything else becomes an error the client sees as one
diagnostic, and the server keeps running.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from promptwise.analysis import Analysis, analyze, catalogue_for, encoding_choice, rules_for
from promptwise.config import Settings
from promptwise.document import chat
from promptwise.document.model import PromptDocument
from promptwise.document.parse import MAX_FILE_BYTES, parse_document
from promptwise.errors import PromptwiseError
from promptwise.files import excluded_by
from promptwise.lsp.settings import SettingsResolver
from promptwise.lsp.workspace import DocumentAnalysis, Snapshot
from promptwise.project.files import Project, workspace_root
from promptwise.rules.emitted import UNUSED_SUPPRESSION
from promptwise.rules.loader import RuleSet
from promptwise.rules.model import Rule
from promptwise.tokens.counter import TokenCounter, encoding_built

if TYPE_CHECKING:
    from promptwise.escalation.evidence import FailureLogs

log = logging.getLogger(__name__)

# CPU seconds one analysis of one document may take in the server before the rules
# not yet run are left out (PW009 says so). Every stage is linear in the
# file's size; this is the backstop that keeps an editor answering anyway.
ANALYSIS_BUDGET = 5.0
_BUDGET_ENV = "PROMPTWISE_ANALYSIS_BUDGET"


def analysis_budget() -> float:
    """The budget: ``PROMPTWISE_ANALYSIS_BUDGET`` seconds when set to a number >= 0."""
    try:
        value = float(os.environ.get(_BUDGET_ENV, ""))
    except ValueError:
        return ANALYSIS_BUDGET
    return value if value >= 0 else ANALYSIS_BUDGET


# Families whose findings need token counts (PW5xx: cost, context, duplicates) or
# the failure logs priced in tokens (PW9xx). The first diagnostics of a file
# opened before the encoding is built leave them out and follow with them.
DEFERRED_FAMILIES = ("PW5", "PW9")


def deferred(rule: Rule) -> bool:
    """Whether ``rule`` waits for the token counts (or, PW007, for every other rule:
    a suppression is only unused once the rules it could silence have run)."""
    if rule.code == UNUSED_SUPPRESSION:
        return True
    # A user's rules are declarative: phrases and patterns, whatever their code.
    return rule.builtin and rule.family in DEFERRED_FAMILIES


class _Uncounted(TokenCounter):
    """Counts nothing, so an analysis without the deferred rules never builds an encoding."""

    def count(self, text: str, encoding: str) -> int:
        return 0


class Analyser:
    """Snapshot in, :class:`DocumentAnalysis` out; never raises."""

    def __init__(
        self,
        settings: SettingsResolver,
        open_texts: Callable[[], Mapping[str, str]] | None = None,
        logs_ready: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        # Given, failure logs are read off the analysis path: an analysis uses what
        # is known now, and ``logs_ready(uri)`` asks for another once a log is read.
        self.logs_ready = logs_ready
        # The editor's texts by path: an included file open with unsaved
        # edits is counted as the user sees it.
        self.open_texts = open_texts
        # The document the quick analysis parsed, for the full one of the same
        # text to take (see :meth:`parse`); touched on the analysis thread only.
        self._parsed: tuple[str, str, PromptDocument] | None = None
        self.parses = 0  # documents parsed, for the tests that count them

    def quick(self, snapshot: Snapshot) -> DocumentAnalysis | None:
        """The findings that need no token count, while the file's encoding is not built.

        None when the encoding is built (the full analysis is then as quick)
        or the file is not analysed at all. Building o200k takes 0.2-0.3 s,
        on every server launch; the structural, phrase and judgement findings
        do not wait for it (issue 16). The result is marked incomplete: the
        full analysis follows and is published after it.
        """
        try:
            if len(snapshot.text) > MAX_FILE_BYTES:
                return None
            settings = self.settings.settings_for(snapshot.path)
            if settings.root and excluded_by(
                Path(snapshot.path), Path(settings.root), settings.exclude
            ):
                return None
            document = self.parse(snapshot, keep=True)
            model = document.model.name if document.model else settings.model
            catalogue = catalogue_for(settings)
            choice = encoding_choice(model, catalogue.lookup(model))
            if encoding_built(choice.encoding):
                return None
            ruleset = rules_for(settings)
            rules = RuleSet(tuple(r for r in ruleset.rules if not deferred(r)))
            analysis = analyze(
                document,
                settings,
                rules=rules,
                catalogue=catalogue,
                counter=_Uncounted(),
                project=self._project(snapshot, settings),
                budget=analysis_budget(),
            )
        except Exception:  # the full analysis reports whatever went wrong
            log.debug("quick analysis of %s skipped", snapshot.uri, exc_info=True)
            return None
        return DocumentAnalysis(
            snapshot.uri, snapshot.version, snapshot.generation, analysis, complete=False
        )

    def _project(self, snapshot: Snapshot, settings: Settings) -> Project | None:
        if not snapshot.uri.startswith("file:"):  # an untitled buffer has no folder
            return None
        return Project(
            workspace_root(snapshot.path, settings.root),
            self.open_texts() if self.open_texts is not None else {},
        )

    def __call__(self, snapshot: Snapshot) -> DocumentAnalysis:
        def result(analysis: Analysis | None, error: str | None = None) -> DocumentAnalysis:
            return DocumentAnalysis(
                snapshot.uri, snapshot.version, snapshot.generation, analysis, error
            )

        try:
            if len(snapshot.text) > MAX_FILE_BYTES:
                return result(
                    None,
                    f"the file is over {MAX_FILE_BYTES // 1_048_576} MB; "
                    "prompt files that large are not analysed",
                )
            settings = self.settings.settings_for(snapshot.path)
            if settings.root and excluded_by(
                Path(snapshot.path), Path(settings.root), settings.exclude
            ):
                return result(None)  # `exclude` covers it: left alone, as `check` leaves it
            try:
                document = self.parse(snapshot)
            except chat.NotChat:
                return result(None)  # a JSON/YAML file that is not a chat file: say nothing
            logs = self._logs(document, settings, snapshot.uri)
            project = self._project(snapshot, settings)
            return result(self._analyze(document, settings, logs, project))
        except Exception as exc:
            log.exception("analysing %s (version %s) failed", snapshot.uri, snapshot.version)
            return result(
                None,
                f"Promptwise could not analyse this file: "
                f"{type(exc).__name__}: {exc} (see the Promptwise log)",
            )

    def parse(self, snapshot: Snapshot, *, keep: bool = False) -> PromptDocument:
        """The snapshot's document, parsed once for the quick and the full analysis.

        A scheduled run analyses the same text twice: quickly, then fully. The
        quick analysis must parse to learn the file's model, and once that
        model's encoding is built it stops there -- so every keystroke parsed
        the whole file twice (40 ms per edit of a 1 MB prompt). With ``keep``
        the parsed document waits in a single slot for the full analysis of
        the same path and text, which takes it: one document at most, replaced
        by the next quick analysis and dropped by :meth:`release`.
        """
        slot = self._parsed
        if slot is not None and slot[0] == snapshot.path and slot[1] == snapshot.text:
            self._parsed = slot if keep else None
            return slot[2]
        self.parses += 1
        document = parse_document(snapshot.text, snapshot.path)
        if keep:
            self._parsed = (snapshot.path, snapshot.text, document)
        return document

    def release(self) -> None:
        """Drop the parsed document waiting for a full analysis (documents closed)."""
        self._parsed = None

    def _logs(self, document: PromptDocument, settings: Settings, uri: str) -> FailureLogs | None:
        esc = settings.escalation
        if not esc.logs and not esc.promptfoo_db:
            return None
        # The log store (and the escalation advisor behind it) is imported only for
        # a file with logs configured: the server's first answer never waits for it.
        from promptwise.escalation.store import logs_for, logs_for_soon

        try:
            if self.logs_ready is not None:
                ready = self.logs_ready
                return logs_for_soon(document, settings, lambda: ready(uri))
            return logs_for(document, settings)
        except PromptwiseError as exc:
            self.settings.report(f"Promptwise: {exc}")
        except Exception:
            log.exception("reading failure logs for %s failed", uri)
        return None

    def _analyze(
        self,
        document: PromptDocument,
        settings: Settings,
        logs: FailureLogs | None,
        project: Project | None = None,
    ) -> Analysis:
        try:
            analysis = analyze(
                document, settings, logs=logs, project=project, budget=analysis_budget()
            )
        except PromptwiseError as exc:
            # A user rule folder or price table that cannot be loaded: say so
            # once, then analyse with the built-in rules and prices.
            self.settings.report(
                f"Promptwise: {exc}. Using the built-in rules and prices until it is fixed."
            )
            fallback = settings.replace(rule_dirs=(), pricing=())
            analysis = analyze(
                document, fallback, logs=logs, project=project, budget=analysis_budget()
            )
        # Counted here, on the analysis thread: lenses, hints and the status bar
        # read the counts on the event loop, which must not build an encoding.
        analysis.tokens.counted()
        return analysis
