"""Command-line front end: ``check``, ``tokens``, ``rules``, ``advise``, ``serve``.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage,
configuration or internal error. Errors a user can fix are printed as one
line naming the file, line and key; tracebacks never reach the user.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from promptwise import __version__
from promptwise.analysis import analyze, catalogue_for, comparison, rules_for
from promptwise.config import SETTINGS, Settings, leaf
from promptwise.config_schema import add_flag, flag_value, nest
from promptwise.document.load import parse_bytes, read_document, unreadable
from promptwise.edits import chosen_fixes
from promptwise.errors import PromptwiseError
from promptwise.files import Candidate, walk
from promptwise.findings import Finding, Severity
from promptwise.fixer import ChangedOnDisk, FixedFile, fix_text, write_atomically
from promptwise.pricing.cost import (
    CostEstimate,
    context_share_text,
    context_window_text,
    format_usd,
)
from promptwise.project.composition import included_note
from promptwise.report import render
from promptwise.report.escape import guard, printable
from promptwise.report.model import CheckReport, FileReport
from promptwise.report.text import counted, summary_line
from promptwise.rules.families import family_of
from promptwise.runner import (
    FileResult,
    RunOptions,
    default_jobs,
    project_for,
    reanalyse_text,
    result_of,
    run,
    settings_for,
)
from promptwise.tokens.counter import segment_rows

FORMATS = ("text", "json", "sarif", "github", "junit")
FAIL_ON = ("error", "warning", "info", "never")


class UsageError(Exception):
    """Bad command-line usage (exit code 2)."""


# ---------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promptwise",
        description="Lint LLM prompt files, count their tokens and cost, and know when to "
        "stop prompting.",
    )
    parser.add_argument("--version", action="version", version=f"promptwise {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--config",
            metavar="FILE",
            help="use this config file instead of discovering one per file",
        )
        p.add_argument("--isolated", action="store_true", help="ignore all config files")
        p.add_argument("--model", help="price every file with this model")
        setting_flags(p, "calls_per_day", "expected_output_tokens")

    check = sub.add_parser("check", help="lint prompt files (exit 1 on findings)")
    check.add_argument(
        "paths", nargs="*", default=["."], help="files or directories ('-' reads stdin)"
    )
    common(check)
    check.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: text; github inside GitHub Actions)",
    )
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    check.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="warning",
        help="lowest severity that makes the exit code 1 (default: warning)",
    )
    setting_flags(check, "select", "extend_select", "ignore", "preview")
    check.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="file name for '-' (format detection and config discovery)",
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="parallel worker processes (default: all cores)",
    )
    check.add_argument(
        "--statistics", action="store_true", help="print a count per rule instead of each finding"
    )
    check.add_argument(
        "--fix", action="store_true", help="apply the safe fixes to the files, then report the rest"
    )
    check.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix or --diff, also apply the fixes that need review",
    )
    check.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff and write nothing (exit 1 when there is one)",
    )
    check.add_argument(
        "--include",
        action="append",
        metavar="GLOB",
        help="also check files matching GLOB when walking directories",
    )
    check.add_argument(
        "--exclude", action="append", metavar="GLOB", help="skip files and folders matching GLOB"
    )
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.add_argument(
        "--new-only",
        nargs="?",
        const="",
        default=None,
        metavar="BASE",
        help="report only findings the change since BASE introduced (default "
        "BASE: the merge base with the default branch)",
    )
    check.add_argument(
        "--budget-delta",
        metavar="LIMIT",
        help="fail when the change since the base adds more than LIMIT tokens "
        "per call (500) or dollars per day ($5)",
    )
    check.add_argument(
        "--base",
        metavar="BASE",
        help="the git base for --budget-delta (default: --new-only's, else the "
        "merge base with the default branch)",
    )

    diff = sub.add_parser("diff", help="tokens, cost and findings a change adds, per file")
    diff.add_argument(
        "base",
        nargs="?",
        default=None,
        help="git revision to compare with (default: the merge base with the "
        "default branch, else HEAD)",
    )
    diff.add_argument("paths", nargs="*", help="limit to these files or folders")
    common(diff)
    diff.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    diff.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")

    tokens = sub.add_parser("tokens", help="token counts and cost per file")
    tokens.add_argument("paths", nargs="+", help="files or directories ('-' reads stdin)")
    common(tokens)
    tokens.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="file name for '-' (format detection and config discovery)",
    )
    tokens.add_argument("--segments", action="store_true", help="show every segment")
    tokens.add_argument(
        "--tree",
        action="store_true",
        help="every prompt with its tokens, cost per day and findings, most expensive "
        "first, with the files it includes under it",
    )
    tokens.add_argument(
        "--compare",
        action="store_true",
        help="compare the cost on the configured comparison models",
    )
    tokens.add_argument("--format", choices=("text", "json"), default="text")

    rules = sub.add_parser("rules", help="list rules, or explain one")
    rules.add_argument(
        "code", nargs="?", help="a rule code (PW201) or name, or a family's prefix (PW2)"
    )
    rules.add_argument(
        "--config",
        metavar="FILE",
        help="read `rule_dirs` from this config file (default: the one found from here)",
    )
    rules.add_argument("--isolated", action="store_true", help="built-in rules only")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    rules.add_argument("--all", action="store_true", help="include preview and removed rules")

    advise = sub.add_parser(
        "advise",
        help="from failure logs: keep prompting, or RAG or "
        "fine-tuning next, with data readiness and costs",
    )
    advise.add_argument("prompt", help="the prompt file")
    common(advise)
    setting_flags(
        advise, "escalation.logs", "escalation.promptfoo_db", "escalation.iteration_threshold"
    )
    advise.add_argument("--format", choices=("text", "markdown", "json", "html"), default="text")
    advise.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    advise.add_argument(
        "--chart",
        metavar="FILE",
        help="also write the cost chart to FILE (SVG); markdown links to it "
        "instead of embedding it",
    )

    serve = sub.add_parser("serve", help="run the language server on stdio")
    serve.add_argument("--stdio", action="store_true", help="accepted for editor compatibility")
    serve.add_argument("--log-file", metavar="FILE", help="also log to this file")
    serve.add_argument(
        "--log-level",
        choices=("error", "warning", "info", "debug"),
        help="level of the log sent to the editor (default: info, or the "
        "editor's `promptwise.trace` setting)",
    )
    return parser


def setting_flags(parser: argparse.ArgumentParser, *keys: str) -> None:
    """The flags of these settings (each defined with its setting in config.py)."""
    for key in keys:
        add_flag(parser, leaf(key))


def _options(args: argparse.Namespace) -> RunOptions:
    """The run's options: every setting flag given becomes a command-line override.

    Paths typed on the command line are relative to the working directory,
    not to a config file, so path-valued flags arrive absolute.
    """
    given = {item.key: flag_value(args, item) for item in SETTINGS if item.spec.flag}
    overrides = nest({key: value for key, value in given.items() if value is not None})
    return RunOptions(
        config=args.config, overrides=overrides, model=args.model, isolated=args.isolated
    )


def _candidates(
    paths: Sequence[str],
    options: RunOptions,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> list[Candidate]:
    """Files to check; each directory is walked with the include/exclude of its own config."""
    out: list[Candidate] = []
    seen: set[Path] = set()
    for raw in paths:
        settings = settings_for(Path(raw) if Path(raw).exists() else Path.cwd(), options)
        base = Path(settings.root) if settings.root else None
        found = walk([raw], (*settings.include, *include), (*settings.exclude, *exclude), base)
        for candidate in found:
            key = candidate.path.resolve() if os.path.exists(candidate.path) else candidate.path
            if key not in seen:
                seen.add(key)
                out.append(candidate)
    return out


# ----------------------------------------------------------------------- check


def _stdin_document(args: argparse.Namespace, options: RunOptions) -> tuple[Any, Settings]:
    """The document piped to ``-``, and the settings of the file it stands for."""
    name = args.stdin_filename or "<stdin>"
    data = sys.stdin.buffer.read()
    settings = settings_for(Path(name).resolve() if args.stdin_filename else Path.cwd(), options)
    doc = parse_bytes(data, name)  # the format comes from --stdin-filename, else content
    assert doc is not None
    return doc, settings


def _stdin_result(args: argparse.Namespace, options: RunOptions) -> FileResult:
    doc, settings = _stdin_document(args, options)
    return result_of(analyze(doc, settings, model_override=options.model), options.counted)


def _known_codes(options: RunOptions, places: Sequence[str]) -> set[str]:
    """Every rule code a run over ``places`` knows: built-in and from each ``rule_dirs``."""
    codes: set[str] = set()
    for place in {*places, "."}:
        path = Path(place)
        settings = settings_for(path.resolve() if path.exists() else Path.cwd(), options)
        codes.update(rule.code for rule in rules_for(settings).rules)
    return codes


def _check_selectors(options: RunOptions, places: Sequence[str]) -> None:
    """A code on the command line that names no rule is a typo, not an empty selection.

    ``--select PW999`` would otherwise run no rule at all and pass, so each
    code or prefix given to ``--select``, ``--extend-select`` or ``--ignore``
    must be ``ALL`` or start at least one rule's code (custom rules included).
    """
    known: set[str] | None = None
    for flag in ("select", "extend_select", "ignore"):
        for code in (str(c).upper() for c in options.overrides.get(flag) or ()):
            if code == "ALL":
                continue
            if known is None:
                known = _known_codes(options, places)
            if not any(rule.startswith(code) for rule in known):
                raise UsageError(
                    f"--{flag.replace('_', '-')} {code}: no rule has this code or prefix; "
                    "`promptwise rules` lists them"
                )


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    # Findings only: no file is encoded unless one of its rules needs a count.
    options = replace(_options(args), counted=False)
    results: list[FileResult] = []
    paths = [p for p in args.paths if p != "-"]
    fixing = args.fix or args.diff
    if fixing and "-" in args.paths:
        raise UsageError("--fix and --diff work on files; they do not apply to '-' (stdin)")
    _check_selectors(options, paths)
    if "-" in args.paths:
        results.append(_stdin_result(args, options))
    if paths:
        candidates = _candidates(paths, options, args.include or (), args.exclude or ())
        jobs = args.jobs if args.jobs is not None else default_jobs()
        if jobs > 1 and len(candidates) >= 4:
            from promptwise.tokens.encodings import get_encoding

            get_encoding("o200k_base")  # loaded once here, shared by forked workers
        results.extend(run(candidates, options, jobs))
    fixed: list[FixedFile] = []
    if fixing:
        results, fixed = _fix(results, options, unsafe=args.unsafe_fixes, write=not args.diff)
        if args.diff:
            return _show_diffs(fixed, out)
    nothing_found = "-" not in args.paths and not results
    if nothing_found:
        _say(_why_nothing(paths, options, args.include or (), args.exclude or ()))
    settings = settings_for(Path.cwd(), options)
    ruleset = rules_for(settings)
    files = [FileReport(r.path, r.text, r.findings) for r in results]
    if args.new_only is not None:
        from promptwise import costdiff

        files = costdiff.new_findings_only(
            files, args.new_only or None, lambda p: settings_for(p, options)
        )
    over_budget = _budget_delta(args, options) if args.budget_delta else None
    report = CheckReport(
        files=tuple(files),
        rules=ruleset.by_code(),
        version=__version__,
    )
    fmt = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    color = args.color == "always" or (
        args.color == "auto" and not args.output and out.isatty() and "NO_COLOR" not in os.environ
    )
    if args.statistics and fmt == "text":
        text = _statistics(report)
    else:
        text = render(report, fmt, color=color)
    _emit(text, args.output, out, _SYNTAX.get(fmt, "text"))
    if fixing:
        _say(_fix_summary(fixed, [f for _, f in report.findings], unsafe=args.unsafe_fixes))
    if over_budget:
        _say(over_budget)
        return 1
    if args.fail_on == "never":
        return 0
    threshold = Severity(args.fail_on).rank
    failing = any(f.severity.rank >= threshold for _, f in report.findings)
    # Finding nothing to check is a warning: a CI job pointed at the wrong
    # folder fails under the default --fail-on instead of passing in silence.
    if nothing_found and Severity.WARNING.rank >= threshold:
        failing = True
    return 1 if failing else 0


def _fix(
    results: list[FileResult], options: RunOptions, *, unsafe: bool, write: bool
) -> tuple[list[FileResult], list[FixedFile]]:
    """Fix every file whose findings offer a fix; the results then describe the fixed text."""
    out: list[FileResult] = []
    fixed: list[FixedFile] = []
    for result in results:
        if result.skipped or not chosen_fixes(result.findings, unsafe=unsafe):
            out.append(result)
            continue
        path = result.path

        def reanalyse(text: str, path: str = path) -> tuple[Finding, ...]:
            return reanalyse_text(path, text, options).findings

        outcome = fix_text(path, result.text, result.findings, reanalyse, unsafe=unsafe)
        if outcome.changed and write:
            try:
                write_atomically(Path(path), outcome.before, outcome.after)
            except ChangedOnDisk:
                outcome = replace(
                    outcome, findings=result.findings, refused="the file changed since it was read"
                )
            except OSError as exc:
                outcome = replace(
                    outcome, findings=result.findings, refused=exc.strerror or str(exc)
                )
        if outcome.refused:
            _say(f"{_shown(path)}: not fixed: {outcome.refused}")
        fixed.append(outcome)
        text = outcome.after if outcome.changed else result.text
        out.append(replace(result, text=text, findings=outcome.findings))
    return out, fixed


def _show_diffs(fixed: list[FixedFile], out: TextIO) -> int:
    changed = [f for f in fixed if f.changed]
    for outcome in changed:
        out.write(outcome.diff())
    out.flush()
    count = sum(f.applied for f in changed)
    if changed:
        _say(
            f"Would fix {count} finding{'s' * (count != 1)} in {len(changed)} "
            f"file{'s' * (len(changed) != 1)}."
        )
    else:
        _say("No fixes to apply.")
    return 1 if changed else 0


def _fix_summary(fixed: list[FixedFile], remaining: list[Finding], *, unsafe: bool) -> str:
    changed = [f for f in fixed if f.changed]
    count = sum(f.applied for f in changed)
    text = (
        f"Fixed {count} finding{'s' * (count != 1)} in {len(changed)} "
        f"file{'s' * (len(changed) != 1)}; {len(remaining)} remain"
    )
    if not unsafe:
        more = len(chosen_fixes(remaining, unsafe=True)) - len(chosen_fixes(remaining))
        if more > 0:
            text += f" ({more} fixable with --unsafe-fixes)"
    return text + "."


def _why_nothing(
    paths: Sequence[str], options: RunOptions, include: Sequence[str], exclude: Sequence[str]
) -> str:
    """The stderr line for a walk that found no prompt file, with the likely reason."""
    where = ", ".join(paths)
    plain = [
        c
        for c in _candidates(paths, options, ("*.txt", "*.md"), exclude)
        if not c.sniff_chat and c.refused is None
    ]
    if plain:
        return (
            f"warning: no prompt files found in {where}: {counted(len(plain), 'plain-text file')} "
            "(*.txt, *.md) skipped, since plain text needs an include glob "
            "(`--include '*.txt'`, or `include:` in promptwise.yaml)"
        )
    chat = [c for c in _candidates(paths, options, include, exclude) if c.sniff_chat]
    if chat:
        held = (
            "the JSON/YAML file found holds"
            if len(chat) == 1
            else (f"the {len(chat)} JSON/YAML files found hold")
        )
        return f"warning: no prompt files found in {where}: {held} no chat messages"
    return (
        f"warning: no prompt files found in {where}: no file has a prompt file name "
        "(*.prompty, *.prompt, *.prompt.md, AGENTS.md, ...; plain text needs an include glob)"
    )


def _budget_delta(args: argparse.Namespace, options: RunOptions) -> str | None:
    """The reason the change breaks ``--budget-delta``, or None when it does not."""
    from promptwise import costdiff, gitbase

    try:
        unit, limit = costdiff.parse_budget_delta(args.budget_delta)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    root = gitbase.repo_root(Path.cwd())
    if root is None:
        raise UsageError("--budget-delta compares with a git base; run it inside a repository")
    base = args.base or args.new_only or None
    diff = costdiff.compute(root, base, lambda p: settings_for(p, options))
    if unit == "tokens" and diff.token_delta > limit:
        return (
            f"the change adds {diff.token_delta:+,} tokens per call vs {diff.base}, "
            f"over --budget-delta {limit:,.0f}"
        )
    if unit == "usd" and diff.cost_per_day_delta > limit:
        return (
            f"the change adds {format_usd(diff.cost_per_day_delta)} per day vs {diff.base}, "
            f"over --budget-delta {format_usd(limit)}"
        )
    return None


def cmd_diff(args: argparse.Namespace, out: TextIO) -> int:
    from promptwise import costdiff, gitbase

    options = _options(args)
    root = gitbase.repo_root(Path.cwd())
    if root is None:
        raise UsageError(
            "`promptwise diff` compares with a git base; run it inside a git repository"
        )
    base = args.base
    if (
        base is not None
        and Path(base).exists()
        and gitbase.repo_root(Path(base))
        and not _is_revision(root, base)
    ):
        args.paths.insert(0, base)  # `promptwise diff prompts/`: a path, not a revision
        base = None
    report = costdiff.compute(root, base, lambda p: settings_for(p, options), args.paths)
    renderers = {
        "text": costdiff.render_text,
        "json": costdiff.render_json,
        "markdown": costdiff.render_markdown,
    }
    _emit(renderers[args.format](report), args.output, out, _SYNTAX.get(args.format, "text"))
    return 0


def _is_revision(root: Path, name: str) -> bool:
    from promptwise import gitbase

    try:
        gitbase.resolve(root, name)
    except gitbase.GitError:
        return False
    return True


def _statistics(report: CheckReport) -> str:
    counts = Counter((f.code, f.name, f.severity.value) for _, f in report.findings)
    if not counts:
        return summary_line(report) + "\n"
    width = max(len(str(n)) for n in counts.values())
    lines = [
        f"{n:>{width}}  {code}  {printable(name)} ({sev})"
        for (code, name, sev), n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
    ]
    lines.append(
        f"Found {counted(sum(counts.values()), 'finding')} in "
        f"{sum(1 for f in report.files if f.findings)} of {counted(len(report.files), 'file')}."
    )
    return "\n".join(lines) + "\n"


# The syntax of each output format, for escape.guard's last pass over it.
_SYNTAX = {"json": "json", "sarif": "json", "junit": "xml", "html": "xml", "github": "github"}


def _emit(text: str, output: str | None, out: TextIO, syntax: str = "text") -> None:
    """Write a whole output; nothing in it can start a CI workflow command."""
    text = guard(text, syntax)
    if output:
        write_output(output, text)
    else:
        out.write(text)
        out.flush()


def write_output(output: str, text: str) -> None:
    """Write a report file; a path that cannot be written is the user's to fix (exit 2)."""
    try:
        Path(output).write_text(text, encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _say(message: str) -> None:
    """One ``promptwise: ...`` line on stderr, whatever the message quotes."""
    print(guard(f"promptwise: {printable(message)}", "text"), file=sys.stderr)


# ---------------------------------------------------------------------- tokens


def _cost_row(estimate: CostEstimate) -> dict[str, Any]:
    return {
        "model": estimate.model,
        "input_tokens": estimate.input_tokens,
        "output_tokens": estimate.output_tokens,
        "approximate": estimate.approximate,
        "cost_per_call": estimate.cost_per_call,
        "cost_per_day": estimate.cost_per_day,
        "calls_per_day": estimate.calls_per_day,
        "context_window": estimate.context_window,
        "context_share": estimate.context_share,
    }


def cmd_tokens(args: argparse.Namespace, out: TextIO) -> int:
    options = _options(args)
    if args.tree:
        return _tokens_tree(args, options, out)
    files: list[dict[str, Any]] = []
    failed = False
    documents: list[tuple[Any, Settings]] = []
    if "-" in args.paths:
        documents.append(_stdin_document(args, options))
    for candidate in _candidates([p for p in args.paths if p != "-"], options):
        doc = read_document(candidate, str(candidate.path))
        if doc is not None:
            documents.append((doc, settings_for(candidate.path, options)))
    if not documents:
        # As `check` says it: an empty table would read as "zero tokens".
        _say(_why_nothing(args.paths, options, (), ()))
    for doc, settings in documents:
        if unreadable(doc):
            _say(f"{doc.path}: {doc.problems[0].message}")
            failed = True
            continue
        analysis = analyze(
            doc,
            settings,
            model_override=options.model,
            project=None if doc.path == "<stdin>" else project_for(Path(doc.path), settings),
        )
        entry: dict[str, Any] = {
            "path": doc.path,
            "format": doc.format.value,
            "model": analysis.model_name,
            "known_model": analysis.price is not None,
            "encoding": analysis.tokens.encoding,
            "approximate": analysis.tokens.approximate,
            "input_tokens": analysis.tokens.total,
            "included_tokens": analysis.included_tokens,
            "includes": [
                {"path": _shown(i.path), "kind": i.reference.kind.value, "tokens": i.tokens}
                for i in (analysis.composition.inclusions if analysis.composition else ())
            ],
            "output_tokens": analysis.output_tokens,
            "cost": _cost_row(analysis.cost) if analysis.cost else None,
        }
        if args.segments:
            entry["segments"] = [
                {
                    "kind": row.segment.kind.value if row.segment else "text",
                    "title": (row.segment.title or row.segment.role or "") if row.segment else "",
                    "line": doc.lines.line_of(row.span.start),
                    "depth": row.depth,
                    "tokens": row.tokens,
                }
                for row in segment_rows(doc, analysis.tokens)
            ]
        if args.compare:
            catalogue = catalogue_for(settings)
            entry["comparison"] = [
                _cost_row(c) if isinstance(c, CostEstimate) else {"model": c, "unknown": True}
                for c in comparison(analysis, settings.comparison_models, catalogue)
            ]
        files.append(entry)
    if args.format == "json":
        _emit(
            json.dumps({"version": __version__, "files": files}, indent=2) + "\n", None, out, "json"
        )
    else:
        _emit(_tokens_text(files), None, out)
    return 2 if failed else 0


def _tokens_tree(args: argparse.Namespace, options: RunOptions, out: TextIO) -> int:
    """``tokens --tree``: the workspace view (see :mod:`promptwise.project.overview`)."""
    from promptwise.project import overview

    if args.segments or args.compare or "-" in args.paths:
        _say(
            "--tree lists the files of folders; it does not combine with --segments, "
            "--compare or stdin"
        )
        return 2
    candidates = _candidates(args.paths, options)
    jobs = default_jobs()
    results = run(candidates, options, jobs)
    rows = overview.rows_of(results)
    if args.format == "json":
        payload = {"version": __version__, **overview.as_json(rows)}
        _emit(json.dumps(payload, indent=2) + "\n", None, out, "json")
    else:
        _emit(overview.as_text(rows, printable), None, out)
    return 0


def _shown(path: str) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _tokens_text(files: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for entry in files:
        mark = "≈" if entry["approximate"] else ""
        lines.append(
            f"{printable(entry['path'])}  ({entry['format']}, model {printable(entry['model'])}, "
            f"{entry['encoding']}{', approximate' if entry['approximate'] else ''})"
        )
        lines.append(
            f"  input tokens   {mark}{entry['input_tokens']:,}"
            + included_note(entry["included_tokens"], entry["approximate"])
        )
        for inc in entry["includes"]:
            lines.append(f"    + {printable(inc['path'])}  {mark}{inc['tokens']:,}")
        lines.append(f"  output tokens  {entry['output_tokens']:,} (expected per call)")
        cost = entry["cost"]
        if cost:
            lines.append(f"  cost per call  {format_usd(cost['cost_per_call'])}")
            lines.append(
                f"  cost per day   {format_usd(cost['cost_per_day'])} at "
                f"{cost['calls_per_day']:,} calls/day"
            )
            lines.append(
                f"  context        {context_share_text(cost['context_share'])} of the "
                f"{context_window_text(cost['context_window'])}"
            )
        else:
            lines.append(
                f"  cost           unknown: `{printable(entry['model'])}` is not in the price table"
            )
        for seg in entry.get("segments", []):
            label = f"{seg['kind']}" + (f" {printable(seg['title'])}" if seg["title"] else "")
            indent = "  " * seg["depth"]
            lines.append(
                f"    {indent}{label[:48]:<{50 - len(indent)}} line {seg['line'] + 1:>5}"
                f"  {mark}{seg['tokens']:>8,}"
            )
        if entry.get("comparison"):
            lines.append("  comparison:")
            for row in entry["comparison"]:
                name = printable(row["model"])
                if row.get("unknown"):
                    lines.append(f"    {name:<28} unknown model")
                    continue
                approx = "≈" if row["approximate"] else ""
                lines.append(
                    f"    {name:<28} {approx}{row['input_tokens']:>8,} tok  "
                    f"{format_usd(row['cost_per_call']):>10}/call  "
                    f"{format_usd(row['cost_per_day']):>10}/day"
                )
        lines.append("")
    return "\n".join(lines)


# ----------------------------------------------------------------------- rules


def cmd_rules(args: argparse.Namespace, out: TextIO) -> int:
    # The rules a `check` from here would run: built-in plus the config's `rule_dirs`.
    options = RunOptions(config=args.config, isolated=args.isolated)
    ruleset = rules_for(settings_for(Path.cwd(), options))
    rules = [r for r in ruleset.rules if args.all or r.status != "removed"]
    if args.code:
        wanted = args.code.strip()
        match = [r for r in rules if r.code == wanted.upper() or r.name == wanted.lower()]
        if not match:
            prefix = wanted.upper()
            family = [r for r in rules if _PREFIX.match(prefix) and r.code.startswith(prefix)]
            if not family:
                raise UsageError(f"no rule {wanted!r}; `promptwise rules` lists them all")
            return _list_rules(family, args.format, out, heading=_family_heading(prefix))
        rule = match[0]
        if args.format == "json":
            out.write(json.dumps(_rule_json(rule), indent=2) + "\n")
        elif args.format == "markdown":
            out.write(rule.render_markdown() + "\n")
        else:
            out.write(rule.render_docs())
        return 0
    return _list_rules(rules, args.format, out)


_PREFIX = re.compile(r"^PW\d{1,2}$")


def _family_heading(prefix: str) -> str | None:
    """``PW2xx vague instructions`` over a family's list (families are data, in families.py)."""
    family = family_of(prefix) if len(prefix) == 3 else None
    return f"{family.codes} {family.title}" if family is not None else None


def _list_rules(rules: Sequence[Any], fmt: str, out: TextIO, heading: str | None = None) -> int:
    if fmt == "json":
        out.write(json.dumps([_rule_json(r) for r in rules], indent=2) + "\n")
        return 0
    if heading and fmt == "text":
        out.write(heading + "\n")
    for rule in rules:
        if fmt == "markdown":
            out.write(rule.render_markdown() + "\n")
            continue
        status = "" if rule.status == "stable" else f" [{rule.status}]"
        fix = " (fix)" if rule.fixable else ""
        custom = "" if rule.builtin else " (custom)"
        out.write(
            f"{rule.code}  {rule.name:<32} {rule.severity.value:<8} "
            f"{printable(rule.summary)}{fix}{status}{custom}\n"
        )
    return 0


def _rule_json(rule: Any) -> dict[str, Any]:
    family = family_of(rule.code)
    return {
        "code": rule.code,
        "name": rule.name,
        "family": family.tag if family is not None else None,
        "severity": rule.severity.value,
        "status": rule.status,
        "summary": rule.summary,
        "fixable": rule.fixable,
        "url": rule.docs_url,
        "docs": {
            "what": rule.docs.what,
            "why": rule.docs.why,
            "example": rule.docs.example,
            "better": rule.docs.better,
            "options": rule.docs.options,
        },
    }


# ---------------------------------------------------------------------- advise


def cmd_advise(args: argparse.Namespace, out: TextIO) -> int:
    from promptwise.escalation.store import EscalationStore

    options = _options(args)
    path = Path(args.prompt)
    settings = settings_for(path.resolve() if path.exists() else Path.cwd(), options)
    doc = read_document(Candidate(path, explicit=True), args.prompt)
    if doc is None or unreadable(doc):
        reason = doc.problems[0].message if doc is not None else "not a prompt file"
        raise UsageError(f"{args.prompt}: {reason}")
    store = EscalationStore(settings)
    if not store.configured:
        raise UsageError(
            "no failure logs: set `escalation.logs` or `escalation.promptfoo_db` "
            "in promptwise.yaml, or pass --logs / --promptfoo-db"
        )
    missing = [
        w
        for w in store.scan_warnings
        if "no file" in w.message or "no log" in w.message or "does not exist" in w.message
    ]
    if missing or not store.files():
        where = "; ".join(str(w) for w in missing) or "no log file found"
        raise UsageError(
            f"no failure log to read: {where}. Point `--logs` at promptfoo's "
            "`-o results.json` files or native JSON Lines, or `--promptfoo-db` at its database"
        )
    logs = store.logs_for(str(path), document=doc)
    for warning in store.warnings:
        _say(f"warning: {warning}")
    evidence = (
        None
        if logs is None
        else analyze(doc, settings, logs=logs, model_override=options.model).escalation
    )
    if evidence is None:
        files = store.files()
        _say(
            f"no result in the {len(files)} failure log"
            f"{'s' if len(files) != 1 else ''} read is about {args.prompt} (matched by the "
            "prompt's path, its text, or the end of its path)"
        )
        return 0
    href = None
    if args.chart and evidence.break_even is not None:
        from promptwise.escalation.render.chart import svg

        write_output(args.chart, svg(evidence.break_even))
        base = Path(args.output).resolve().parent if args.output else Path.cwd()
        href = Path(os.path.relpath(Path(args.chart).resolve(), base)).as_posix()
    from promptwise.escalation.render import render as render_report

    _emit(
        render_report(evidence, args.format, href),
        args.output,
        out,
        _SYNTAX.get(args.format, "text"),
    )
    return 0


# ----------------------------------------------------------------------- serve


def cmd_serve(args: argparse.Namespace, out: TextIO) -> int:
    # Starting the server allocates a few hundred thousand objects that live as
    # long as the process (lsprotocol's ~600 attrs classes, pygls, the server's
    # modules), and the cyclic collector walked them again and again before the
    # first answer: about a seventh of importing lsprotocol.types (issue 16).
    # Collection is off until the warm-up at `initialize` has loaded the rules,
    # prices and schemas; then what exists is frozen out of later collections
    # and collection resumes (lifecycle.resume_collection).
    gc.disable()
    from promptwise.lsp.server import start

    start(log_file=args.log_file, log_level=args.log_level)
    return 0


# ------------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(out)
        return 2
    if args.command != "serve":  # serve speaks the protocol on the raw streams
        for stream in (out, sys.stderr):
            if isinstance(stream, io.TextIOWrapper):
                # The last net under the escaping: a character the stream cannot
                # encode is written as an escape, never a UnicodeEncodeError.
                stream.reconfigure(errors="backslashreplace")
    handlers = {
        "check": cmd_check,
        "tokens": cmd_tokens,
        "rules": cmd_rules,
        "serve": cmd_serve,
        "diff": cmd_diff,
        "advise": cmd_advise,
    }
    try:
        return handlers[args.command](args, out)
    except (PromptwiseError, UsageError) as exc:
        _say(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so in one line, keep the traceback opt-in
        if os.environ.get("PROMPTWISE_DEBUG"):
            raise
        _say(
            f"internal error: {type(exc).__name__}: {exc} "
            "(set PROMPTWISE_DEBUG=1 for the traceback, and please report it)"
        )
        return 2
