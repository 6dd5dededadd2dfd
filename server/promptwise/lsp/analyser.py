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

from promptwise.analysis import Analysis, analyze
from promptwise.config import Settings
from promptwise.document import chat
from promptwise.document.model import PromptDocument
from promptwise.document.parse import MAX_FILE_BYTES, parse_document
from promptwise.errors import PromptwiseError
from promptwise.escalation.evidence import FailureLogs
from promptwise.escalation.store import logs_for, logs_for_soon
from promptwise.files import excluded_by
from promptwise.lsp.settings import SettingsResolver
from promptwise.lsp.workspace import DocumentAnalysis, Snapshot
from promptwise.project.files import Project, workspace_root

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
            project = None
            if snapshot.uri.startswith("file:"):  # an untitled buffer has no folder to resolve in
                project = Project(
                    workspace_root(snapshot.path, settings.root),
                    self.open_texts() if self.open_texts is not None else {},
                )
            return result(self._analyze(document, settings, logs, project))
        except Exception as exc:
            log.exception("analysing %s (version %s) failed", snapshot.uri, snapshot.version)
            return result(
                None,
                f"Promptwise could not analyse this file: "
                f"{type(exc).__name__}: {exc} (see the Promptwise log)",
            )

    def parse(self, snapshot: Snapshot) -> PromptDocument:
        return parse_document(snapshot.text, snapshot.path)

    def _logs(self, document: PromptDocument, settings: Settings, uri: str) -> FailureLogs | None:
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
            return analyze(document, settings, logs=logs, project=project, budget=analysis_budget())
        except PromptwiseError as exc:
            # A user rule folder or price table that cannot be loaded: say so
            # once, then analyse with the built-in rules and prices.
            self.settings.report(
                f"Promptwise: {exc}. Using the built-in rules and prices until it is fixed."
            )
            fallback = settings.replace(rule_dirs=(), pricing=())
            return analyze(document, fallback, logs=logs, project=project, budget=analysis_budget())
