"""Public paging routes: the one-click acknowledge/resolve links of a page, and schedules' calendar feeds.

Neither needs signing in: a link carries its own sealed, expiring token (domain/paging/links.py), a
feed its schedule's secret. Opening a link shows what it will do; the button posts it back.
"""

from __future__ import annotations

import html
import uuid

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from domain.errors import NotFound, Unauthenticated
from domain.incidents.models import Incident
from domain.oncall.calendar import schedule_feed, user_feed
from domain.paging.links import ACTIONS, LinkClaim, act_by_link, read_token


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                        f"</head><body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>",
                        status_code=status)


def _claim(request: Request) -> LinkClaim:
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise Unauthenticated("This link is not valid.", code="LINK_INVALID")
    try:
        incident_id = uuid.UUID(request.path_params["incident_id"])
    except ValueError:
        raise Unauthenticated("This link is not valid.", code="LINK_INVALID") from None
    token = request.query_params.get("token", "")
    return read_token(request.app.state.runtime.sealer, token, incident_id=incident_id, action=action)


async def page_link(request: Request) -> Response:
    """GET: show the incident and a button; POST: acknowledge or resolve it as the person paged."""
    try:
        claim = _claim(request)
    except Unauthenticated as refused:
        return _page("Link refused", f"<p data-code='{refused.code}'>{html.escape(refused.message)}</p>", 403)
    db = request.app.state.runtime.db
    if request.method == "GET":
        async with db.transaction(tenant_id=claim.tenant_id) as tx:
            incident = await tx.session.get(Incident, claim.incident_id)
        if incident is None:
            return _page("Link refused", "<p>The incident no longer exists.</p>", 404)
        token = html.escape(request.query_params.get("token", ""))
        return _page(f"{incident.reference}: {incident.title}",
                     f"<p>Status: <span id='status'>{incident.status}</span></p><form method='post' "
                     f"action='?token={token}'><button type='submit'>{claim.action.capitalize()}</button></form>")
    async with db.transaction(tenant_id=claim.tenant_id) as tx:
        incident, changed = await act_by_link(tx, claim)
    note = f"{claim.action.capitalize()}d." if changed else f"Nothing to do: it is already {incident.status}."
    return _page(f"{incident.reference}: {incident.title}",
                 f"<p id='outcome' data-changed='{str(changed).lower()}'>{note}</p>"
                 f"<p>Status: <span id='status'>{incident.status}</span></p>")


async def calendar_feed(request: Request) -> Response:
    """A schedule's iCalendar feed (``?user=<id>``: one person's shifts); 404 for a wrong secret."""
    try:
        tenant_id = uuid.UUID(request.path_params["tenant_id"])
        schedule_id = uuid.UUID(request.path_params["schedule_id"])
        user = request.query_params.get("user")
        user_id = uuid.UUID(user) if user else None
    except ValueError:
        return Response("Not found", status_code=404)
    try:
        async with request.app.state.runtime.db.transaction(tenant_id=tenant_id) as tx:
            body = await schedule_feed(tx, schedule_id=schedule_id, token=request.path_params["token"], user_id=user_id)
    except NotFound:
        return Response("Not found", status_code=404)
    return Response(body, media_type="text/calendar; charset=utf-8")


async def person_feed(request: Request) -> Response:
    """A person's own iCalendar feed of their shifts over every schedule; 404 for a wrong secret."""
    try:
        tenant_id, user_id = uuid.UUID(request.path_params["tenant_id"]), uuid.UUID(request.path_params["user_id"])
    except ValueError:
        return Response("Not found", status_code=404)
    try:
        async with request.app.state.runtime.db.transaction(tenant_id=tenant_id) as tx:
            body = await user_feed(tx, user_id=user_id, token=request.path_params["token"])
    except NotFound:
        return Response("Not found", status_code=404)
    return Response(body, media_type="text/calendar; charset=utf-8")


routes = [
    Route("/page/{incident_id}/{action}", page_link, methods=["GET", "POST"]),
    Route("/calendar/{tenant_id}/{schedule_id}/{token}.ics", calendar_feed),
    Route("/calendar/{tenant_id}/people/{user_id}/{token}.ics", person_feed),
]
