"""Wording shared by inlay hints, hovers, symbols and the code lens.

Kept apart from the handlers so every feature says "≈1,234 tok" the same
way, and so the wording can be unit-tested without a client.
"""

from __future__ import annotations

from promptwise.analysis import Analysis
from promptwise.document.model import Segment, SegmentKind
from promptwise.pricing.catalogue import PriceEntry
from promptwise.pricing.cost import format_usd
from promptwise.tokens.counter import default_counter

# Segments whose header line gets a token count.
HINTED = frozenset(
    {SegmentKind.FRONTMATTER, SegmentKind.MESSAGE, SegmentKind.SECTION, SegmentKind.EXAMPLE}
)


def tokens(n: int, approximate: bool, unit: str = "tok") -> str:
    return f"{'≈' if approximate else ''}{n:,} {unit}".rstrip()


def segment_name(segment: Segment) -> str:
    if segment.kind is SegmentKind.MESSAGE:
        return f"{segment.role or segment.title or 'message'} message"
    if segment.kind is SegmentKind.SECTION:
        return segment.title or "section"
    if segment.kind is SegmentKind.FRONTMATTER:
        return "frontmatter"
    if segment.kind is SegmentKind.EXAMPLE:
        return f"example: {segment.title}" if segment.title else "example"
    if segment.kind is SegmentKind.CODE:
        return f"code ({segment.title})" if segment.title else "code"
    if segment.kind is SegmentKind.DATA:
        return f"<{segment.title}>" if segment.title else "data"
    return segment.title or segment.kind.value


def unsent(analysis: Analysis, segment: Segment) -> bool:
    """Whether the segment is configuration the model never sees: the
    frontmatter of a format that defines one. A plain file's YAML header is
    kept out of the prose rules but goes to the model with the rest."""
    return segment.kind is SegmentKind.FRONTMATTER and analysis.document.frontmatter is not None


def segment_tokens(analysis: Analysis, segment: Segment) -> int:
    """Tokens the segment sends; for frontmatter, what it would cost if it were sent."""
    if segment.kind is SegmentKind.FRONTMATTER:
        text = analysis.document.text[segment.span.start : segment.span.end]
        return default_counter().count(text, analysis.tokens.encoding)
    return analysis.tokens.for_segment(segment)


def segment_hint(analysis: Analysis, segment: Segment) -> str:
    n = segment_tokens(analysis, segment)
    label = tokens(n, analysis.approximate)
    if unsent(analysis, segment):
        return f"{label} (not sent)"
    return label


def share(part: int, total: int) -> str:
    if total <= 0:
        return "0%"
    pct = 100 * part / total
    return f"{pct:.0f}%" if pct >= 1 or pct == 0 else f"{pct:.1f}%"


def segment_summary(analysis: Analysis, segment: Segment) -> str:
    """One markdown paragraph: tokens, share of the prompt, and what they cost."""
    n = segment_tokens(analysis, segment)
    approx = analysis.approximate
    name = segment_name(segment)
    if unsent(analysis, segment):
        return (
            f"**{name}**: {tokens(n, approx, 'tokens')}; configuration, not sent to the "
            "model, so it costs nothing per call"
        )
    total = analysis.tokens.total
    text = (
        f"**{name}**: {tokens(n, approx, 'tokens')}, {share(n, total)} of the prompt's "
        f"{tokens(total, approx, 'input tokens')}"
    )
    price = analysis.price
    if price is not None:
        per_call = n * price.input / 1_000_000
        per_day = per_call * analysis.settings.calls_per_day
        text += (
            f"  \n{format_usd(per_call)} per call, {format_usd(per_day)} per day at "
            f"{analysis.settings.calls_per_day:,} calls on `{price.id}` input prices"
        )
    return text


def per_million(amount: float | None) -> str:
    return "–" if amount is None else f"{format_usd(amount)}"


def price_row(entry: PriceEntry) -> str:
    """A model's row of the price table as markdown."""
    parts = [f"**{entry.display_name or entry.id}** (`{entry.id}`)", ""]
    parts.append("| input | cached input | output | context window | max output |")
    parts.append("|---:|---:|---:|---:|---:|")
    parts.append(
        f"| {per_million(entry.input)} | {per_million(entry.cached_input)} | "
        f"{per_million(entry.output)} | {_count(entry.context_window)} | "
        f"{_count(entry.max_output)} |"
    )
    parts.append("")
    parts.append(
        "Prices in USD per 1M tokens. Tokens counted with "
        f"`{entry.encoding}`"
        + (
            " (approximate: this vendor publishes no offline tokenizer)"
            if entry.approximate
            else " (exact)"
        )
        + "."
    )
    source = []
    if entry.as_of:
        source.append(f"prices as of {entry.as_of}")
    if entry.source:
        source.append(f"source: {entry.source}")
    if source:
        parts.append(" · ".join(source))
    return "\n".join(parts)


def _count(value: int | None) -> str:
    return "–" if not value else f"{value:,} tokens"
