"""Batch analysis for the command line: files in, one result per file out.

Settings are resolved per file (nearest config file, then command-line
overrides) and cached per config file. With ``jobs > 1`` files are spread
over worker processes; each worker loads rules, prices and encodings once.
A file that cannot be read still yields a result, with a PW000 finding, so
nothing is silently skipped and the exit code reflects it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptwise.analysis import Analysis, analyze, catalogue_for, rules_for
from promptwise.config import Settings, find_config, load_settings, merge_overrides
from promptwise.document import parse_document
from promptwise.document.load import read_document, unreadable
from promptwise.document.model import PromptDocument
from promptwise.errors import ConfigError, PromptwiseError
from promptwise.files import Candidate
from promptwise.findings import Finding
from promptwise.pricing.catalogue import Catalogue
from promptwise.project.files import Project, workspace_root
from promptwise.rules.loader import RuleSet

if TYPE_CHECKING:
    from promptwise.escalation.evidence import FailureLogs


@dataclass(frozen=True)
class RunOptions:
    """What the command line says, independent of any one file."""

    config: str | None = None  # --config: use this file for every path
    overrides: Mapping[str, Any] = field(default_factory=dict)  # flags as settings
    model: str | None = None  # --model: beats the file's own model
    isolated: bool = False  # --isolated: ignore config files
    # Whether results carry token counts and costs. ``check`` reports findings
    # only: without counts, a file whose rules need none is never encoded.
    counted: bool = True


@dataclass(frozen=True)
class FileResult:
    path: str
    text: str
    findings: tuple[Finding, ...]
    tokens: int = 0  # 0 and no costs when the run asked for none (RunOptions.counted)
    approximate: bool = False
    model: str = ""
    cost_per_call: float | None = None
    skipped: bool = False  # a JSON/YAML file found by walking that is not a chat file
    included_tokens: int = 0  # what the files it includes add (``tokens`` is its own)
    cost_per_day: float | None = None
    includes: tuple[tuple[str, int], ...] = ()  # (path, tokens) of each included file


@lru_cache(maxsize=256)
def _settings_for_config(
    config: str | None, overrides: tuple[tuple[str, Any], ...], named: bool = False
) -> Settings:
    settings = load_settings(Path(config) if config else None, named=named)
    return merge_overrides(settings, [("command line", {k: _thaw(v) for k, v in overrides})])


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if (
        isinstance(value, tuple)
        and value
        and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value)
    ):
        return {k: _thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


def settings_for(path: Path, options: RunOptions) -> Settings:
    """Nearest config for ``path`` (or the --config file), then the flags."""
    if options.config:
        config: str | None = options.config
    elif options.isolated:
        config = None
    else:
        found = find_config(path if path.exists() else Path.cwd())
        config = str(found) if found else None
    frozen = tuple(sorted((k, _freeze(v)) for k, v in options.overrides.items()))
    return _settings_for_config(config, frozen, bool(options.config))


def _logs(doc: PromptDocument, settings: Settings) -> FailureLogs | None:
    if not settings.escalation.logs and not settings.escalation.promptfoo_db:
        return None  # no logs configured: the advisor is not even imported (cold start)
    from promptwise.escalation.store import logs_for

    return logs_for(doc, settings)


# What every file under one configuration shares, loaded once per run (see
# ``run``): the rules and the price catalogue. ``analyze`` would otherwise look
# both up per file, re-reading the rule folders' and price tables'
# modification stamps (the server needs that freshness; one run does not).
_loaded: dict[int, tuple[Settings, RuleSet, Catalogue]] = {}


def _rules_and_prices(settings: Settings) -> tuple[RuleSet, Catalogue]:
    hit = _loaded.get(id(settings))
    if hit is None or hit[0] is not settings:
        catalogue = catalogue_for(settings)  # in analyze's order: a price error comes first
        hit = _loaded[id(settings)] = (settings, rules_for(settings), catalogue)
    return hit[1], hit[2]


def analyze_candidate(
    candidate: Candidate, options: RunOptions, display: str | None = None
) -> FileResult:
    display = display or str(candidate.path)
    settings = settings_for(candidate.path, options)
    doc = read_document(candidate, display)
    if doc is None:
        return FileResult(display, "", (), skipped=True)
    # Failure logs that mention the file feed the PW9xx rules (nothing is read without logs).
    logs = None if unreadable(doc) else _logs(doc, settings)
    project = project_for(candidate.path, settings)
    rules, catalogue = _rules_and_prices(settings)
    return result_of(
        analyze(
            doc,
            settings,
            rules=rules,
            catalogue=catalogue,
            model_override=options.model,
            logs=logs,
            project=project,
        ),
        counted=options.counted,
    )


def reanalyse_text(path: str, text: str, options: RunOptions) -> Analysis:
    """The analysis of a new text of the file at ``path``, as ``check`` makes it (for --fix)."""
    settings = settings_for(Path(path), options)
    doc = parse_document(text, path)
    logs = None if unreadable(doc) else _logs(doc, settings)
    project = project_for(Path(path), settings)
    return analyze(doc, settings, model_override=options.model, logs=logs, project=project)


def project_for(path: Path, settings: Settings) -> Project:
    """The workspace ``path``'s references resolve in (see :func:`workspace_root`).

    Looked up once per folder: finding the root stats every folder above the
    file, and files of one folder share it (a ``Project`` holds no state).
    """
    folder = os.path.dirname(os.path.abspath(path))
    return _project_of_folder(folder, settings.root, os.getcwd())


@lru_cache(maxsize=4096)
def _project_of_folder(folder: str, settings_root: str | None, cwd: str) -> Project:
    # Any name in the folder finds the same root (only its folders are looked at).
    return Project(workspace_root(os.path.join(folder, "_"), settings_root))


def result_of(analysis: Analysis, counted: bool = True) -> FileResult:
    """The result of one file; ``counted`` False leaves out tokens and costs
    (reading them would count the tokens, which the findings may not need)."""
    if not counted:
        return FileResult(
            path=analysis.document.path,
            text=analysis.document.text,
            findings=analysis.findings,
            approximate=analysis.tokens.approximate,
            model=analysis.model_name,
        )
    return FileResult(
        path=analysis.document.path,
        text=analysis.document.text,
        findings=analysis.findings,
        tokens=analysis.tokens.total,
        approximate=analysis.tokens.approximate,
        model=analysis.model_name,
        cost_per_call=analysis.cost.cost_per_call if analysis.cost else None,
        included_tokens=analysis.included_tokens,
        cost_per_day=analysis.cost.cost_per_day if analysis.cost else None,
        includes=tuple(
            (i.path, i.tokens)
            for i in (analysis.composition.inclusions if analysis.composition else ())
        ),
    )


def _worker(args: tuple[Candidate, RunOptions, str]) -> FileResult | tuple[str, str]:
    candidate, options, display = args
    try:
        return analyze_candidate(candidate, options, display)
    except PromptwiseError as exc:
        return ("config", str(exc))


def run(candidates: Iterable[Candidate], options: RunOptions, jobs: int = 1) -> list[FileResult]:
    """Analyse every candidate; ConfigError propagates (exit code 2)."""
    # The per-run lookups start afresh: the language server's workspace view
    # runs this again after rule files, price tables or folders changed.
    _loaded.clear()
    _project_of_folder.cache_clear()
    items = [(c, options, str(c.path)) for c in candidates]
    results: list[FileResult] = []
    if jobs <= 1 or len(items) < 4:
        for candidate, opts, display in items:
            results.append(analyze_candidate(candidate, opts, display))
    else:
        # Imported here: a single-file check (the cold-start path) never forks.
        from concurrent.futures import ProcessPoolExecutor

        context = None
        if sys.platform != "win32":
            import multiprocessing

            context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        rest = items
        if sys.platform == "linux":
            # The first file is analysed here, before forking: the workers then
            # inherit the encoding, rules, prices and compiled scanners instead
            # of each building them again.
            first = _worker(items[0])
            if isinstance(first, tuple):
                raise ConfigError(first[1])
            results.append(first)
            rest = items[1:]
        chunk = max(1, len(rest) // (jobs * 8))
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            for outcome in pool.map(_worker, rest, chunksize=chunk):
                if isinstance(outcome, tuple):
                    raise ConfigError(outcome[1])
                results.append(outcome)
    return [r for r in results if not r.skipped]


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)
