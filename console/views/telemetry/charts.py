"""Server-side SVG for the telemetry explorer: a time-series line chart and trace waterfall bars.

Pure functions from numbers to markup, no browser code: the SVG uses presentation attributes and
classes only (the console's CSP forbids inline styles), colours come from console/static/explore.css::

    svg = line_chart([Series("route=/pay", [(t0, 1.0), (t1, None), (t2, 3.0)])], since=t0, until=t2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from markupsafe import Markup, escape

PALETTE_SIZE = 10
TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
              172800, 604800)

Point = tuple[datetime, float | None]


@dataclass(frozen=True)
class Series:
    """One line: its legend label and its (time, value) points; a None value is a gap."""

    label: str
    points: list[Point] = field(default_factory=list)


@dataclass(frozen=True)
class Box:
    """The chart's size in SVG units and the margins kept for the axes."""

    width: float = 800
    height: float = 260
    left: float = 60
    right: float = 16
    top: float = 12
    bottom: float = 26

    def x_range(self) -> tuple[float, float]:
        """Left and right edges of the plot area."""
        return self.left, self.width - self.right

    def y_range(self) -> tuple[float, float]:
        """Bottom and top edges of the plot area (SVG y grows downwards)."""
        return self.height - self.bottom, self.top


def scale(value: float, domain: tuple[float, float], span: tuple[float, float]) -> float:
    """Map ``value`` linearly from ``domain`` onto ``span`` (a zero-width domain maps to the middle)."""
    low, high = domain
    if high == low:
        return (span[0] + span[1]) / 2
    return span[0] + (value - low) / (high - low) * (span[1] - span[0])


def nice_step(extent: float, count: int) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts ``extent`` into at most ~``count`` parts."""
    if extent <= 0 or not math.isfinite(extent):
        return 1.0
    raw = extent / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def value_domain(values: list[float], count: int = 5) -> tuple[float, float, float]:
    """(low, high, step) of the value axis: round numbers around the values, from 0 if none is negative."""
    if not values:
        return 0.0, 1.0, 0.2
    low, high = min(min(values), 0.0), max(values)
    if high == low:
        high = low + (abs(low) or 1.0)
    step = nice_step(high - low, count)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def value_ticks(low: float, high: float, step: float) -> list[float]:
    """Every multiple of ``step`` from ``low`` to ``high``."""
    count = round((high - low) / step)
    return [round(low + i * step, 12) for i in range(count + 1)]


def time_ticks(since: datetime, until: datetime, count: int = 6, tz: tzinfo = UTC) -> tuple[list[datetime], int]:
    """Times between ``since`` and ``until`` that are round on the clocks of ``tz`` (the viewer's zone: 10:00
    in Kolkata, not 10:00 UTC), at most ~``count``, and their step in seconds."""
    extent = (until - since).total_seconds()
    step = next((s for s in TIME_STEPS if extent / s <= count), TIME_STEPS[-1])
    offset = (since.astimezone(tz).utcoffset() or timedelta()).total_seconds()
    start = math.ceil((since.timestamp() + offset) / step) * step - offset
    ticks = []
    moment = start
    while moment <= until.timestamp():
        ticks.append(datetime.fromtimestamp(moment, UTC))
        moment += step
    return ticks, step


def time_label(moment: datetime, step: int, extent: timedelta, tz: tzinfo = UTC) -> str:
    """A tick's text on the clocks of ``tz``: seconds for short steps, the date once the range spans days."""
    moment = moment.astimezone(tz)
    if step >= 86400:
        return moment.strftime("%m-%d")
    if extent > timedelta(days=1):
        return moment.strftime("%m-%d %H:%M")
    return moment.strftime("%H:%M:%S" if step < 60 else "%H:%M")


def format_value(value: float) -> str:
    """A value in few characters: 1.5k, 2M, 0.25, 12."""
    magnitude = abs(value)
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def runs(points: list[Point]) -> list[list[tuple[datetime, float]]]:
    """The stretches of consecutive points that have a value (None values and non-finite ones split)."""
    found: list[list[tuple[datetime, float]]] = [[]]
    for moment, value in sorted(points, key=lambda point: point[0]):
        if value is None or not math.isfinite(value):
            found.append([])
        else:
            found[-1].append((moment, value))
    return [run for run in found if run]


