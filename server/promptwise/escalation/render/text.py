"""Plain-text rendering of the report, for the terminal."""

from __future__ import annotations

import textwrap

from promptwise.escalation.evidence import PromptEvidence
from promptwise.escalation.render.outline import (
    Block,
    Bullets,
    Chart,
    Heading,
    Para,
    Table,
    outline,
    plain,
)

WIDTH = 100


def block(item: Block) -> str:
    if isinstance(item, Heading):
        if item.level == 1:
            return item.text + "\n" + "=" * min(len(item.text), WIDTH)
        return item.text + "\n" + "-" * min(len(item.text), WIDTH)
    if isinstance(item, Para):
        return textwrap.fill(plain(item.text), WIDTH)
    if isinstance(item, Bullets):
        return "\n".join(
            textwrap.fill(plain(entry), WIDTH, initial_indent="  - ", subsequent_indent="    ")
            for entry in item.items
        )
    if isinstance(item, Table):
        cells = [list(item.header)] + [[plain(c) for c in row] for row in item.rows]
        widths = [min(max(len(r[i]) for r in cells), 48) for i in range(len(item.header))]
        lines = []
        for n, row in enumerate(cells):
            shown = []
            for i, cell in enumerate(row):
                cell = cell if len(cell) <= widths[i] else cell[: widths[i] - 1] + "…"
                shown.append(
                    cell.rjust(widths[i]) if i in item.numeric and n else cell.ljust(widths[i])
                )
            lines.append("  " + "  ".join(shown).rstrip())
            if n == 0:
                lines.append("  " + "  ".join("-" * w for w in widths))
        return "\n".join(lines)
    if isinstance(item, Chart):
        return ""  # no chart in a terminal; the table above has the numbers
    raise TypeError(f"unknown block {item!r}")


def render_text(ev: PromptEvidence) -> str:
    parts = [block(b) for b in outline(ev, chart=False)]
    return "\n\n".join(p for p in parts if p) + "\n"
