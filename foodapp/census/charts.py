"""Small SVG charts rendered on the server: a ROC curve and a calibration plot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SIZE = 260
MARGIN = 36
PLOT = SIZE - 2 * MARGIN


def _x(value: float) -> float:
    return round(MARGIN + max(0.0, min(1.0, value)) * PLOT, 2)


def _y(value: float) -> float:
    return round(MARGIN + (1.0 - max(0.0, min(1.0, value))) * PLOT, 2)


def _frame(title: str, x_label: str, y_label: str) -> list[str]:
    """Axes, ticks, the diagonal and the labels shared by both charts."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" '
        f'width="{SIZE}" height="{SIZE}" role="img" aria-label="{title}" class="chart">',
        f"<title>{title}</title>",
        f'<rect x="{MARGIN}" y="{MARGIN}" width="{PLOT}" height="{PLOT}" fill="#fff" '
        'stroke="#d0d7de"/>',
        f'<line x1="{_x(0)}" y1="{_y(0)}" x2="{_x(1)}" y2="{_y(1)}" stroke="#aaa" '
        'stroke-dasharray="4 4"/>',
    ]
    for tick in (0.0, 0.5, 1.0):
        parts.append(
            f'<text x="{_x(tick)}" y="{SIZE - MARGIN + 14}" font-size="10" '
            f'text-anchor="middle">{tick:g}</text>'
        )
        parts.append(
            f'<text x="{MARGIN - 6}" y="{_y(tick) + 3}" font-size="10" '
            f'text-anchor="end">{tick:g}</text>'
        )
    parts.append(
        f'<text x="{SIZE / 2}" y="{SIZE - 6}" font-size="11" text-anchor="middle">{x_label}</text>'
    )
    parts.append(
        f'<text x="12" y="{SIZE / 2}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 12 {SIZE / 2})">{y_label}</text>'
    )
    parts.append(
        f'<text x="{SIZE / 2}" y="16" font-size="12" font-weight="bold" '
        f'text-anchor="middle">{title}</text>'
    )
    return parts


def roc_svg(points: Sequence[Sequence[float]], auc: float | None) -> str:
    """The ROC curve through [false positive rate, true positive rate] points."""
    title = f"ROC curve (AUC {auc:.3f})" if auc is not None else "ROC curve"
    parts = _frame(title, "False positive rate", "True positive rate")
    if points:
        path = " ".join(f"{_x(fpr)},{_y(tpr)}" for fpr, tpr in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#c4501b" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def calibration_svg(bins: Sequence[dict[str, Any]], ece: float | None) -> str:
    """Observed positive rate against mean predicted probability, one dot per non-empty bin."""
    title = f"Calibration (ECE {ece:.3f})" if ece is not None else "Calibration"
    parts = _frame(title, "Predicted probability", "Observed rate")
    filled = [b for b in bins if b.get("count")]
    if filled:
        path = " ".join(f"{_x(b['mean_predicted'])},{_y(b['fraction_positive'])}" for b in filled)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f6feb" stroke-width="1.5"/>')
        for b in filled:
            parts.append(
                f'<circle cx="{_x(b["mean_predicted"])}" cy="{_y(b["fraction_positive"])}" r="3.5" '
                f'fill="#1f6feb"><title>{int(b["count"])} people: predicted '
                f"{b['mean_predicted']:.2f}, observed {b['fraction_positive']:.2f}</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)
