"""Metric charts: the picker, one SVG polyline per series with a legend, label filters, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.views.telemetry.common import Window
from console.views.telemetry.metrics import auto_step, describe
from tests.console.html import alerts, has, one, root, select, selected, text, texts
from tests.console.telemetry.helpers import store

BASE = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=20)


async def _latency(db, tenant) -> None:
    points = [{"name": "http.latency", "value": value, "time": (BASE + timedelta(minutes=minute)).isoformat(),
               "labels": {"route": route}}
              for route, values in (("/pay", (10.0, 20.0, 30.0)), ("/search", (1.0, 2.0, 50.0)))
              for minute, value in zip((1, 5, 9), values, strict=True)]
    await store(db, tenant, {"metrics": [*points, {"name": "queue.depth", "value": 3.0}]})


def polylines(html) -> list[str]:
    return [line["points"] for line in select(html, "svg.chart polyline")]


def legend(html) -> list[str]:
    return [item.select_one("span.swatch").next_sibling.strip() for item in select(html, "#metric-legend li")]


async def test_the_picker_lists_the_tenants_metrics(owner, db):
    await _latency(db, owner.tenant)

    page = await owner.get("/console/explore/metrics")

    assert page.status_code == 200
    assert [option["value"] for option in select(page.text, 'select[name="name"] option[value!=""]')] == [
        "http.latency", "queue.depth"]
    assert "Choose a metric to chart it." in page.text and not has(page.text, "svg")


async def test_a_grouped_metric_is_one_polyline_per_series_with_a_legend(owner, db):
    await _latency(db, owner.tenant)

    page = await owner.get("/console/explore/metrics?name=http.latency&agg=MAX&step=60&by=route&range=1h")

    assert page.status_code == 200
    chart = one(page.text, "#metric-chart")
    assert len(select(chart, "svg.chart")) == 1 and len(polylines(chart)) == 2
    assert all(len(points.split()) == 3 for points in polylines(chart))
    assert [(series["class"], series["data-label"]) for series in select(chart, "svg.chart g.series")] == [
        (["series", "s0"], "route=/pay"), (["series", "s1"], "route=/search")]
    assert legend(chart) == ["route=/pay", "route=/search"]
    assert "last 50 · min 1 · max 50" in text(chart) and texts(chart, "h2") == ["MAX of http.latency per 1 min"]
    assert selected(page.text, "name") == ["http.latency"] and selected(page.text, "agg") == ["MAX"]


async def test_ungrouped_and_filtered_series_and_the_label_values_offered(owner, db):
    await _latency(db, owner.tenant)

    whole = await owner.get("/console/explore/metrics?name=http.latency&step=60")
    only_pay = await owner.get("/console/explore/metrics?name=http.latency&step=60&by=route&fk=route&fv=/pay")

    assert len(polylines(whole.text)) == 1 and legend(whole.text) == ["all"]
    assert len(polylines(only_pay.text)) == 1 and legend(only_pay.text) == ["route=/pay"]
    assert [option["value"] for option in select(only_pay.text, "datalist#label-values option")] == [
        "/pay", "/search"]


async def test_a_metric_without_points_in_the_range_draws_an_empty_chart(owner, db):
    await _latency(db, owner.tenant)

    page = await owner.get("/console/explore/metrics?name=nothing.here")

    assert page.status_code == 200 and "No data in this range" in page.text and polylines(page.text) == []
    assert "No points of nothing.here in this range." in page.text


async def test_bad_choices_show_clear_messages(owner, db):
    await _latency(db, owner.tenant)

    local = await owner.get("/console/explore/metrics?name=http.latency&agg=median&step=fast")
    too_fine = await owner.get("/console/explore/metrics?name=http.latency&step=1&range=7d")

    assert local.status_code == 400 and not has(local.text, "svg")
    assert "Unknown aggregation &#39;median&#39;: choose from AVG, MIN, MAX, SUM, COUNT, P95." in local.text
    assert "Step must be a whole number of seconds." in local.text
    assert too_fine.status_code == 400
    assert "Check what you entered. step must be at least 1 s and give at most 2000 buckets." in alerts(too_fine.text)
    assert selected(too_fine.text, "name") == ["http.latency"]  # the picker survives the refused chart


async def test_htmx_gets_the_screen_fragment(owner, db):
    await _latency(db, owner.tenant)

    screen = await owner.get("/console/explore/metrics?name=http.latency&by=route", htmx=True)

    assert root(screen.text)["id"] == "metrics-screen" and not has(screen.text, "html")
    assert len(polylines(screen.text)) == 2


def test_auto_step_keeps_charts_readable_and_legends_name_their_labels():
    now = datetime.now(UTC)

    assert auto_step(Window(now - timedelta(minutes=15), now)) == 10
    assert auto_step(Window(now - timedelta(hours=24), now)) == 900
    assert auto_step(Window(now - timedelta(days=7), now)) == 3600
    assert describe({"route": "/pay", "method": "GET"}) == "method=GET, route=/pay" and describe({}) == "all"
