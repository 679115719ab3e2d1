"""Small inline SVG pictures, drawn without matplotlib: a network diagram and line charts.

Each function returns one ``<svg>`` element as a string that an HTML page or a
notebook output shows as it is (no script, no font file, no address fetched).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

#: Drawn units per layer in the diagram; larger layers show the first and last few.
DIAGRAM_UNITS = 10
#: A curve longer than this is thinned to about this many points (the last one kept).
MAX_POINTS = 400

BLUE, RED, GREY, LIGHT = "#3b6ea5", "#d1495b", "#8aa1bd", "#b8c4d6"
FONT = 'font-family="sans-serif" font-size="11"'


def shown_units(size: int) -> list[int | None]:
    """Unit indices drawn for a layer of ``size`` units; None marks the gap."""
    if size <= DIAGRAM_UNITS:
        return list(range(size))
    half = DIAGRAM_UNITS // 2
    return [*range(half - 1), None, *range(size - half, size)]


def _svg(width: float, height: float, label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{html.escape(label)}">'
        + "".join(body)
        + "</svg>"
    )


def diagram(sizes: Sequence[int], names: Sequence[str]) -> str:
    """The layers as columns of units, each drawn unit joined to every unit of the next.

    ``sizes`` = [inputdim, out_0, ..., out_{L-1}]; ``names`` labels each column
    (``input``, then the activations). A layer of more than ten units shows
    its first four and last five around a ⋮.
    """
    columns = [shown_units(s) for s in sizes]
    step, gap, top = 90.0, 20.0, 14.0
    tallest = max(len(c) for c in columns)
    width, height = step * len(sizes), top + gap * tallest + 30
    points = []
    for units in columns:
        first = top + gap * (tallest - len(units)) / 2 + gap / 2
        points.append([first + gap * j for j in range(len(units))])
    body = []
    for i in range(len(sizes) - 1):
        x0, x1 = step * (i + 0.5), step * (i + 1.5)
        for j, y0 in enumerate(points[i]):
            for k, y1 in enumerate(points[i + 1]):
                if columns[i][j] is not None and columns[i + 1][k] is not None:
                    body.append(
                        f'<line x1="{x0:.0f}" y1="{y0:.1f}" x2="{x1:.0f}" y2="{y1:.1f}" '
                        f'stroke="{LIGHT}" stroke-width="0.5"/>'
                    )
    for i, units in enumerate(columns):
        x = step * (i + 0.5)
        for y, unit in zip(points[i], units, strict=True):
            if unit is None:
                body.append(
                    f'<text x="{x:.0f}" y="{y + 4:.1f}" text-anchor="middle" {FONT}>⋮</text>'
                )
            else:
                color = BLUE if i else GREY
                body.append(f'<circle cx="{x:.0f}" cy="{y:.1f}" r="6" fill="{color}"/>')
        label = html.escape(f"{sizes[i]} {names[i]}")
        body.append(
            f'<text x="{x:.0f}" y="{height - 8:.0f}" text-anchor="middle" {FONT}>{label}</text>'
        )
    return _svg(width, height, "diagram of the layers", body)


def _number(value: float) -> str:
    return f"{value:.3g}"


def _thinned(values: Sequence[float]) -> list[tuple[int, float]]:
    every = max(1, math.ceil(len(values) / MAX_POINTS))
    keep = list(range(0, len(values), every))
    if keep and keep[-1] != len(values) - 1:
        keep.append(len(values) - 1)
    return [(i, float(values[i])) for i in keep]


def _polyline(points: list[tuple[float, float]], color: str) -> str:
    if len(points) == 1:
        (x, y) = points[0]
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>'
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="1.5"/>'


def chart(
    series: Sequence[tuple[str, Sequence[float], str]],
    ylabel: str,
    *,
    log: bool = False,
    percent: bool = False,
) -> str:
    """A line chart of values per epoch: one ``(name, values, colour)`` a line.

    The x axis counts epochs from 0; non-finite values leave a gap. ``log``
    draws the y axis on a log scale when every value is positive; ``percent``
    labels it in per cent (values are fractions).
    """
    width, height, left, right, top, bottom = 330.0, 220.0, 52.0, 10.0, 22.0, 34.0
    finite = [v for _, values, _ in series for v in values if math.isfinite(v)]
    n = max((len(values) for _, values, _ in series), default=0)
    if not finite:
        return _svg(width, 40, ylabel, [f'<text x="4" y="24" {FONT}>{ylabel}: no values</text>'])
    log = log and min(finite) > 0
    lo, hi = min(finite), max(finite)
    scale = math.log10 if log else float
    low, high = scale(lo), scale(hi)
    if not high - low > 1e-12 * max(1.0, abs(low), abs(high)):  # one value: a band around it
        span = max(0.5, 0.05 * abs(low))
        low, high = low - span, high + span
    plot_w, plot_h = width - left - right, height - top - bottom

    def xy(epoch: int, value: float) -> tuple[float, float]:
        x = left + (plot_w * epoch / (n - 1) if n > 1 else plot_w / 2)
        return x, top + plot_h * (1 - (scale(value) - low) / (high - low))

    body = [
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        f'stroke="{LIGHT}"/>'
    ]
    for _, values, color in series:
        segment: list[tuple[float, float]] = []
        for epoch, value in [*_thinned(values), (n, math.nan)]:
            if math.isfinite(value):
                segment.append(xy(epoch, value))
            elif segment:
                body.append(_polyline(segment, color))
                segment = []
    body += _axes(lo, hi, n, percent, log, (left, top, plot_w, plot_h), ylabel)
    for k, (name, _, color) in enumerate(series):  # the legend, in a row above the plot
        x, y = left + 100 * k, 13
        body.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 16}" y2="{y - 4}" '
            f'stroke="{color}" stroke-width="2"/>'
        )
        body.append(f'<text x="{x + 20}" y="{y}" {FONT}>{html.escape(name)}</text>')
    return _svg(width, height, ylabel + " per epoch", body)


def _axes(
    lo: float,
    hi: float,
    n: int,
    percent: bool,
    log: bool,
    box: tuple[float, float, float, float],
    ylabel: str,
) -> list[str]:
    """Tick labels at the extremes of each axis, and the axes' names."""
    left, top, plot_w, plot_h = box

    def label(value: float) -> str:
        return f"{value:.1%}" if percent else _number(value)

    bottom = top + plot_h
    end = f"{n - 1}" if n > 1 else "0"
    return [
        f'<text x="{left - 4}" y="{top + 9}" text-anchor="end" {FONT}>{label(hi)}</text>',
        f'<text x="{left - 4}" y="{bottom}" text-anchor="end" {FONT}>{label(lo)}</text>',
        f'<text x="{left}" y="{bottom + 13}" text-anchor="middle" {FONT}>0</text>',
        f'<text x="{left + plot_w}" y="{bottom + 13}" text-anchor="middle" {FONT}>{end}</text>',
        f'<text x="{left + plot_w / 2}" y="{bottom + 28}" text-anchor="middle" {FONT}>epoch</text>',
        f'<text x="12" y="{top + plot_h / 2}" text-anchor="middle" {FONT} '
        f'transform="rotate(-90 12 {top + plot_h / 2})">'
        f"{html.escape(ylabel + (' (log scale)' if log else ''))}</text>",
    ]
