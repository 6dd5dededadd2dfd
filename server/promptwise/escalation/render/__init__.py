"""Report renderers: text, markdown, json and html over one :class:`PromptEvidence`."""

from __future__ import annotations

import json

from promptwise.escalation.evidence import PromptEvidence

FORMATS = ("text", "markdown", "json", "html")


def render(evidence: PromptEvidence, fmt: str, chart_href: str | None = None) -> str:
    """The report in ``fmt``; markdown links the chart at ``chart_href`` when given."""
    if fmt == "text":
        from promptwise.escalation.render.text import render_text

        return render_text(evidence)
    if fmt == "markdown":
        from promptwise.escalation.render.markdown import render_markdown

        return render_markdown(evidence, chart_href=chart_href)
    if fmt == "html":
        from promptwise.escalation.render.html import render_html

        return render_html(evidence)
    if fmt == "json":
        from promptwise.escalation.render.json_format import as_json

        return json.dumps(as_json(evidence), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown report format {fmt!r} (expected one of: {', '.join(FORMATS)})")
