"""Interchangeable renderers over one :class:`CheckReport`.

Each renderer is a pure function from the report to text: it reads nothing
else (no files, no environment, no clock), so the same run renders the same
bytes and every format can be tested on hand-built reports. Only the text
renderer has an option, colour, and it is passed in by the caller that knows
whether it writes to a terminal.
"""

from __future__ import annotations

from collections.abc import Callable

from promptwise.report.github import render_github
from promptwise.report.json_format import render_json
from promptwise.report.junit import render_junit
from promptwise.report.model import CheckReport, FileReport
from promptwise.report.sarif import render_sarif
from promptwise.report.text import render_text

Renderer = Callable[[CheckReport], str]

RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "junit": render_junit,
}


def render(report: CheckReport, fmt: str, *, color: bool = False) -> str:
    """Render ``report`` as ``fmt``; ``color`` only affects the text format."""
    if fmt == "text":
        return render_text(report, color=color)
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise ValueError(f"unknown output format {fmt!r} (expected one of: {', '.join(RENDERERS)})")
    return renderer(report)


__all__ = ["RENDERERS", "CheckReport", "FileReport", "Renderer", "render"]
