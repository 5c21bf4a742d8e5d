"""Charts drawn on the server as inline SVG: no script, no CDN, nothing to serve.

Two shapes cover the dashboard: a line chart of daily series and horizontal bars (the
funnel, blocks by rule, handoffs by reason). Labels are escaped; bars may carry a link.
"""

from __future__ import annotations

from html import escape
from typing import Dict, List, Optional, Sequence, Tuple

from markupsafe import Markup

PALETTE = ("#1d3557", "#e07a00", "#2a9d8f", "#b00020", "#7a4fb0", "#5b6472")


def line_chart(days: Sequence[str], series: Dict[str, Sequence[float]], *, width: int = 900,
               height: int = 220, title: str = "") -> Markup:
    """One polyline per series over `days` (equal spacing), with a legend and the y maximum."""
    left, right, top, bottom = 40, 10, 24, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([v for values in series.values() for v in values] + [1])
    n = max(len(days), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / peak

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}" class="chart">',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
             f'stroke="#999"/>',
             f'<text x="{left - 4}" y="{top + 4}" font-size="11" text-anchor="end">{peak:g}</text>',
             f'<text x="{left - 4}" y="{top + plot_h}" font-size="11" text-anchor="end">0</text>']
    if days:
        parts.append(f'<text x="{left}" y="{height - 8}" font-size="11">{escape(days[0])}</text>')
        parts.append(f'<text x="{left + plot_w}" y="{height - 8}" font-size="11" '
                     f'text-anchor="end">{escape(days[-1])}</text>')
    for i, (name, values) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        points = " ".join(f"{x(j):.1f},{y(v):.1f}" for j, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}" '
                     f'data-series="{escape(name)}"/>')
        parts.append(f'<text x="{left + 10 + 150 * i}" y="14" font-size="12" fill="{color}">'
                     f'{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(items: List[Tuple[str, float, Optional[str]]], *, width: int = 440,
         row: int = 24, title: str = "") -> Markup:
    """Horizontal bars: (label, value, link or None) each; the value is printed at the end."""
    label_w, value_w = 180, 60
    plot_w = width - label_w - value_w
    peak = max([v for _, v, _ in items] + [1])
    height = max(row * len(items), row)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}" class="chart">']
    for i, (label, value, link) in enumerate(items):
        top = i * row
        w = plot_w * value / peak
        bar = (f'<text x="{label_w - 6}" y="{top + 16}" font-size="12" text-anchor="end">'
               f'{escape(label)}</text>'
               f'<rect x="{label_w}" y="{top + 4}" width="{w:.1f}" height="{row - 8}" '
               f'fill="{PALETTE[0]}"/>'
               f'<text x="{label_w + w + 4:.1f}" y="{top + 16}" font-size="12">{value:g}</text>')
        if link:
            bar = f'<a href="{escape(link)}">{bar}</a>'
        parts.append(bar)
    parts.append("</svg>")
    return Markup("".join(parts))
