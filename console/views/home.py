"""The landing page: platform health, who is signed in, and open incidents for those who may see them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import path, url
from console.guard import signed_in
from console.render import is_htmx
from console.screens import page, run_screen
from domain.incidents.models import SEVERITIES

ACTIVE = ("triggered", "open", "investigating")


def incident_summary(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """Open incidents per severity (a page of at most 100 each: "100+" beyond) and the most recent ones."""
    counts = []
    for severity in SEVERITIES:
        found = data.get(severity.lower()) or {"edges": [], "pageInfo": {}}
        shown = f"{len(found['edges'])}{'+' if found['pageInfo'].get('hasNextPage') else ''}"
        query = [("severity", severity), *(("status", status) for status in ACTIVE)]
        counts.append({"severity": severity, "count": shown, "url": url(request, "console_incidents", query)})
    recent = [edge["node"] for edge in (data.get("recent") or {}).get("edges") or ()]
    return {"counts": counts, "recent": recent, "list_url": path(request, "console_incidents")}


async def home(request: Request) -> Response:
    """GET /console/: health of the platform and the signed-in user (refreshed by htmx), open incidents."""
    principal = request.state.principal
    with_incidents = (principal.can("incident.read") and "incidents" in principal.features
                      and not is_htmx(request))
    data, errors = await run_screen(request, "ConsoleHome", {"withIncidents": with_incidents})
    summary = incident_summary(request, data) if with_incidents and data.get("recent") else None
    return await page(request, "home.html", {"data": data, "errors": errors, "summary": summary}, block="status")


routes = [Route("/", signed_in(home), name="console_home")]
