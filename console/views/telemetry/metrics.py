"""Metric charts: pick a metric, aggregation, step, range, group-by labels and a label filter; the
series come back as a server-rendered SVG line chart (charts.py beside this module) with a legend.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import url, validation
from console.guard import signed_in
from console.render import zone_of
from console.screens import page, run_screen, screen_status
from console.views.telemetry import charts
from console.views.telemetry.common import PRESETS, Window, request_window, window_values

TEMPLATE = "telemetry/metrics.html"
AGGREGATIONS = ("AVG", "MIN", "MAX", "SUM", "COUNT", "P95")
STEPS = {10: "10 s", 30: "30 s", 60: "1 min", 300: "5 min", 900: "15 min", 3600: "1 h", 21600: "6 h", 86400: "1 d"}
AUTO_BUCKETS = 240


def form_values(params: QueryParams) -> dict[str, str]:
    """The chart form's fields as sent (kept even when invalid)."""
    fields = ("name", "agg", "step", "by", "fk", "fv")
    return {**window_values(params), **{name: params.get(name, "").strip() for name in fields}}


def auto_step(window: Window) -> int:
    """The smallest listed step that gives at most ``AUTO_BUCKETS`` buckets over the window."""
    seconds = (window.until - window.since).total_seconds()
    return next((step for step in STEPS if seconds / step <= AUTO_BUCKETS), max(STEPS))


def step_of(raw: str, window: Window, errors: list[dict[str, str]]) -> int:
    """The step in seconds: a whole number from the form, or chosen for the window."""
    if not raw:
        return auto_step(window)
    if not raw.isdigit() or int(raw) < 1:
        errors.append(validation("Step must be a whole number of seconds.", "step"))
        return 60
    return int(raw)


def series_input(values: dict[str, str], window: Window, errors: list[dict[str, str]]) -> dict[str, Any]:
    """The ``MetricSeriesInput`` of the form."""
    aggregation = (values["agg"] or "AVG").upper()
    if aggregation not in AGGREGATIONS:
        errors.append(validation(f"Unknown aggregation {values['agg']!r}: choose from "
                                 f"{', '.join(AGGREGATIONS)}.", "agg"))
    found = {"name": values["name"], **window.variables(), "stepSeconds": step_of(values["step"], window, errors),
             "aggregation": aggregation, "groupBy": [label.strip() for label in values["by"].split(",")
                                                     if label.strip()]}
    if values["fk"] and values["fv"]:
        found["labels"] = {values["fk"]: values["fv"]}
    return found


def describe(labels: dict[str, Any]) -> str:
    """A series' legend text: its label values, or ``all`` for the one ungrouped series."""
    return ", ".join(f"{key}={value}" for key, value in sorted(labels.items())) or "all"


def chart(found: list[dict[str, Any]], query: dict[str, Any], tz: tzinfo = UTC) -> dict[str, Any]:
    """The SVG and the legend of the API's series, the time axis on the clocks of ``tz``."""
    series = [charts.Series(describe(s["labels"]), [(datetime.fromisoformat(p["ts"]), p["value"])
                                                    for p in s["points"]]) for s in found]
    step = STEPS.get(query["stepSeconds"], f"{query['stepSeconds']} s")
    title = f"{query['aggregation']} of {query['name']} per {step}"
    svg = charts.line_chart(series, since=datetime.fromisoformat(query["since"]),
                            until=datetime.fromisoformat(query["until"]), title=title, tz=tz)
    legend = []
    for index, line in enumerate(series):
        values = [v for run in charts.runs(line.points) for _, v in run]
        legend.append({"label": line.label, "css": f"s{index % charts.PALETTE_SIZE}", "points": len(values),
                       "last": charts.format_value(values[-1]) if values else "",
                       "low": charts.format_value(min(values)) if values else "",
                       "high": charts.format_value(max(values)) if values else ""})
    return {"svg": svg, "legend": legend, "title": title}


def unique(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    """Errors without repeats (both operations may refuse the same range)."""
    return list({(e["code"], e["message"]): e for e in errors}.values())


async def _names(request: Request, values: dict[str, str], window: Window) -> tuple[dict[str, Any], list]:
    """Metric names in the range, and the values of the filter label."""
    with_values = bool(values["name"] and values["fk"])
    return await run_screen(request, "ConsoleExploreMetricNames", {
        **window.variables(), "name": values["name"], "label": values["fk"], "withValues": with_values})


async def metrics_page(request: Request) -> Response:
    """GET /console/explore/metrics[?name=&agg=&step=&range=&since=&until=&by=&fk=&fv=]."""
    values, errors = form_values(request.query_params), []
    window = request_window(request, errors)
    query = series_input(values, window, errors)
    picker, found = ({}, []) if errors else await _names(request, values, window)
    result = None
    if values["name"] and not errors:
        data, found_series = await run_screen(request, "ConsoleExploreMetricSeries", {"input": query})
        found += found_series
        result = chart(data["metricSeries"], query, zone_of(request)) if data.get("metricSeries") is not None else None
    errors = unique(errors + found)
    names = picker.get("metricNames") or []
    context = {"values": values, "errors": errors, "presets": PRESETS, "aggregations": AGGREGATIONS,
               "steps": STEPS, "names": names if values["name"] in names or not values["name"]
               else [values["name"], *names], "label_values": picker.get("metricLabelValues") or [],
               "chart": result, "list_url": url(request, "console_explore_metrics")}
    loaded = result is not None if values["name"] else "metricNames" in picker
    status = screen_status(None, errors, loaded=loaded)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


routes = [Route("/explore/metrics", signed_in(metrics_page), methods=["GET"], name="console_explore_metrics")]
