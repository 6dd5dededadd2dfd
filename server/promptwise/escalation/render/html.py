"""A standalone HTML page of the report, with the chart as inline SVG.

Every string is escaped with :func:`html.escape`; the page has no scripts
and no external resources, so it can be attached to a CI run or opened in
a webview as is.
"""

from __future__ import annotations

from html import escape

from promptwise.escalation.evidence import PromptEvidence
from promptwise.escalation.render.chart import svg
from promptwise.escalation.render.outline import (
    Block,
    Bullets,
    Chart,
    Code,
    Heading,
    Para,
    Strong,
    Table,
    Text,
    outline,
)

_STYLE = """
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #d0d0d0; padding: 0.25rem 0.6rem; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { background: #f3f3f3; padding: 0 0.2rem; border-radius: 3px; }
p.verdict { font-size: 1.1rem; }
"""


def text(parts: Text) -> str:
    out = []
    for part in parts:
        if isinstance(part, Code):
            out.append(f"<code>{escape(part.text)}</code>")
        elif isinstance(part, Strong):
            out.append(f"<strong>{escape(part.text)}</strong>")
        else:
            out.append(escape(part))
    return "".join(out)


def block(item: Block) -> str:
    if isinstance(item, Heading):
        return f"<h{item.level}>{escape(item.text)}</h{item.level}>"
    if isinstance(item, Para):
        verdict = ' class="verdict"' if item.text and isinstance(item.text[0], Strong) else ""
        return f"<p{verdict}>{text(item.text)}</p>"
    if isinstance(item, Bullets):
        return "<ul>" + "".join(f"<li>{text(e)}</li>" for e in item.items) + "</ul>"
    if isinstance(item, Table):
        head = "".join(f"<th>{escape(h)}</th>" for h in item.header)
        rows = []
        for row in item.rows:
            cells = "".join(
                f'<td class="num">{text(c)}</td>' if i in item.numeric else f"<td>{text(c)}</td>"
                for i, c in enumerate(row)
            )
            rows.append(f"<tr>{cells}</tr>")
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    if isinstance(item, Chart):
        return f"<figure>{svg(item.data)}</figure>"
    raise TypeError(f"unknown block {item!r}")


def render_html(ev: PromptEvidence) -> str:
    body = "\n".join(block(b) for b in outline(ev, chart=True))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape('Escalation advice: ' + ev.path)}</title>"
        f"<style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )
