"""Opening an incident by hand: a form that keeps what was typed and shows the API's errors inline."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import may, path, refused, submit, text, validation
from console.guard import signed_in
from console.screens import page, run_screen, screen_status
from console.views.incidents.list import members_of
from domain.incidents.models import PRIORITIES, SEVERITIES

TEMPLATE = "incidents/new.html"
DEFAULTS = {"title": "", "description": "", "severity": "SEV3", "priority": "", "services": "", "assignee": ""}


async def _screen(request: Request, *, values: dict[str, Any], outcome: dict[str, Any] | None = None) -> Response:
    """The form, filled with ``values``, with the error of a refused attempt beside its field."""
    data, errors = await run_screen(request, "ConsoleNewIncident",
                                    {"withMembers": request.state.principal.can("member.read")})
    context = {"errors": errors, "outcome": outcome or {}, "values": values, "members": members_of(data),
               "severities": SEVERITIES, "priorities": PRIORITIES,
               "can_write": may(data, "incident.write")}
    status = screen_status(outcome, errors, loaded=bool(data.get("viewer")))
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def new_incident_page(request: Request) -> Response:
    """GET /console/incidents/new: the empty form."""
    return await _screen(request, values=dict(DEFAULTS))


def _values(form: FormData) -> dict[str, str]:
    return {name: text(form, name) for name in DEFAULTS}


def _checked(values: dict[str, str]) -> dict[str, Any] | None:
    """An error for a choice the form never offers (the API would not even parse it)."""
    if values["severity"] not in SEVERITIES:
        return validation("Choose a severity.", "severity")
    if values["priority"] and values["priority"] not in PRIORITIES:
        return validation("Choose a priority, or leave it to the severity.", "priority")
    return None


def _input(values: dict[str, str]) -> dict[str, Any]:
    """``CreateIncidentInput`` from the form; services are comma separated."""
    services = [service.strip() for service in values["services"].split(",") if service.strip()]
    return {"title": values["title"], "description": values["description"], "severity": values["severity"],
            "priority": values["priority"] or None, "services": services, "assigneeId": values["assignee"] or None}


async def create_incident(request: Request) -> Response:
    """POST /console/incidents/new: open it and go to its page, or show the form again with the error."""
    values = _values(await request.form())
    problem = _checked(values)
    if problem:
        return await _screen(request, values=values, outcome=refused(problem))
    return await submit(request, "ConsoleCreateIncident", "createIncident", {"input": _input(values)},
                        show=_screen, values=values,
                        go=lambda ok: path(request, "console_incident", incident_id=ok["incident"]["id"]))


routes = [
    Route("/incidents/new", signed_in(new_incident_page), methods=["GET"], name="console_incident_new"),
    Route("/incidents/new", signed_in(create_incident), methods=["POST"], name="console_create_incident"),
]
