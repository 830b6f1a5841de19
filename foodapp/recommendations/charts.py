"""A server-rendered SVG bar chart: orders per session of each ranker, with 95% intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 520, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and 95% interval."""

    label: str
    value: float
    low: float
    high: float


def interval_bars_svg(bars: Sequence[Bar], *, title: str, unit: str) -> str:
    """A bar chart with interval whiskers, as an accessible inline SVG string.

    Args:
        bars: the bars, left to right.
        title: the chart's title (also its accessible name).
        unit: what the y axis measures.

    Returns:
        The SVG markup; every text is escaped.
    """
    top_value = max([b.high for b in bars] + [b.value for b in bars] + [1e-9]) * 1.1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(bars), 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - max(0.0, value) / top_value), 2)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'stroke="#636c76"/>',
        f'<text x="12" y="{TOP + plot_h / 2}" font-size="11" transform="rotate(-90 12 '
        f'{TOP + plot_h / 2})" text-anchor="middle">{escape(unit)}</text>',
    ]
    for tick in (0.0, top_value / 2, top_value):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4}" font-size="10" text-anchor="end">'
            f"{tick:.2f}</text>"
        )
    for index, bar in enumerate(bars):
        x = LEFT + index * slot + slot * 0.2
        width = slot * 0.6
        middle = round(x + width / 2, 2)
        parts.append(
            f'<rect x="{round(x, 2)}" y="{y(bar.value)}" width="{round(width, 2)}" '
            f'height="{round(TOP + plot_h - y(bar.value), 2)}" fill="#c4501b">'
            f"<title>{escape(bar.label)}: {bar.value:.3f} ({bar.low:.3f} to {bar.high:.3f})"
            "</title></rect>"
        )
        parts.append(
            f'<line x1="{middle}" y1="{y(bar.low)}" x2="{middle}" y2="{y(bar.high)}" '
            'stroke="#1f2328" stroke-width="1.5"/>'
        )
        parts.append(
            f'<text x="{middle}" y="{HEIGHT - BOTTOM + 16}" font-size="11" '
            f'text-anchor="middle">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<text x="{middle}" y="{y(bar.high) - 4}" font-size="10" text-anchor="middle">'
            f"{bar.value:.2f}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
