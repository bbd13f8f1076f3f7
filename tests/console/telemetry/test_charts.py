"""The SVG chart module: scaling, axes, gaps, lone points, empty charts and waterfall bars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from console.views.telemetry.charts import (
    Box,
    Series,
    bar,
    format_value,
    line_chart,
    nice_step,
    runs,
    scale,
    time_label,
    time_ticks,
    value_domain,
    value_ticks,
)
from tests.console.html import has, select, texts

T0 = datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
BOX = Box(width=100, height=60, left=0, right=0, top=0, bottom=0)  # plot area = the whole box


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def polylines(svg: str) -> list[list[tuple[float, float]]]:
    """The points of every polyline, in document order."""
    return [[tuple(float(n) for n in pair.split(",")) for pair in line["points"].split()]
            for line in select(svg, "polyline")]


def test_scale_maps_a_domain_linearly_and_a_flat_domain_to_the_middle():
    assert scale(5, (0, 10), (0, 200)) == 100
    assert scale(0, (0, 10), (60, 0)) == 60  # the y axis grows upwards
    assert scale(3, (3, 3), (0, 50)) == 25


def test_value_axis_uses_round_steps_and_starts_at_zero_for_positive_values():
    assert nice_step(97, 5) == 20 and nice_step(0.8, 4) == 0.2 and nice_step(0, 5) == 1
    assert value_domain([12, 97]) == (0, 100, 20)
    assert value_domain([-3, 4]) == (-4, 4, 2)
    assert value_domain([]) == (0, 1, 0.2)
    assert value_domain([5, 5]) == (0, 5, 1)  # a flat line still gets a span
    assert value_ticks(0, 100, 20) == [0, 20, 40, 60, 80, 100]


def test_time_ticks_fall_on_round_times_inside_the_range():
    ticks, step = time_ticks(minutes(0.5), minutes(60.5), count=6)

    assert step == 600
    assert [t.strftime("%H:%M") for t in ticks] == ["10:10", "10:20", "10:30", "10:40", "10:50", "11:00"]


def test_time_ticks_are_round_on_the_viewers_clock():
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30

    ticks, step = time_ticks(minutes(0), minutes(360), tz=kolkata)
    labels = [time_label(tick, step, timedelta(hours=6), kolkata) for tick in ticks]

    assert step == 3600
    assert [t.strftime("%H:%M") for t in ticks] == ["10:30", "11:30", "12:30", "13:30", "14:30", "15:30"]
    assert labels == ["16:00", "17:00", "18:00", "19:00", "20:00", "21:00"]


def test_points_are_placed_by_time_and_value():
    svg = line_chart([Series("a", [(minutes(0), 0.0), (minutes(5), 50.0), (minutes(10), 100.0)])],
                     since=minutes(0), until=minutes(10), box=BOX)

    assert polylines(svg) == [[(0, 60), (50, 30), (100, 0)]]


def test_one_polyline_per_series_with_its_own_colour_class_and_label():
    series = [Series(f"host={n}", [(minutes(0), float(n)), (minutes(1), float(n + 1))]) for n in range(12)]

    svg = line_chart(series, since=minutes(0), until=minutes(1))

    assert len(polylines(svg)) == 12
    assert [group["class"] for group in select(svg, "g.series")] == [["series", f"s{n % 10}"] for n in range(12)]
    assert texts(svg, "g.series > title")[3] == "host=3"


def test_a_gap_splits_a_series_and_a_lone_point_is_a_dot():
    points = [(minutes(0), 1.0), (minutes(1), 2.0), (minutes(2), None), (minutes(3), 3.0), (minutes(4), float("nan")),
              (minutes(5), 4.0), (minutes(6), 5.0)]

    svg = line_chart([Series("gappy", points)], since=minutes(0), until=minutes(6), box=BOX)

    assert [len(run) for run in runs(points)] == [2, 1, 2]
    assert [len(line) for line in polylines(svg)] == [2, 2]
    assert [dot["cx"] for dot in select(svg, "g.series circle")] == ["50"]  # minute 3 of 6


def test_a_single_point_is_drawn_as_a_dot():
    svg = line_chart([Series("one", [(minutes(3), 7.0)])], since=minutes(0), until=minutes(6), box=BOX)

    assert polylines(svg) == []
    assert [(dot["cx"], dot["cy"]) for dot in select(svg, "g.series circle")] == [("50", "7.5")]  # 7 of up to 8


def test_an_empty_chart_says_so_and_still_has_axes():
    svg = line_chart([], since=minutes(0), until=minutes(60))

    assert "No data in this range" in svg and not has(svg, "polyline")
    assert any(label.startswith("1") for label in texts(svg, 'g.x-axis text[text-anchor="middle"]'))
    assert has(svg, "g.axis.y-axis")


def test_labels_are_escaped_and_no_inline_style_is_used():
    svg = line_chart([Series('<script>"x"', [(minutes(0), 1.0), (minutes(1), 2.0)])],
                     since=minutes(0), until=minutes(1), title="a<b")

    assert "<script>" not in svg and "&lt;script&gt;" in svg and 'aria-label="a&lt;b"' in svg
    assert "style=" not in svg


def test_values_are_written_compactly():
    assert [format_value(v) for v in (0, 0.25, 12, 1500, 2_000_000, -3200)] == ["0", "0.25", "12", "1.5k", "2M", "-3.2k"]


def test_waterfall_bars_are_placed_by_offset_sized_by_duration_and_always_visible():
    assert bar(0, 200, 200) == (0, 1000)
    assert bar(10, 140, 200) == (50, 700)
    assert bar(100, 0, 200) == (500, 2)  # an instant still shows
    assert bar(200, 0, 200) == (998, 2)  # and stays inside
    assert bar(0, 0, 0) == (0, 1000)
