"""Events: what agents and integrations reported, newest first, with the incidents each one raised."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import path, validation
from console.guard import signed_in
from console.screens import nodes, page, screen_status
from console.views.telemetry.common import PRESETS, page_links, page_of, request_window, window_values

SEVERITIES = ("critical", "error", "warning", "info", "debug", "ok")


def form_values(params: QueryParams) -> dict[str, Any]:
    """The filter form's fields as sent (kept even when invalid)."""
    return {**window_values(params), "severity": [v.strip() for v in params.getlist("severity") if v.strip()],
            **{name: params.get(name, "").strip() for name in ("source", "service")}}


def event_filter(values: dict[str, Any], errors: list[dict[str, str]]) -> dict[str, Any]:
    """The ``EventFilterInput`` of the form, without the time range."""
    unknown = [value for value in values["severity"] if value not in SEVERITIES]
    for value in unknown:
        errors.append(validation(f"Unknown severity {value!r}: choose from {', '.join(SEVERITIES)}.", "severity"))
    found = {"source": values["source"], "service": values["service"], "severities": values["severity"]}
    return {key: value for key, value in found.items() if value}


def event(request: Request, node: dict[str, Any]) -> dict[str, Any]:
    """An event as the template shows it, each incident with its link."""
    incidents = [{**incident, "url": path(request, "console_incident", incident_id=incident["id"])}
                 for incident in node["incidents"]]
    return {**node, "incident_links": incidents}


async def events_page(request: Request) -> Response:
    """GET /console/explore/events[?range=&since=&until=&source=&severity=&service=&after=]."""
    values, errors = form_values(request.query_params), []
    variables = {**event_filter(values, errors), **request_window(request, errors).variables()}
    connection, errors = await page_of(request, "ConsoleExploreEvents", "events", variables, errors)
    found = nodes(connection)
    context = {"values": values, "errors": errors, "presets": PRESETS, "severities": SEVERITIES,
               "events": [event(request, node) for node in found] if found is not None else None,
               **page_links(request, "console_explore_events", values, connection)}
    return await page(request, "telemetry/events.html", context, block="screen",
                      status_code=screen_status(None, errors, loaded=connection is not None))


routes = [Route("/explore/events", signed_in(events_page), methods=["GET"], name="console_explore_events")]
