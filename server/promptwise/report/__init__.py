"""Interchangeable renderers over one CheckReport."""

from __future__ import annotations

from collections.abc import Callable

from promptwise.report.github import render_github
from promptwise.report.json_format import render_json
from promptwise.report.junit import render_junit
from promptwise.report.model import CheckReport
from promptwise.report.sarif import render_sarif
from promptwise.report.text import render_text

Renderer = Callable[..., str]

RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "junit": render_junit,
}


def render(report: CheckReport, fmt: str, *, color: bool = False) -> str:
    return RENDERERS[fmt](report, color=color)


__all__ = ["RENDERERS", "CheckReport", "render"]
