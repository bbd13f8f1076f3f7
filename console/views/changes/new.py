"""Raising a change: a form that keeps what was typed; once saved, the change's page shows its risk (with
the reasons) and any collision warnings."""

from __future__ import annotations

from datetime import UTC, tzinfo
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import choices, may, parse_moment, path, refused, submit, text
from console.guard import signed_in
from console.render import zone_of
from console.screens import nodes, page, run_screen, screen_status

TEMPLATE = "changes/new.html"
TYPES = ("standard", "normal", "emergency")
BLANK = {"title": "", "type": "normal", "description": "", "backout_plan": "", "ci_ids": [], "planned_start": "",
         "planned_end": ""}


async def _screen(request: Request, *, values: dict[str, Any], outcome: dict[str, Any] | None = None) -> Response:
    data, errors = await run_screen(request, "ConsoleNewChange")
    cis = nodes(data.get("configurationItems"))
    context = {"errors": errors, "outcome": outcome or {}, "values": values, "types": TYPES, "cis": cis or [],
               "can_change": may(data, "change.write", "changes")}
    status = screen_status(outcome, errors, loaded=cis is not None)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def new_change_page(request: Request) -> Response:
    """GET /console/changes/new: the empty form."""
    return await _screen(request, values=dict(BLANK))


def form_values(form: FormData) -> dict[str, Any]:
    return {"title": text(form, "title"), "type": text(form, "type"), "description": text(form, "description"),
            "backout_plan": text(form, "backout_plan"), "ci_ids": choices(form, "ci_ids"),
            "planned_start": text(form, "planned_start"), "planned_end": text(form, "planned_end")}


def change_input(values: dict[str, Any], errors: list[dict[str, Any]], zone: tzinfo = UTC) -> dict[str, Any]:
    """The API's ChangeInput from the form (dates as typed, in ``zone``: the viewer's time zone)."""
    start = parse_moment(values["planned_start"], "Planned start", "plannedStart", errors, zone)
    end = parse_moment(values["planned_end"], "Planned end", "plannedEnd", errors, zone)
    return {"title": values["title"], "type": (values["type"] or "normal").upper(),
            "description": values["description"], "backoutPlan": values["backout_plan"], "ciIds": values["ci_ids"],
            "plannedStart": start.isoformat() if start else None, "plannedEnd": end.isoformat() if end else None}


async def create_change(request: Request) -> Response:
    """POST /console/changes/new: raise the change and open it, or show the form again with the error."""
    values, problems = form_values(await request.form()), []
    variables = {"input": change_input(values, problems, zone_of(request))}
    if values["type"] not in TYPES:
        problems.append({"code": "VALIDATION", "message": "Choose standard, normal or emergency.", "field": "type"})
    if problems:
        return await _screen(request, values=values, outcome=refused(problems[0], "change"))
    return await submit(request, "ConsoleCreateChange", "createChange", variables, show=_screen, form="change",
                        values=values, go=lambda ok: path(request, "console_change", change_id=ok["change"]["id"]))


routes = [
    Route("/changes/new", signed_in(new_change_page), methods=["GET"], name="console_changes_new"),
    Route("/changes/new", signed_in(create_change), methods=["POST"], name="console_changes_create"),
]
