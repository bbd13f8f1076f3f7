"""Events: what agents and integrations reported, newest first, with the incidents each one raised."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.guard import signed_in
from console.views.explore_common import (
    PRESETS,
    kept,
    next_url,
    nodes,
    parse_window,
    precise,
    screen_code,
    url,
    validation,
    window_values,
)
from console.views.screens import page, run_screen

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
    incidents = [{**incident, "url": str(request.app.url_path_for("console_incident", incident_id=incident["id"]))}
                 for incident in node["incidents"]]
    return {**node, "time": precise(node["occurredAt"]), "incident_links": incidents}


async def events_page(request: Request) -> Response:
    """GET /console/explore/events[?range=&since=&until=&source=&severity=&service=&after=]."""
    values, errors = form_values(request.query_params), []
    variables = {**event_filter(values, errors), **parse_window(request.query_params, errors).variables()}
    connection = None
    if not errors:
        data, errors = await run_screen(request, "ConsoleExploreEvents",
                                        {"filter": variables, "after": request.query_params.get("after") or None})
        connection = data.get("events")
    found = nodes(connection)
    context = {"values": values, "errors": errors, "presets": PRESETS, "severities": SEVERITIES,
               "events": [event(request, node) for node in found] if found is not None else None,
               "list_url": url(request, "console_explore_events"),
               "first_url": url(request, "console_explore_events", kept(values))
               if request.query_params.get("after") else None,
               "next_url": next_url(request, "console_explore_events", values, connection)}
    return await page(request, "explore/events.html", context, block="screen",
                      status_code=screen_code(connection is not None, errors))


routes = [Route("/explore/events", signed_in(events_page), methods=["GET"], name="console_explore_events")]
