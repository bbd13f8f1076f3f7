"""On call: schedules and who is on call now, my next shifts, escalation policies and my notification rules."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.guard import signed_in
from console.screens import page, run_screen, screen_status

TEMPLATE = "oncall/oncall.html"


async def oncall_page(request: Request) -> Response:
    """GET /console/oncall: the tenant's on-call setup at a glance."""
    data, errors = await run_screen(request, "ConsoleOnCall")
    schedules = data.get("onCallSchedules")
    names = {s["id"]: s["name"] for s in schedules or ()}
    policies = [{**p, "levels": [{**level, "targets": [
        f"on call on {names.get(t['id'], 'a schedule')}" if t["kind"] == "schedule" else "a person"
        for t in level["targets"]]} for level in p["levels"]]} for p in data.get("escalationPolicies") or ()]
    context = {"schedules": schedules, "shifts": data.get("myOnCallShifts") or [], "policies": policies,
               "rules": data.get("myNotificationRules") or [], "errors": errors, "outcome": {}}
    return await page(request, TEMPLATE, context, block="screen",
                      status_code=screen_status(None, errors, loaded=schedules is not None))


routes = [Route("/oncall", signed_in(oncall_page), methods=["GET"], name="console_oncall")]
