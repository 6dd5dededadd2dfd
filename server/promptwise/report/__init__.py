"""Interchangeable renderers over one :class:`CheckReport`.

Each renderer is a pure function from the report to text: it reads nothing
else (no files, no environment, no clock), so the same run renders the same
bytes and every format can be tested on hand-built reports. Only the text
renderer has an option, colour, and it is passed in by the caller that knows
whether it writes to a terminal.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from promptwise.report.model import CheckReport, FileReport

Renderer = Callable[[CheckReport], str]


def _deferred(module: str, name: str) -> Renderer:
    """The renderer ``module.name``, imported on first use: a run imports the one
    format it writes (JUnit alone pulls in ``xml.etree``), and the language
    server, which starts through the CLI, imports none."""

    def renderer(report: CheckReport) -> str:
        found: Renderer = getattr(importlib.import_module(f"promptwise.report.{module}"), name)
        return found(report)

    return renderer


RENDERERS: dict[str, Renderer] = {
    "text": _deferred("text", "render_text"),
    "json": _deferred("json_format", "render_json"),
    "sarif": _deferred("sarif", "render_sarif"),
    "github": _deferred("github", "render_github"),
    "junit": _deferred("junit", "render_junit"),
}


def render(report: CheckReport, fmt: str, *, color: bool = False) -> str:
    """Render ``report`` as ``fmt``; ``color`` only affects the text format."""
    if fmt == "text":
        from promptwise.report.text import render_text

        return render_text(report, color=color)
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise ValueError(f"unknown output format {fmt!r} (expected one of: {', '.join(RENDERERS)})")
    return renderer(report)


__all__ = ["RENDERERS", "CheckReport", "FileReport", "Renderer", "render"]
