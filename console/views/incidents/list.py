"""The incident list: filters kept in the URL, cursor paging, and rows that change live over SSE."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from console.forms import may, url
from console.guard import signed_in
from console.render import fragment, zone_of
from console.screens import page, run_screen, status_for
from console.sse import Render, event_stream, message
from console.views.incidents.filters import UNASSIGNED, ListFilters, parse_filters
from domain.incidents.models import SEVERITIES, STATUSES

TEMPLATE = "incidents/list.html"


def members_of(data: dict[str, Any]) -> list[dict[str, str]]:
    """The tenant's members from an operation's ``members`` as ``{id, name}``, by name."""
    edges = (data.get("members") or {}).get("edges") or []
    found = [{"id": e["node"]["userId"], "name": e["node"]["displayName"] or e["node"]["email"]} for e in edges]
    return sorted(found, key=lambda member: member["name"].casefold())


def _links(request: Request, filters: ListFilters, connection: dict[str, Any] | None) -> dict[str, str | None]:
    """The list's own URL (with its filters and page), the stream's and the next page's."""
    kept = filters.query()
    here = [*kept, ("after", request.query_params["after"])] if request.query_params.get("after") else kept
    info = (connection or {}).get("pageInfo") or {}
    next_url = url(request, "console_incidents", [*kept, ("after", info["endCursor"])]) \
        if info.get("hasNextPage") else None
    return {"list_url": url(request, "console_incidents", []), "table_url": url(request, "console_incidents", here),
            "stream_url": url(request, "console_incident_stream", here), "next_url": next_url}


async def incidents_page(request: Request) -> Response:
    """GET /console/incidents[?status=&severity=&service=&assignee=&q=&from=&to=&after=]: newest first."""
    filters, values, problems = parse_filters(request.query_params, zone_of(request))
    principal = request.state.principal
    variables = {"filter": filters.variables(), "after": request.query_params.get("after") or None,
                 "withList": not problems, "withMembers": principal.can("member.read")}
    data, errors = await run_screen(request, "ConsoleIncidents", variables)
    connection = data.get("incidents")
    if connection is None and errors and not problems:  # e.g. a bad cursor: keep the form and its choices
        data, _ = await run_screen(request, "ConsoleIncidents", {**variables, "withList": False})
    errors = problems + errors
    context = {"errors": errors, "values": values, "statuses": STATUSES, "severities": SEVERITIES,
               "unassigned": UNASSIGNED, "members": members_of(data),
               "can_write": may(data, "incident.write"),
               "incidents": [edge["node"] for edge in connection["edges"]] if connection else None,
               **_links(request, filters, connection)}
    block = "table" if request.headers.get("HX-Target") == "incident-table" and connection else "screen"
    status = 200 if connection is not None else status_for(errors)
    return await page(request, TEMPLATE, context, block=block, status_code=status)


def row_messages(request: Request, filters: ListFilters, *, top: bool) -> Render:
    """Render a change as the list's row: a new incident goes on top (first page only), a change in place."""

    def render(data: dict[str, Any]) -> list[str]:
        change = data["incidentChanged"]
        incident = change["incident"]
        matches = filters.matches(incident)
        if change["kind"] == "created" and not (matches and top):
            return []
        event = "incident-created" if change["kind"] == "created" else f"incident-{incident['id']}"
        html = fragment(request, TEMPLATE, "row", {"incident": incident, "stale": not matches})
        return [message(html, event=event)]

    return render


async def incidents_stream(request: Request) -> StreamingResponse:
    """GET /console/incidents/stream[?<the list's filters>]: its rows as they change (text/event-stream)."""
    filters, _, _ = parse_filters(request.query_params, zone_of(request))
    top = not request.query_params.get("after")
    return event_stream(request, "ConsoleIncidentChanges", None, row_messages(request, filters, top=top))


routes = [
    Route("/incidents", signed_in(incidents_page), methods=["GET"], name="console_incidents"),
    Route("/incidents/stream", signed_in(incidents_stream), methods=["GET"], name="console_incident_stream"),
]
