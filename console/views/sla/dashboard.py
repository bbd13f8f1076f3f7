"""The SLA screen: policies (and a form to add one), the breach dashboard and 30-day compliance."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import FormProblem, choices, may, refused, submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

TEMPLATE = "sla/dashboard.html"
BLANK = {"name": "", "response": "", "resolution": "", "priorities": [], "services": "", "timezone": "UTC",
         "days": [str(d) for d in range(5)], "opens": "09:00", "closes": "17:00", "country": "", "warn": "75",
         "pause_when": ""}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


async def sla_screen(request: Request, *, outcome: dict[str, Any] | None = None,
                     values: dict[str, Any] | None = None) -> Response:
    data, errors = await run_screen(request, "ConsoleSla")
    context = {"errors": errors, "outcome": outcome or {}, "values": values or dict(BLANK), "weekdays": WEEKDAYS,
               "policies": data.get("slaPolicies"), "breaches": data.get("slaBreaches") or [],
               "compliance": data.get("slaCompliance") or [], "can_manage": may(data, "catalog.manage", "sla")}
    status = screen_status(outcome, errors, loaded=data.get("slaPolicies") is not None)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def sla_page(request: Request) -> Response:
    """GET /console/sla."""
    return await sla_screen(request)


def _minutes(raw: str, field: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise FormProblem("Give the target in whole minutes.", field)
    return int(raw)


def form_values(form: FormData) -> dict[str, Any]:
    return {**{key: text(form, key) for key in ("name", "response", "resolution", "services", "timezone", "opens",
                                                 "closes", "country", "warn", "pause_when")},
            "priorities": choices(form, "priorities"), "days": choices(form, "days")}


def policy_input(values: dict[str, Any]) -> dict[str, Any]:
    """The API's SlaPolicyInput from the form."""
    if not values["warn"].isdigit():
        raise FormProblem("The warning threshold is a whole percentage.", "warnPercent")
    return {"name": values["name"], "responseMinutes": _minutes(values["response"], "responseMinutes"),
            "resolutionMinutes": _minutes(values["resolution"], "resolutionMinutes"),
            "priorities": values["priorities"], "warnPercent": int(values["warn"]),
            "services": [s.strip() for s in values["services"].split(",") if s.strip()],
            "pauseWhen": [s.strip() for s in values["pause_when"].split(",") if s.strip()],
            "calendar": {"timezone": values["timezone"] or "UTC",
                         "days": [int(d) for d in values["days"] if d.isdigit()],
                         "opens": values["opens"] or "00:00", "closes": values["closes"] or None,
                         "country": values["country"].upper() or None}}


async def create_policy(request: Request) -> Response:
    """POST /console/sla/policies: add a policy, or show the form again with the error."""
    values = form_values(await request.form())
    try:
        variables = {"input": policy_input(values)}
    except FormProblem as problem:
        return await sla_screen(request, outcome=refused(problem.error, "policy"), values=values)
    return await submit(request, "ConsoleCreateSlaPolicy", "createSlaPolicy", variables, show=sla_screen,
                        form="policy", values=values, notice=lambda ok: f"SLA policy {ok['policy']['name']} added.")


routes = [
    Route("/sla", signed_in(sla_page), methods=["GET"], name="console_sla"),
    Route("/sla/policies", signed_in(create_policy), methods=["POST"], name="console_sla_create"),
]
