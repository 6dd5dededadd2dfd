"""An inline SVG chart: daily cost against calls per day for the three options.

Both axes are logarithmic, because the question spans three orders of
magnitude of traffic (the rule of thumb quotes 20,000 and 2,000,000 calls a
day) and the costs follow. On log-log axes a per-call cost is a straight
line of slope one and fine-tuning's fixed training cost bends its line
flat at low volume, so the break-even is where the bent line crosses. The
SVG is self-contained (no scripts, no external references) so it can be
embedded in markdown as a data URI or inline in HTML.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from html import escape

from promptwise.escalation.breakeven import BreakEven, OptionCost

WIDTH, HEIGHT = 680, 380
LEFT, RIGHT, TOP, BOTTOM = 78, 24, 44, 56
STYLES = {  # colour-blind-safe colours, told apart by dash pattern as well
    "prompt only": ("#0072B2", ""),
    "RAG": ("#E69F00", "8 5"),
    "fine-tuned": ("#009E73", "2 4"),
    "fine-tuned, same model": ("#CC79A7", "10 3 2 3"),
}


def _short(value: float) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= limit:
            number = value / limit
            return f"{number:g}{suffix}"
    return f"{value:g}"


def _money(value: float) -> str:
    if value >= 1000:
        return "$" + _short(value)
    if value >= 1:
        return f"${value:,.0f}"
    return f"${value:g}"


def x_range(data: BreakEven) -> tuple[float, float]:
    marks: list[float] = [data.calls_per_day, 1_000, 2_000_000]
    marks += [v for v in (data.vs_prompt, data.vs_rag) if v]
    # A decade of room below the lowest mark, so the user's own volume is not on the edge.
    low = 10 ** math.floor(math.log10(max(min(marks) / 3, 1)))
    high = 10 ** math.ceil(math.log10(max(marks) * 1.5))
    return float(low), float(high)


def svg(data: BreakEven) -> str:
    """The chart as an SVG document."""
    x_low, x_high = x_range(data)
    costs = [o.per_day(x) for o in data.options for x in (x_low, x_high)]
    positive = [c for c in costs if c > 0] or [0.01]
    y_low = 10 ** math.floor(math.log10(min(positive)))
    y_high = 10 ** math.ceil(math.log10(max(positive)))
    if y_high <= y_low:
        y_high = y_low * 10
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return (
            LEFT
            + (math.log10(x) - math.log10(x_low))
            / (math.log10(x_high) - math.log10(x_low))
            * plot_w
        )

    def py(y: float) -> float:
        y = max(y, y_low)
        return (
            TOP
            + plot_h
            - (math.log10(y) - math.log10(y_low))
            / (math.log10(y_high) - math.log10(y_low))
            * plot_h
        )

    title = "Daily cost by calls per day: prompt only, RAG, fine-tuned"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        'font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    # Grid and axis labels at powers of ten.
    decade = x_low
    while decade <= x_high * 1.0001:
        x = px(decade)
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" stroke="#e5e5e5"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" '
            f'fill="#333">{escape(_short(decade))}</text>'
        )
        decade *= 10
    decade = y_low
    while decade <= y_high * 1.0001:
        y = py(decade)
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#e5e5e5"/>'
        )
        out.append(
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="#333">{escape(_money(decade))}</text>'
        )
        decade *= 10
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>'
    )
    out.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 14}" text-anchor="middle" '
        'fill="#333">calls per day (log scale)</text>'
    )
    out.append(
        f'<text x="16" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" fill="#333" '
        f'transform="rotate(-90 16 {TOP + plot_h / 2:.1f})">cost per day, USD (log)</text>'
    )
    # The user's own volume.
    you = px(data.calls_per_day)
    out.append(
        f'<line x1="{you:.1f}" y1="{TOP}" x2="{you:.1f}" y2="{TOP + plot_h}" '
        'stroke="#666" stroke-dasharray="1 3"/>'
    )
    out.append(
        f'<text x="{you + 4:.1f}" y="{TOP + plot_h - 6}" fill="#666">you: '
        f"{data.calls_per_day:,}/day</text>"
    )
    for option in data.options:
        out.append(_line(option, x_low, x_high, px, py))
    # Break-even markers: a dashed line, a ring where the lines cross, a label at the top.
    label_y = TOP + 16
    for value, against, other in (
        (data.vs_prompt, "prompt only", data.prompt),
        (data.vs_rag, "RAG", data.rag),
    ):
        if value is None or not x_low <= value <= x_high:
            continue
        x, y = px(value), py(other.per_day(value))
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" '
            'stroke="#009E73" stroke-dasharray="4 3"/>'
        )
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="none" stroke="#000" '
            'stroke-width="1.5"/>'
        )
        anchor = "end" if x > LEFT + plot_w * 0.6 else "start"
        dx = -5 if anchor == "end" else 5
        out.append(
            f'<text x="{x + dx:.1f}" y="{label_y}" text-anchor="{anchor}" '
            f'fill="#000">fine-tuning cheaper than {escape(against)} above '
            f"{value:,.0f}/day</text>"
        )
        label_y += 16
    # Legend.
    x0, y0 = LEFT, 12
    for option in data.options:
        colour, dash = STYLES.get(option.name, ("#333", ""))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        label = f"{option.name} ({option.model})"[:40]
        width = 32 + int(6.6 * len(label)) + 24
        if x0 > LEFT and x0 + width - 24 > WIDTH - RIGHT:  # wrap to a second row
            x0, y0 = LEFT, y0 + 16
        out.append(
            f'<line x1="{x0}" y1="{y0}" x2="{x0 + 26}" y2="{y0}" stroke="{colour}" '
            f'stroke-width="3"{dash_attr}/>'
        )
        out.append(f'<text x="{x0 + 32}" y="{y0 + 4}" fill="#222">{escape(label)}</text>')
        x0 += width
    out.append("</svg>")
    return "\n".join(out)


def _line(
    option: OptionCost,
    x_low: float,
    x_high: float,
    px: Callable[[float], float],
    py: Callable[[float], float],
) -> str:
    colour, dash = STYLES.get(option.name, ("#333", ""))
    steps = 96
    points = []
    for i in range(steps + 1):
        x = 10 ** (math.log10(x_low) + (math.log10(x_high) - math.log10(x_low)) * i / steps)
        points.append(f"{px(x):.1f},{py(option.per_day(x)):.1f}")
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr} '
        f'points="{" ".join(points)}"/>'
    )


def data_uri(data: BreakEven) -> str:
    """The chart as a ``data:`` URI, for markdown viewers that show images but not raw SVG."""
    encoded = base64.b64encode(svg(data).encode("utf-8")).decode("ascii")
    return "data:image/svg+xml;base64," + encoded
