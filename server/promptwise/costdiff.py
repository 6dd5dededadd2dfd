"""What a change costs: tokens, money and findings before and after, per file.

Both sides are analysed with the settings in force now (so a changed price
table or config does not masquerade as a prompt change) and each side is
priced with the model its own text names. Findings are matched across the
change by rule, flagged text and message, not by line, so moving a
paragraph neither "introduces" nor "fixes" anything.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from promptwise import gitbase
from promptwise.analysis import Analysis, analyze
from promptwise.config import Settings
from promptwise.document import chat
from promptwise.document.load import parse_bytes
from promptwise.document.parse import MAX_FILE_BYTES
from promptwise.files import is_prompt_path
from promptwise.findings import Finding
from promptwise.pricing.cost import format_usd
from promptwise.report.escape import markdown_code, markdown_text, printable
from promptwise.report.model import FileReport

SettingsFor = Callable[[Path], Settings]


@dataclass(frozen=True)
class Side:
    tokens: int
    approximate: bool
    model: str
    cost_per_call: float | None
    cost_per_day: float | None
    calls_per_day: int
    findings: tuple[Finding, ...]
    text: str


@dataclass(frozen=True)
class FileDelta:
    path: str
    old_path: str | None
    status: str  # added | modified | deleted | renamed
    before: Side | None
    after: Side | None
    introduced: tuple[Finding, ...]
    fixed: tuple[Finding, ...]

    @property
    def token_delta(self) -> int:
        return (self.after.tokens if self.after else 0) - (self.before.tokens if self.before else 0)

    @property
    def cost_per_day_delta(self) -> float | None:
        before = self.before.cost_per_day if self.before else 0.0
        after = self.after.cost_per_day if self.after else 0.0
        if before is None or after is None:
            return None
        return after - before

    @property
    def cost_per_call_delta(self) -> float | None:
        before = self.before.cost_per_call if self.before else 0.0
        after = self.after.cost_per_call if self.after else 0.0
        if before is None or after is None:
            return None
        return after - before


@dataclass(frozen=True)
class DiffReport:
    base: str  # as the user named it (or "merge base with main")
    commit: str
    files: tuple[FileDelta, ...]

    @property
    def token_delta(self) -> int:
        return sum(f.token_delta for f in self.files)

    @property
    def cost_per_day_delta(self) -> float:
        return sum(f.cost_per_day_delta or 0.0 for f in self.files)

    @property
    def unpriced(self) -> list[str]:
        return [f.path for f in self.files if f.cost_per_day_delta is None]


def fingerprint(finding: Finding, text: str) -> tuple[str, str, str]:
    flagged = " ".join(text[finding.span.start : finding.span.end].split())
    return (finding.code, flagged, finding.message)


def compare(
    before: Iterable[Finding], before_text: str, after: Iterable[Finding], after_text: str
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """(introduced, fixed): findings only after, findings only before (as multisets)."""
    old = Counter(fingerprint(f, before_text) for f in before)
    new = Counter(fingerprint(f, after_text) for f in after)
    introduced: list[Finding] = []
    seen: Counter[tuple[str, str, str]] = Counter()
    for finding in after:
        key = fingerprint(finding, after_text)
        seen[key] += 1
        if seen[key] > old[key]:
            introduced.append(finding)
    fixed: list[Finding] = []
    seen.clear()
    for finding in before:
        key = fingerprint(finding, before_text)
        seen[key] += 1
        if seen[key] > new[key]:
            fixed.append(finding)
    return tuple(introduced), tuple(fixed)


def _side(data: bytes | None, display: str, settings: Settings, sniff: bool) -> Side | None:
    if data is None:
        return None
    try:
        doc = parse_bytes(data, display, sniff_chat=sniff)
    except chat.NotChat:
        return None
    if doc is None:
        return None
    analysis = analyze(doc, settings)
    return side_of(analysis)


def side_of(analysis: Analysis) -> Side:
    cost = analysis.cost
    return Side(
        tokens=analysis.tokens.total,
        approximate=analysis.tokens.approximate,
        model=analysis.model_name,
        cost_per_call=cost.cost_per_call if cost else None,
        cost_per_day=cost.cost_per_day if cost else None,
        calls_per_day=analysis.settings.calls_per_day,
        findings=analysis.findings,
        text=analysis.document.text,
    )


def compute(
    root: Path, base: str | None, settings_for: SettingsFor, paths: Iterable[str] = ()
) -> DiffReport:
    """Every changed prompt file between ``base`` and the work tree of ``root``."""
    label = base or "merge base with the default branch"
    commit = (
        gitbase.resolve(root, base) if base else gitbase.resolve(root, gitbase.default_base(root))
    )
    wanted = [Path(p).resolve() for p in paths]
    deltas: list[FileDelta] = []
    for change in gitbase.changes(root, commit):
        full = root / change.path
        if wanted and not any(full.resolve() == w or w in full.resolve().parents for w in wanted):
            continue
        settings = settings_for(full)
        kind = is_prompt_path(change.path, settings.include, settings.exclude)
        old_kind = (
            is_prompt_path(change.old_path, settings.include, settings.exclude)
            if change.old_path
            else False
        )
        if kind is False and old_kind is False:
            continue
        before = (
            _side(
                gitbase.read_at(root, commit, change.old_path),
                change.old_path,
                settings,
                old_kind is None,
            )
            if change.old_path
            else None
        )
        after = None
        if change.status != "deleted":
            data = gitbase.worktree_bytes(root, change.path, MAX_FILE_BYTES)
            after = _side(data, change.path, settings, kind is None)
        if before is None and after is None:
            continue
        if before and after and before.text == after.text and change.status == "modified":
            continue
        introduced, fixed = compare(
            before.findings if before else (),
            before.text if before else "",
            after.findings if after else (),
            after.text if after else "",
        )
        deltas.append(
            FileDelta(change.path, change.old_path, change.status, before, after, introduced, fixed)
        )
    return DiffReport(label, commit, tuple(deltas))


# ------------------------------------------------------------------ rendering


def _tokens(side: Side | None) -> str:
    if side is None:
        return "–"
    return ("≈" if side.approximate else "") + f"{side.tokens:,}"


def _money(value: float | None) -> str:
    return "unknown" if value is None else format_usd(value)


def _signed_tokens(delta: int) -> str:
    return f"{delta:+,}"


def _signed_money(delta: float | None) -> str:
    if delta is None:
        return "unknown"
    if delta == 0:
        return "$0"
    return ("+" if delta > 0 else "-") + format_usd(abs(delta))


def render_markdown(report: DiffReport) -> str:
    lines = [
        f"### Prompt changes vs {markdown_code(report.base)} ({markdown_text(report.commit[:10])})",
        "",
    ]
    if not report.files:
        lines.append("No prompt files changed.")
        return "\n".join(lines) + "\n"
    lines += [
        "| file | change | tokens before | tokens after | Δ tokens | cost/day before | "
        "cost/day after | Δ cost/day | findings |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for f in report.files:
        name = markdown_code(f.path, in_table=True)
        if f.status == "renamed" and f.old_path is not None:
            name += f" (from {markdown_code(f.old_path, in_table=True)})"
        findings = []
        if f.introduced:
            findings.append(f"+{len(f.introduced)} new")
        if f.fixed:
            findings.append(f"−{len(f.fixed)} fixed")
        lines.append(
            f"| {name} | {f.status} | {_tokens(f.before)} | {_tokens(f.after)} | "
            f"{_signed_tokens(f.token_delta)} | "
            f"{_money(f.before.cost_per_day) if f.before else '–'} | "
            f"{_money(f.after.cost_per_day) if f.after else '–'} | "
            f"{_signed_money(f.cost_per_day_delta)} | {', '.join(findings) or '–'} |"
        )
    lines += [
        "",
        f"**Total:** {_signed_tokens(report.token_delta)} tokens per call, "
        f"{_signed_money(report.cost_per_day_delta)} per day.",
    ]
    if report.unpriced:
        unpriced = ", ".join(markdown_code(path) for path in report.unpriced)
        lines.append(f"Not priced (unknown model): {unpriced}.")
    new = [(f.path, x) for f in report.files for x in f.introduced]
    if new:
        lines += ["", "<details><summary>New findings</summary>", ""]
        for path, finding in new:
            lines.append(
                f"- {markdown_code(path)} {markdown_text(finding.code)} "
                f"{markdown_text(finding.message)}"
            )
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def render_text(report: DiffReport) -> str:
    lines = [f"Prompt changes vs {printable(report.base)} ({printable(report.commit[:10])})"]
    if not report.files:
        return lines[0] + "\nNo prompt files changed.\n"
    for f in report.files:
        renamed = f" from {printable(f.old_path)}" if f.status == "renamed" and f.old_path else ""
        head = f"{printable(f.path)} ({f.status}{renamed})"
        lines.append(head)
        lines.append(
            f"  tokens per call  {_tokens(f.before)} -> {_tokens(f.after)}  "
            f"({_signed_tokens(f.token_delta)})"
        )
        before_call = _money(f.before.cost_per_call) if f.before else "–"
        after_call = _money(f.after.cost_per_call) if f.after else "–"
        lines.append(
            f"  cost per call    {before_call} -> {after_call}  "
            f"({_signed_money(f.cost_per_call_delta)})"
        )
        before_day = _money(f.before.cost_per_day) if f.before else "–"
        after_day = _money(f.after.cost_per_day) if f.after else "–"
        lines.append(
            f"  cost per day     {before_day} -> {after_day}  "
            f"({_signed_money(f.cost_per_day_delta)})"
        )
        for finding in f.introduced:
            lines.append(f"  + {finding.code} {printable(finding.message)}")
        for finding in f.fixed:
            lines.append(f"  - {finding.code} {printable(finding.message)}")
    lines.append(
        f"Total: {_signed_tokens(report.token_delta)} tokens per call, "
        f"{_signed_money(report.cost_per_day_delta)} per day"
    )
    return "\n".join(lines) + "\n"


def _side_json(side: Side | None) -> dict[str, object] | None:
    if side is None:
        return None
    return {
        "tokens": side.tokens,
        "approximate": side.approximate,
        "model": side.model,
        "cost_per_call": side.cost_per_call,
        "cost_per_day": side.cost_per_day,
        "calls_per_day": side.calls_per_day,
        "findings": len(side.findings),
    }


def _finding_json(finding: Finding) -> dict[str, object]:
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
    }


def render_json(report: DiffReport) -> str:
    return (
        json.dumps(
            {
                "base": report.base,
                "commit": report.commit,
                "files": [
                    {
                        "path": f.path,
                        "old_path": f.old_path,
                        "status": f.status,
                        "before": _side_json(f.before),
                        "after": _side_json(f.after),
                        "token_delta": f.token_delta,
                        "cost_per_call_delta": f.cost_per_call_delta,
                        "cost_per_day_delta": f.cost_per_day_delta,
                        "introduced": [_finding_json(x) for x in f.introduced],
                        "fixed": [_finding_json(x) for x in f.fixed],
                    }
                    for f in report.files
                ],
                "total": {
                    "token_delta": report.token_delta,
                    "cost_per_day_delta": report.cost_per_day_delta,
                    "unpriced": report.unpriced,
                },
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def parse_budget_delta(value: str) -> tuple[str, float]:
    """``500`` or ``500tok`` -> tokens; ``$5``, ``5$`` or ``5usd`` -> dollars per day."""
    text = value.strip().lower().replace(",", "")
    try:
        if text.startswith("$") or text.endswith(("$", "usd")):
            return "usd", float(text.strip("$").removesuffix("usd"))
        return "tokens", float(text.removesuffix("tokens").removesuffix("tok"))
    except ValueError:
        raise ValueError(
            f"--budget-delta {value!r}: expected tokens (500) or dollars per day ($5)"
        ) from None


def new_findings_only(
    results: list[FileReport], base: str | None, settings_for: SettingsFor
) -> list[FileReport]:
    """Keep, per file, only the findings the change since ``base`` introduced.

    A file the change did not touch keeps none; an added or untracked file
    keeps all; a renamed file is compared with its old path at the base.
    Files outside a git repository are an error: there is no base to compare.
    """
    by_root: dict[Path, tuple[str, dict[str, gitbase.Change]]] = {}
    out: list[FileReport] = []
    for result in results:
        path = Path(result.path).resolve()
        root = gitbase.repo_root(path)
        if root is None:
            raise gitbase.GitError(
                f"{result.path} is not inside a git repository; "
                "--new-only needs one to find the base version"
            )
        if root not in by_root:
            commit = (
                gitbase.resolve(root, base)
                if base
                else gitbase.resolve(root, gitbase.default_base(root))
            )
            by_root[root] = (commit, {c.path: c for c in gitbase.changes(root, commit)})
        commit, changed = by_root[root]
        rel = path.relative_to(root.resolve()).as_posix()
        change = changed.get(rel)
        if change is None:
            if gitbase.read_at(root, commit, rel) is not None:
                out.append(replace(result, findings=()))  # untouched: nothing is new
            else:
                out.append(result)  # ignored by git but checked: treat as new
            continue
        if change.old_path is None:
            out.append(result)
            continue
        before = _side(
            gitbase.read_at(root, commit, change.old_path),
            change.old_path,
            settings_for(path),
            False,
        )
        if before is None:
            out.append(result)
            continue
        introduced, _ = compare(before.findings, before.text, result.findings, result.text)
        out.append(replace(result, findings=introduced))
    return out


_baselines: dict[tuple[str, str, str], Side | None] = {}


def head_baseline(path: Path, settings: Settings) -> Side | None:
    """The committed (HEAD) version of ``path``, analysed, for the editor's delta lens.

    None outside a repository, for untracked files, and when git is missing.
    Cached by the blob id and the settings, so typing never re-reads git
    objects it has already analysed.
    """
    try:
        root = gitbase.repo_root(path)
        if root is None:
            return None
        rel = path.resolve().relative_to(root.resolve()).as_posix()
        blob = gitbase.blob_id(root, "HEAD", rel)
        if blob is None:
            return None
        key = (blob, rel, repr(settings))
        if key not in _baselines:
            if len(_baselines) > 256:
                _baselines.clear()
            _baselines[key] = _side(gitbase.read_object(root, blob), rel, settings, False)
        return _baselines[key]
    except (gitbase.GitError, ValueError, OSError):
        return None


def delta_title(before: Side, after: Side) -> str | None:
    """``+124 tok · +$37/day vs HEAD`` for a changed file; None when nothing changed."""
    if before.text == after.text:
        return None
    tokens = after.tokens - before.tokens
    approx = "≈" if after.approximate else ""
    parts = [f"{approx}{tokens:+,} tok"]
    if before.cost_per_day is not None and after.cost_per_day is not None:
        parts.append(f"{_signed_money(after.cost_per_day - before.cost_per_day)}/day")
    return " · ".join(parts) + " vs HEAD"
