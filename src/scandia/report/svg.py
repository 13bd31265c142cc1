"""A small dependency-free SVG chart writer for documentation figures (bars and lines).

Interactive figures belong to the HTML report (plotly); these static SVGs go into ``docs/`` and the README.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["bar_chart", "line_chart"]

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
W, H, L, R, T, B = 720, 420, 70, 170, 40, 70


def _frame(title: str, xlabel: str, ylabel: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>',
        f'<text x="{L + (W - L - R) / 2}" y="{H - 18}" text-anchor="middle">{escape(xlabel)}</text>',
        f'<text transform="translate(18,{T + (H - T - B) / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(ylabel)}</text>",
        f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
        f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>',
    ]


def _yaxis(parts: list[str], lo: float, hi: float, ticks: int = 5) -> None:
    for i in range(ticks + 1):
        v = lo + (hi - lo) * i / ticks
        y = H - B - (H - T - B) * i / ticks
        parts.append(f'<line x1="{L - 4}" y1="{y}" x2="{W - R}" y2="{y}" stroke="#ddd"/>')
        parts.append(f'<text x="{L - 8}" y="{y + 4}" text-anchor="end">{v:.3g}</text>')


def _legend(parts: list[str], names: Sequence[str]) -> None:
    for i, name in enumerate(names):
        y = T + 10 + 20 * i
        parts.append(f'<rect x="{W - R + 12}" y="{y - 9}" width="12" height="12" fill="{_COLORS[i % 6]}"/>')
        parts.append(f'<text x="{W - R + 30}" y="{y + 1}">{escape(name)}</text>')


def bar_chart(categories: Sequence[str], series: dict[str, Sequence[float]], title: str, ylabel: str,
              ylim: tuple[float, float] = (0.0, 1.0)) -> str:
    """Grouped bars: one group per category, one bar per series."""
    parts = _frame(title, "", ylabel)
    lo, hi = ylim
    _yaxis(parts, lo, hi)
    group = (W - L - R) / len(categories)
    bar = group * 0.8 / len(series)
    for j, (name, values) in enumerate(series.items()):
        for i, v in enumerate(values):
            x = L + group * i + group * 0.1 + bar * j
            y = H - B - (H - T - B) * (min(max(v, lo), hi) - lo) / (hi - lo)
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{H - B - y:.1f}" '
                         f'fill="{_COLORS[j % 6]}"><title>{escape(name)}: {v:.4g}</title></rect>')
    for i, c in enumerate(categories):
        x = L + group * (i + 0.5)
        for k, line in enumerate(c.split("\n")):
            parts.append(f'<text x="{x:.1f}" y="{H - B + 16 + 13 * k}" text-anchor="middle">{escape(line)}</text>')
    _legend(parts, list(series))
    return "\n".join([*parts, "</svg>"])


def line_chart(lines: dict[str, tuple[Sequence[float], Sequence[float]]], title: str, xlabel: str, ylabel: str,
               xlim: tuple[float, float], ylim: tuple[float, float]) -> str:
    """Lines with markers: ``{name: (x values, y values)}``."""
    parts = _frame(title, xlabel, ylabel)
    _yaxis(parts, *ylim)
    x0, x1 = xlim
    y0, y1 = ylim
    for i in range(6):
        v = x0 + (x1 - x0) * i / 5
        x = L + (W - L - R) * i / 5
        parts.append(f'<text x="{x:.1f}" y="{H - B + 16}" text-anchor="middle">{v:.3g}</text>')

    def px(x: float, y: float) -> tuple[float, float]:
        return (L + (W - L - R) * (x - x0) / (x1 - x0), H - B - (H - T - B) * (y - y0) / (y1 - y0))

    for j, (_name, (xs, ys)) in enumerate(lines.items()):
        pts = [px(x, y) for x, y in zip(xs, ys, strict=True)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        color = _COLORS[j % 6]
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>' for x, y in pts)
    _legend(parts, list(lines))
    return "\n".join([*parts, "</svg>"])
