"""Markdown (GitHub-flavoured) rendering of the report, and the hover for the editor.

Every piece of log text is escaped: backslash escapes for markdown
punctuation in prose, code spans with a long enough backtick fence for
names, and pipes escaped inside tables. The chart is an SVG data URI image,
which VS Code's preview and hovers display and other viewers show as its
alt text.
"""

from __future__ import annotations

import re

from promptwise.escalation.evidence import PromptEvidence
from promptwise.escalation.render.chart import data_uri
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
    history_strip,
    outline,
)

# Characters that could start markup anywhere in a line. Line-start markers (#, -, +, 1.)
# need no escape: log text never starts a line here, it always follows our own prefix.
_SPECIAL = re.compile(r"([\\`*\[\]<>|~&])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def escape(text: str) -> str:
    """Prose that shows as written: markdown punctuation and HTML are escaped."""
    flat = " ".join(text.split()) if "\n" in text else text
    return _SPECIAL.sub(lambda m: "\\" + m.group(0), flat)


def code(text: str, in_table: bool = False) -> str:
    flat = " ".join(text.split())
    if not flat:
        return "` `"
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or longest else ""
    if in_table:
        flat = flat.replace("|", "\\|")
    return f"{fence}{pad}{flat}{pad}{fence}"


def text(parts: Text, in_table: bool = False) -> str:
    out = []
    for part in parts:
        if isinstance(part, Code):
            out.append(code(part.text, in_table))
        elif isinstance(part, Strong):
            out.append(f"**{escape(part.text)}**")
        else:
            out.append(escape(part))
    return "".join(out)


def block(item: Block, chart_href: str | None = None) -> str:
    if isinstance(item, Heading):
        return "#" * item.level + " " + escape(item.text)
    if isinstance(item, Para):
        return text(item.text)
    if isinstance(item, Bullets):
        return "\n".join("- " + text(entry) for entry in item.items)
    if isinstance(item, Table):
        lines = [
            "| " + " | ".join(escape(h) for h in item.header) + " |",
            "|"
            + "|".join("---:" if i in item.numeric else "---" for i in range(len(item.header)))
            + "|",
        ]
        for row in item.rows:
            lines.append("| " + " | ".join(text(cell, in_table=True) for cell in row) + " |")
        return "\n".join(lines)
    if isinstance(item, Chart):
        target = chart_href.replace(" ", "%20") if chart_href else data_uri(item.data)
        return f"![Daily cost against calls per day for prompt only, RAG and fine-tuned]({target})"
    raise TypeError(f"unknown block {item!r}")


def render_markdown(
    ev: PromptEvidence, *, chart: bool = True, chart_href: str | None = None
) -> str:
    """The report; the chart is embedded as a data URI unless ``chart_href`` names its file
    (GitHub, for one, does not show data-URI images)."""
    return "\n\n".join(block(b, chart_href) for b in outline(ev, chart=chart)) + "\n"


def hover(ev: PromptEvidence) -> str:
    """The case histories, short enough for a hover."""
    lines = []
    if ev.advice.summary:
        lines.append(f"**{escape(ev.advice.summary)}**")
    else:
        lines.append(escape(ev.advice.headline))
    history = ev.history
    if history.persistent:
        lines.append("")
        lines.append(f"Failing in the latest version (iteration {len(history.versions)}):")
        lines.append("")
        for case in history.persistent[:10]:
            since = case.since.index if case.since else "?"
            start = "regressed at" if case.regressed else "failing since"
            lines.append(
                f"- {code(case.title)} {escape(case.category)}: failed in "
                f"{case.failed_versions} of {len(history.versions)} versions, {start} "
                f"iteration {since} {code(history_strip(case))}"
            )
    if history.resolved:
        lines.append("")
        lines.append("Fixed by prompt edits:")
        lines.append("")
        for case in history.resolved[:10]:
            fixed = case.fixed_at.index if case.fixed_at else "?"
            lines.append(
                f"- {code(case.title)}: failed in {case.failed_versions} versions, "
                f"passing since iteration {fixed}"
            )
    lines.append("")
    lines.append(
        f"{history.experiments:,} experiments (prompt versions), {history.results:,} results; "
        "run *Promptwise: Show Escalation Report* for the advice and costs."
    )
    return "\n".join(lines) + "\n"
