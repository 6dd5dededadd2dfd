"""The cost lens at the top of the file, and the escalation advisor's slot under it.

Lens 1: input and expected output tokens, cost per call and per day, and
the share of the context window, for the file's model (or the configured
one); clicking it runs ``promptwise.showCostComparison``. With the
``section_lenses`` setting, each heading and each message gets a lens of its
own: its tokens, its share of the prompt and its cost per call. Lens 2 appears
when the analysis carries escalation evidence whose advice has a summary
(a case still fails) and runs ``promptwise.showEscalationReport``. For a file
that differs from its committed version, a lens between them shows what the
edit costs: ``+124 tok · +$37/day vs HEAD`` (the HEAD version is read through
git and analysed once per blob).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from promptwise.analysis import Analysis
from promptwise.document.model import Segment, SegmentKind
from promptwise.lsp import convert
from promptwise.lsp.features.presentation import (
    segment_name,
    segment_tokens,
    share,
    tokens,
)
from promptwise.lsp.ids import CMD_COST_COMPARISON, CMD_ESCALATION_REPORT
from promptwise.pricing.cost import context_share_text, context_window_text, format_usd
from promptwise.project.composition import included_note

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer


def cost_title(analysis: Analysis) -> str:
    """``gpt-4o · 1,234 tok in · 400 out · $0.0071/call · $7.10/day at 1,000 calls ·
    1.3% of the 128,000-token context window``.

    A prompt that includes other files (partials, attached files) shows
    their tokens beside its own, ``1,234 tok in (+310 included)``, and the
    costs are those of both: what is really sent.
    """
    approx = analysis.approximate
    parts = [
        analysis.model_name,
        f"{tokens(analysis.tokens.total, approx)} in"
        + included_note(analysis.included_tokens, approx),
        f"{analysis.output_tokens:,} out",
    ]
    cost = analysis.cost
    if cost is None:
        parts.append("no price for this model")
    else:
        parts.append(f"{format_usd(cost.cost_per_call)}/call")
        parts.append(f"{format_usd(cost.cost_per_day)}/day at {cost.calls_per_day:,} calls")
        if cost.context_window:
            parts.append(
                f"{context_share_text(cost.context_share)} of the "
                f"{context_window_text(cost.context_window)}"
            )
    return " · ".join(parts)


def head_delta(analysis: Analysis) -> str | None:
    """``+124 tok · +$37/day vs HEAD`` when the file differs from its committed version."""
    path = Path(analysis.document.path)
    if not path.is_file():
        return None
    from promptwise import costdiff  # git and the cost diff: not before the first answer

    before = costdiff.head_baseline(path, analysis.settings)
    if before is None:
        return None
    return costdiff.delta_title(before, costdiff.side_of(analysis))


def escalation_summary(analysis: Analysis) -> str | None:
    """The advisor's one line, when failure logs mention the file and a case fails."""
    summary = analysis.escalation.advice.summary if analysis.escalation else None
    return summary if summary and summary.strip() else None


SECTIONED = (SegmentKind.SECTION, SegmentKind.MESSAGE)


def section_title(analysis: Analysis, segment: Segment) -> str:
    """``Steps · 312 tok · 24% of the prompt · $0.00078/call``."""
    n = segment_tokens(analysis, segment)
    parts = [
        segment_name(segment),
        tokens(n, analysis.approximate),
        f"{share(n, analysis.tokens.total)} of the prompt",
    ]
    if analysis.price is not None:
        parts.append(f"{format_usd(n * analysis.price.input / 1_000_000)}/call")
    return " · ".join(parts)


def section_lenses(analysis: Analysis) -> list[lsp.CodeLens]:
    """One lens per heading and message, on its first line; none clickable."""
    lines = analysis.document.lines
    lenses: list[lsp.CodeLens] = []
    seen: set[int] = set()
    for segment in analysis.document.flat_segments:
        if segment.kind not in SECTIONED:
            continue
        line = lines.line_of((segment.header or segment.span).start)
        if line in seen:
            continue
        seen.add(line)
        lenses.append(
            lsp.CodeLens(
                range=convert.line_range(lines, line),
                # An empty command id: the editor shows the title and does nothing on click.
                command=lsp.Command(title=section_title(analysis, segment), command=""),
            )
        )
    return lenses


async def code_lenses(ls: PromptwiseServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
    uri = params.text_document.uri
    analysis = await ls.documents.current_analysis(uri)
    if analysis is None:
        return []
    top = convert.line_range(analysis.document.lines, 0)
    lenses = [
        lsp.CodeLens(
            range=top,
            command=lsp.Command(
                title=cost_title(analysis), command=CMD_COST_COMPARISON, arguments=[uri]
            ),
        )
    ]
    delta = head_delta(analysis)
    if delta is not None:
        lenses.append(
            lsp.CodeLens(
                range=top,
                command=lsp.Command(title=delta, command=CMD_COST_COMPARISON, arguments=[uri]),
            )
        )
    summary = escalation_summary(analysis)
    if summary is not None:
        lenses.append(
            lsp.CodeLens(
                range=top,
                command=lsp.Command(
                    title=summary.strip().splitlines()[0],
                    command=CMD_ESCALATION_REPORT,
                    arguments=[uri],
                ),
            )
        )
    if analysis.settings.section_lenses:
        lenses.extend(section_lenses(analysis))
    return lenses
