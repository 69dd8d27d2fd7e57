"""Charts drawn on the server as SVG, for the PDF exports (no JavaScript in a PDF).

The console draws its charts with Chart.js; a PDF cannot run it, so the exports embed these
instead: plain SVG markup (text in Noto Sans, so Vietnamese labels render), returned as safe
strings for the export template. Every label is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#455a64")
TARGET_COLOUR = "#212529"
FONT = 'font-family="Noto Sans, Noto Serif, sans-serif"'
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP = 56, 16, 36  # TOP: room for the title above the tallest bar's value


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at least ``value`` (the top of the value axis)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9:
            return step * power
    return 10 * power


def _num(value: float) -> str:
    decimals = 0 if float(value).is_integer() else 1
    return number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _axis(top: float, plot_h: float, bottom: float, width: float) -> list[str]:
    """Horizontal grid lines with their values (five steps)."""
    parts = []
    for i in range(6):
        value = top * i / 5
        y = bottom - plot_h * i / 5
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" stroke="#dee2e6" '
                     'stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#495057">'
                     f'{escape(_num(value))}</text>')
    return parts


def _svg(parts: list[str], *, title: str, width: float, height: float) -> SafeString:
    heading = (f'<text x="{LEFT}" y="16" font-size="14" font-weight="bold" fill="#212529">{escape(title)}</text>'
               if title else "")
    return mark_safe(  # noqa: S308 — every text inside was escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" {FONT}>'
        f"{heading}{''.join(parts)}</svg>")


def bar_chart_svg(labels: Sequence[str], values: Sequence[float | None],
                  target: float | Sequence[float | None] | None = None, *, title: str = "",
                  width: int = WIDTH, height: int = HEIGHT) -> SafeString:
    """Vertical bars, one per label, each with its value above it. ``target`` draws a dashed line
    across the chart (one number) or a dash over each bar (one number per bar)."""
    labels = [str(x) for x in labels]
    numbers = [float(v or 0) for v in values]
    targets: list[float | None] = ([float(t) if t is not None else None for t in target]
                                   if isinstance(target, Sequence) else [])
    line = float(target) if target is not None and not isinstance(target, Sequence) else None
    highest = max([*numbers, *(t for t in targets if t is not None), line or 0, 0])
    top = nice_ceiling(highest)
    rotate = len(labels) > 8
    bottom = height - (64 if rotate else 30)
    plot_h = bottom - TOP
    plot_w = width - LEFT - RIGHT
    slot = plot_w / max(len(labels), 1)
    bar = slot * 0.62
    parts = _axis(top, plot_h, bottom, width)
    for i, (label, value) in enumerate(zip(labels, numbers, strict=True)):
        x = LEFT + slot * i + (slot - bar) / 2
        h = plot_h * value / top
        centre = x + bar / 2
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{bottom - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                     f'fill="{PALETTE[0]}"><title>{escape(label)}: {escape(_num(value))}</title></rect>')
        parts.append(f'<text x="{centre:.1f}" y="{bottom - h - 4:.1f}" text-anchor="middle" font-size="11" '
                     f'fill="#212529">{escape(_num(value))}</text>')
        if rotate:
            parts.append(f'<text x="{centre:.1f}" y="{bottom + 12:.1f}" text-anchor="end" font-size="10" '
                         f'fill="#212529" transform="rotate(-35 {centre:.1f} {bottom + 12:.1f})">'
                         f"{escape(_short(label, 22))}</text>")
        else:
            parts.append(f'<text x="{centre:.1f}" y="{bottom + 16:.1f}" text-anchor="middle" font-size="11" '
                         f'fill="#212529">{escape(_short(label, max(int(slot / 6.5), 4)))}</text>')
        if i < len(targets) and targets[i] is not None:
            ty = bottom - plot_h * (targets[i] or 0) / top
            parts.append(f'<line class="target" x1="{x - 3:.1f}" y1="{ty:.1f}" x2="{x + bar + 3:.1f}" y2="{ty:.1f}" '
                         f'stroke="{TARGET_COLOUR}" stroke-width="2.5"/>')
    if line is not None:
        ty = bottom - plot_h * line / top
        parts.append(f'<line class="target" x1="{LEFT}" y1="{ty:.1f}" x2="{width - RIGHT}" y2="{ty:.1f}" '
                     f'stroke="{TARGET_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"/>')
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{width - RIGHT}" y2="{bottom}" stroke="#495057"/>')
    return _svg(parts, title=title, width=width, height=height)


def line_chart_svg(series: Mapping[str, Sequence[tuple[str, float | None]]], *, title: str = "",
                   width: int = WIDTH, height: int = HEIGHT) -> SafeString:
    """One line per named series of ``(x label, value)`` points (the x labels of the first series
    label the axis), with a legend below. A ``None`` value leaves a gap."""
    names = list(series)
    xs = [str(x) for x, _v in series[names[0]]] if names else []
    highest = max([float(v) for points in series.values() for _x, v in points if v is not None] or [0])
    top = nice_ceiling(highest)
    bottom = height - 52
    plot_h = bottom - TOP
    plot_w = width - LEFT - RIGHT
    step = plot_w / max(len(xs) - 1, 1)
    parts = _axis(top, plot_h, bottom, width)
    every = max(1, math.ceil(len(xs) / 12))
    for i, x_label in enumerate(xs):
        if i % every == 0:
            parts.append(f'<text x="{LEFT + step * i:.1f}" y="{bottom + 16:.1f}" text-anchor="middle" '
                         f'font-size="11" fill="#212529">{escape(_short(x_label, 12))}</text>')
    for n, name in enumerate(names):
        colour = PALETTE[n % len(PALETTE)]
        segments: list[list[str]] = [[]]
        for i, (_x, value) in enumerate(series[name]):
            if value is None:
                segments.append([])
                continue
            x, y = LEFT + step * i, bottom - plot_h * float(value) / top
            segments[-1].append(f"{x:.1f},{y:.1f}")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        for points in segments:
            if len(points) > 1:
                parts.append(f'<polyline class="series" points="{" ".join(points)}" fill="none" '
                             f'stroke="{colour}" stroke-width="2"/>')
        lx = LEFT + 150 * n
        parts.append(f'<rect x="{lx}" y="{height - 18}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{lx + 16}" y="{height - 8}" font-size="11" fill="#212529">'
                     f"{escape(_short(name, 20))}</text>")
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{width - RIGHT}" y2="{bottom}" stroke="#495057"/>')
    return _svg(parts, title=title, width=width, height=height)
