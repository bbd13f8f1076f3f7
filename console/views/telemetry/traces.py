"""Traces: a filtered list (newest first) and one trace's waterfall, a row per span in depth-first order
with a bar placed by its offset and sized by its duration, error spans marked, details expandable.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import url, validation
from console.guard import signed_in
from console.render import zone_of
from console.screens import nodes, page, run_screen, screen_status
from console.views.telemetry import charts
from console.views.telemetry.common import (
    PRESETS,
    milliseconds,
    page_links,
    page_of,
    request_window,
    trace_url,
    window_values,
)

BAR_WIDTH = 1000.0
MAX_INDENT = 15
LOG_MARGIN = timedelta(minutes=5)


def form_values(params: QueryParams) -> dict[str, str]:
    """The filter form's fields as sent (kept even when invalid)."""
    return {**window_values(params), **{name: params.get(name, "").strip() for name in ("service", "min", "errors")}}


def trace_filter(values: dict[str, str], errors: list[dict[str, str]]) -> dict[str, Any]:
    """The ``TraceFilterInput`` of the form, without the time range."""
    found: dict[str, Any] = {"errorsOnly": values["errors"] == "1"}
    if values["service"]:
        found["service"] = values["service"]
    if values["min"]:
        try:
            found["minDurationMs"] = float(values["min"])
        except ValueError:
            errors.append(validation("Minimum duration must be a number of milliseconds.", "min"))
    return found


def summary(request: Request, node: dict[str, Any]) -> dict[str, Any]:
    """A trace of the list as the template shows it."""
    return {**node, "url": trace_url(request, node["traceId"]),
            "duration": milliseconds(node["durationMs"])}


async def traces_page(request: Request) -> Response:
    """GET /console/explore/traces[?range=&since=&until=&service=&min=&errors=1&after=]."""
    values, errors = form_values(request.query_params), []
    variables = {**trace_filter(values, errors), **request_window(request, errors).variables()}
    connection, errors = await page_of(request, "ConsoleExploreTraces", "traces", variables, errors)
    found = nodes(connection)
    context = {"values": values, "errors": errors, "presets": PRESETS,
               "traces": [summary(request, node) for node in found] if found is not None else None,
               **page_links(request, "console_explore_traces", values, connection)}
    return await page(request, "telemetry/traces.html", context, block="screen",
                      status_code=screen_status(None, errors, loaded=connection is not None))


def span_events(events: Any) -> list[dict[str, Any]]:
    """A span's events as ``{name, time, attributes}`` (fields other than those become attributes)."""
    found = []
    for event in events if isinstance(events, list) else ():
        event = event if isinstance(event, dict) else {"value": event}
        attributes = event.get("attributes") if isinstance(event.get("attributes"), dict) else {
            key: value for key, value in event.items() if key not in ("name", "time")}
        found.append({"name": event.get("name") or "event", "time": str(event.get("time") or ""),
                      "attributes": attributes})
    return found


def span_row(span: dict[str, Any], total_ms: float) -> dict[str, Any]:
    """One waterfall row: the span, its bar, indent and error mark."""
    x, width = charts.bar(span["offsetMs"], span["durationMs"], total_ms, width=BAR_WIDTH)
    return {**span, "x": x, "width": width, "indent": min(span["depth"], MAX_INDENT),
            "error": span["status"] == "error", "duration": milliseconds(span["durationMs"]),
            "offset": milliseconds(span["offsetMs"]), "span_events": span_events(span["events"])}


def _naive(moment: datetime, zone: tzinfo) -> str:
    """A time as the explorer's date-and-time fields take it: in the viewer's zone, without offset."""
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0).isoformat()


def waterfall(request: Request, trace: dict[str, Any]) -> dict[str, Any]:
    """The trace with its rows, its time scale and a link to its logs."""
    total = trace["durationMs"]
    start = datetime.fromisoformat(trace["startTime"])
    end = start + timedelta(milliseconds=total)
    zone = zone_of(request)
    logs = url(request, "console_explore_logs", [("trace", trace["traceId"]),
                                                 ("since", _naive(start - LOG_MARGIN, zone)),
                                                 ("until", _naive(end + LOG_MARGIN, zone))])
    rows = [span_row(span, total) for span in trace["spans"]]
    return {**trace, "rows": rows, "errors": sum(row["error"] for row in rows), "logs_url": logs,
            "duration": milliseconds(total),
            "scale": [milliseconds(total * quarter / 4) for quarter in range(5)]}


async def trace_page(request: Request) -> Response:
    """GET /console/explore/traces/{trace_id}: the trace's waterfall."""
    trace_id = request.path_params["trace_id"]
    data, errors = await run_screen(request, "ConsoleExploreTrace", {"traceId": trace_id})
    trace = data.get("trace")
    if trace is None and not errors:
        errors = [{"code": "NOT_FOUND", "message": f"No span of trace {trace_id} is stored."}]
    context = {"trace_id": trace_id, "errors": errors, "trace": waterfall(request, trace) if trace else None,
               "bar_width": int(BAR_WIDTH), "list_url": url(request, "console_explore_traces")}
    return await page(request, "telemetry/trace.html", context, block="screen",
                      status_code=screen_status(None, errors, loaded=trace is not None))


routes = [
    Route("/explore/traces", signed_in(traces_page), methods=["GET"], name="console_explore_traces"),
    Route("/explore/traces/{trace_id}", signed_in(trace_page), methods=["GET"], name="console_explore_trace"),
]
