"""Small server-rendered SVG charts: no script, no third-party library, no CDN.

Each chart has a <title> and <desc> for screen readers and a legend in text; colours come
from CSS classes (supervision/static/supervision/supervisor.css), so the strict CSP (no
inline styles) holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 220
LEFT = 40
RIGHT = 10
TOP = 10
BOTTOM = 40


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    css_class: str


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if value <= step * 4:
            return step * 4
    return value


def _axis(maximum: float, labels: Sequence[str], every: int) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    parts = []
    for i in range(5):
        value = maximum * i / 4
        y = TOP + plot_h - plot_h * i / 4
        label = f"{value:g}"
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" '
            f'y2="{y:.1f}"/><text class="chart-axis" x="{LEFT - 4}" y="{y + 4:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
    slot = plot_w / max(len(labels), 1)
    for index, label in enumerate(labels):
        if index % every:
            continue
        x = LEFT + slot * index + slot / 2
        parts.append(
            f'<text class="chart-axis" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    return parts


def _frame(title: str, description: str, body: list[str], series: Sequence[Series]) -> SafeString:
    legend = []
    x = LEFT
    for item in series:
        legend.append(
            f'<rect class="{escape(item.css_class)}" x="{x}" y="{HEIGHT - 14}" width="10" '
            f'height="10"/><text class="chart-legend" x="{x + 14}" y="{HEIGHT - 5}">'
            f"{escape(item.name)}</text>"
        )
        x += 14 + 8 * len(item.name) + 20
    svg = (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f"<desc>{escape(description)}</desc>{''.join(body)}{''.join(legend)}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every text in it went through escape()


def bar_chart(
    *, title: str, labels: Sequence[str], series: Sequence[Series], label_every: int = 1
) -> SafeString:
    """Grouped bars: one group per label, one bar per series."""
    maximum = _nice_max(max((max(s.values, default=0) for s in series), default=0))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar_w = max(slot * 0.8 / max(len(series), 1), 1)
    body = _axis(maximum, labels, label_every)
    for s_index, item in enumerate(series):
        for index, value in enumerate(item.values):
            h = plot_h * value / maximum
            x = LEFT + slot * index + slot * 0.1 + bar_w * s_index
            body.append(
                f'<rect class="{escape(item.css_class)}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}"><title>{escape(labels[index])}: '
                f"{escape(item.name)} {value:g}</title></rect>"
            )
    return _frame(title, _describe(labels, series), body, series)


def line_chart(
    *, title: str, labels: Sequence[str], series: Sequence[Series], label_every: int = 1
) -> SafeString:
    maximum = _nice_max(max((max(s.values, default=0) for s in series), default=0))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = _axis(maximum, labels, label_every)
    for item in series:
        points = " ".join(
            f"{LEFT + slot * i + slot / 2:.1f},{TOP + plot_h - plot_h * v / maximum:.1f}"
            for i, v in enumerate(item.values)
        )
        body.append(f'<polyline class="{escape(item.css_class)}" points="{points}"/>')
    return _frame(title, _describe(labels, series), body, series)


def _describe(labels: Sequence[str], series: Sequence[Series]) -> str:
    """The figures in words, for whoever cannot see the chart."""
    parts = []
    for item in series:
        values = ", ".join(
            f"{label} {value:g}" for label, value in zip(labels, item.values, strict=False)
        )
        parts.append(f"{item.name}: {values}")
    return "; ".join(parts)
