"""The workspace view: every prompt with its tokens, cost per day and findings.

One list, sorted by what a prompt costs per day (the most expensive first),
so the prompts worth trimming are at the top; each row carries the files
the prompt includes, and a partial says how many listed prompts include it.
``promptwise tokens DIR --tree`` prints it and the editor command
``promptwise.showWorkspaceTokens`` returns it: both build it here, from the
batch runner's results, so the two can never disagree.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from promptwise.findings import Severity
from promptwise.pricing.cost import format_usd
from promptwise.runner import FileResult


@dataclass(frozen=True)
class PromptRow:
    path: str  # as the walk found it (relative when the folder was given relatively)
    model: str
    tokens: int  # the file's own
    included_tokens: int
    approximate: bool
    cost_per_call: float | None  # None: the model is not in the price table
    cost_per_day: float | None
    findings: int
    by_severity: dict[str, int]
    includes: tuple[tuple[str, int], ...]  # (path, tokens) per included file
    included_by: int  # how many listed prompts include this file
    partial: bool = False  # a Dotprompt partial: never sent alone, so it has no cost of its own

    @property
    def input_tokens(self) -> int:
        return self.tokens + self.included_tokens


def rows_of(results: Iterable[FileResult]) -> list[PromptRow]:
    """One row per analysed file, the most expensive per day first.

    Files without a price (unknown model) and Dotprompt partials (their
    tokens are counted in the prompts that include them) come after, by
    tokens; unreadable files (a PW000 finding) are listed too, so none is
    silently left out.
    """
    listed = [r for r in results if not r.skipped]
    including: dict[str, int] = {}
    for result in listed:
        for path in {os.path.realpath(p) for p, _ in result.includes}:
            including[path] = including.get(path, 0) + 1
    rows = []
    for r in listed:
        counts: dict[str, int] = {}
        for finding in r.findings:
            counts[finding.severity.value] = counts.get(finding.severity.value, 0) + 1
        name = os.path.basename(r.path)
        partial = name.startswith("_") and name.endswith(".prompt")
        rows.append(
            PromptRow(
                path=r.path,
                model=r.model,
                tokens=r.tokens,
                included_tokens=r.included_tokens,
                approximate=r.approximate,
                cost_per_call=None if partial else r.cost_per_call,
                cost_per_day=None if partial else r.cost_per_day,
                findings=len(r.findings),
                by_severity={s.value: counts[s.value] for s in Severity if s.value in counts},
                includes=r.includes,
                included_by=including.get(os.path.realpath(r.path), 0),
                partial=partial,
            )
        )
    rows.sort(
        key=lambda row: (
            row.cost_per_day is None,
            -(row.cost_per_day or 0.0),
            -row.input_tokens,
            row.path,
        )
    )
    return rows


def _shown(path: str, like: str) -> str:
    """An included file's path in the form of the including prompt's: absolute when
    the prompt's is, else relative to the current folder (when inside it)."""
    if os.path.isabs(like):
        return path
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def as_json(rows: list[PromptRow]) -> dict[str, Any]:
    """The stable JSON form (``tokens --tree --format json`` and the editor command)."""
    return {
        "prompts": [
            {
                "path": row.path,
                "model": row.model,
                "tokens": row.tokens,
                "included_tokens": row.included_tokens,
                "input_tokens": row.input_tokens,
                "approximate": row.approximate,
                "cost_per_call": row.cost_per_call,
                "cost_per_day": row.cost_per_day,
                "findings": row.findings,
                "by_severity": row.by_severity,
                "includes": [{"path": _shown(p, row.path), "tokens": t} for p, t in row.includes],
                "included_by": row.included_by,
                "partial": row.partial,
            }
            for row in rows
        ],
        "total": {
            "prompts": len(rows),
            "cost_per_day": sum(row.cost_per_day or 0.0 for row in rows),
            "findings": sum(row.findings for row in rows),
        },
    }


def _tokens(row: PromptRow) -> str:
    mark = "≈" if row.approximate else ""
    text = f"{mark}{row.tokens:,}"
    if row.included_tokens:
        text += f" (+{mark}{row.included_tokens:,})"
    return text


def _note(row: PromptRow) -> str:
    what = "partial, " if row.partial else ""
    if row.included_by:
        return f"  ({what}included by {row.included_by})"
    return "  (partial)" if row.partial else ""


def _money(value: float | None) -> str:
    return "–" if value is None else format_usd(value)


def as_text(rows: list[PromptRow], printable: Any = str) -> str:
    """Aligned columns, each prompt's includes indented under it."""
    header = ("cost/day", "cost/call", "tokens (+included)", "findings", "prompt")
    table = [
        (
            _money(row.cost_per_day),
            _money(row.cost_per_call),
            _tokens(row),
            str(row.findings),
            printable(row.path) + _note(row),
        )
        for row in rows
    ]
    widths = [max(len(header[i]), *(len(t[i]) for t in table)) for i in range(4)]

    def line(cells: tuple[str, ...]) -> str:
        numbers = "  ".join(cell.rjust(widths[i]) for i, cell in enumerate(cells[:4]))
        return f"{numbers}  {cells[4]}".rstrip()

    out = [line(header)]
    indent = " " * (sum(widths) + 2 * 4)
    for row, cells in zip(rows, table, strict=True):
        out.append(line(cells))
        mark = "≈" if row.approximate else ""
        for path, tokens in row.includes:
            out.append(f"{indent}└ {printable(_shown(path, row.path))}  {mark}{tokens:,} tok")
    total = as_json(rows)["total"]
    out.append("")
    out.append(
        f"{total['prompts']} prompt{'s' if total['prompts'] != 1 else ''} · "
        f"{format_usd(total['cost_per_day'])}/day · "
        f"{total['findings']} finding{'s' if total['findings'] != 1 else ''}"
    )
    return "\n".join(out) + "\n"


def as_markdown(rows: list[PromptRow], root: str | None = None) -> str:
    """A table for the editor's panel (paths relative to ``root`` when inside it)."""

    def name(path: str) -> str:
        if root:
            rel = os.path.relpath(path, root)
            if not rel.startswith(".."):
                path = rel
        return path.replace("`", "'").replace("|", "\\|").replace("\n", " ")

    lines = [
        "### Prompts by cost per day",
        "",
        "| prompt | tokens (+included) | cost per call | cost per day | findings |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        cell = f"`{name(row.path)}`" + _note(row)
        if row.includes:
            cell += "<br>" + "<br>".join(f"└ `{name(p)}` {t:,} tok" for p, t in row.includes)
        lines.append(
            f"| {cell} | {_tokens(row)} | {_money(row.cost_per_call)} | "
            f"{_money(row.cost_per_day)} | {row.findings} |"
        )
    total = as_json(rows)["total"]
    lines += [
        "",
        f"{total['prompts']} prompts · {format_usd(total['cost_per_day'])}/day · "
        f"{total['findings']} findings",
    ]
    return "\n".join(lines)