def _num(value: float) -> str:
    """A coordinate with at most one decimal, without trailing zeros."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _axes(box: Box, since: datetime, until: datetime, domain: tuple[float, float, float], tz: tzinfo) -> list[str]:
    """Grid lines and tick labels of both axes."""
    (x0, x1), (y0, y1) = box.x_range(), box.y_range()
    low, high, step = domain
    parts = ['<g class="grid">']
    labels = ['<g class="axis y-axis">']
    for tick in value_ticks(low, high, step):
        y = _num(scale(tick, (low, high), (y0, y1)))
        parts.append(f'<line x1="{_num(x0)}" y1="{y}" x2="{_num(x1)}" y2="{y}"/>')
        labels.append(f'<text x="{_num(x0 - 6)}" y="{y}" text-anchor="end" dy="4">{format_value(tick)}</text>')
    ticks, seconds = time_ticks(since, until, tz=tz)
    labels.append('</g><g class="axis x-axis">')
    for tick in ticks:
        x = _num(scale(tick.timestamp(), (since.timestamp(), until.timestamp()), (x0, x1)))
        parts.append(f'<line x1="{x}" y1="{_num(y0)}" x2="{x}" y2="{_num(y0 + 4)}"/>')
        text = time_label(tick, seconds, until - since, tz)
        utc = tick.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        labels.append(f'<text x="{x}" y="{_num(y0 + 18)}" text-anchor="middle">{text}<title>{utc}</title></text>')
    parts.append(f'<line class="baseline" x1="{_num(x0)}" y1="{_num(y0)}" x2="{_num(x1)}" y2="{_num(y0)}"/>')
    return [*parts, "</g>", *labels, "</g>"]


def _series(box: Box, index: int, series: Series, times: tuple[float, float],
            domain: tuple[float, float]) -> str:
    """One series as a group: a polyline per stretch of values, a dot for a lone point."""
    (x0, x1), (y0, y1) = box.x_range(), box.y_range()
    shapes = []
    for run in runs(series.points):
        coords = [(scale(t.timestamp(), times, (x0, x1)), scale(v, domain, (y0, y1))) for t, v in run]
        if len(coords) == 1:
            shapes.append(f'<circle cx="{_num(coords[0][0])}" cy="{_num(coords[0][1])}" r="3"/>')
        else:
            shapes.append(f'<polyline points="{" ".join(f"{_num(x)},{_num(y)}" for x, y in coords)}"/>')
    label = escape(series.label)
    return (f'<g class="series s{index % PALETTE_SIZE}" data-label="{label}"><title>{label}</title>'
            f'{"".join(shapes)}</g>')


def line_chart(series: list[Series], *, since: datetime, until: datetime, box: Box = Box(),
               title: str = "Metric chart", tz: tzinfo = UTC) -> Markup:
    """An SVG line chart of ``series`` over [since, until], with value and time axes (times on the clocks
    of ``tz``, the viewer's time zone)."""
    if until <= since:
        until = since + timedelta(seconds=1)
    values = [v for s in series for run in runs(s.points) for _, v in run]
    low, high, step = value_domain(values)
    opening = (f'<svg class="chart" viewBox="0 0 {_num(box.width)} {_num(box.height)}" width="100%" '
               f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">')
    parts = [opening, *_axes(box, since, until, (low, high, step), tz)]
    times = (since.timestamp(), until.timestamp())
    parts += [_series(box, index, s, times, (low, high)) for index, s in enumerate(series)]
    if not values:
        middle = (box.top + box.height - box.bottom) / 2
        parts.append(f'<text class="no-data" x="{_num(box.width / 2)}" y="{_num(middle)}" '
                     f'text-anchor="middle">No data in this range</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar(offset_ms: float, duration_ms: float, total_ms: float, *, width: float = 1000.0,
        min_width: float = 2.0) -> tuple[float, float]:
    """(x, width) of a waterfall bar: placed by its offset, sized by its duration, visible and inside."""
    if total_ms <= 0:
        return 0.0, width
    x = min(max(offset_ms / total_ms * width, 0.0), width - min_width)
    size = max(duration_ms / total_ms * width, min_width)
    return round(x, 2), round(min(size, width - x), 2)
