"""On call: schedules and who is on call now, my next shifts, escalation policies and my notification rules."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.guard import signed_in
from console.screens import page, run_screen, screen_status
from console.views.oncall import imports

TEMPLATE = "oncall/oncall.html"
CALENDAR = "oncall/calendar.html"
CALENDAR_DAYS = 14


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


async def calendar_page(request: Request) -> Response:
    """GET /console/oncall/schedules/{schedule_id}: the schedule's shifts over the next two weeks, by day."""
    since = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    variables = {"id": request.path_params["schedule_id"], "since": since.isoformat(),
                 "until": (since + timedelta(days=CALENDAR_DAYS)).isoformat()}
    data, errors = await run_screen(request, "ConsoleScheduleCalendar", variables)
    schedule = next((s for s in data.get("onCallSchedules") or () if s["id"] == variables["id"]), None)
    if schedule is None and not errors:
        errors = [{"code": "NOT_FOUND", "message": "No such schedule in this tenant."}]
    days = calendar_days(data.get("onCallShifts") or [], schedule["timeZone"] if schedule else "UTC")
    context = {"schedule": schedule, "days": days, "errors": errors, "outcome": {}}
    return await page(request, CALENDAR, context, block="screen",
                      status_code=screen_status(None, errors, loaded=schedule is not None))


def calendar_days(shifts: list[dict], time_zone: str) -> list[dict]:
    """The shifts cut by local day: [{day, entries: [{email, from, to}]}] in the schedule's time zone."""
    zone, days = ZoneInfo(time_zone), {}
    for shift in shifts:
        start = datetime.fromisoformat(shift["startsAt"]).astimezone(zone)
        end = datetime.fromisoformat(shift["endsAt"]).astimezone(zone)
        while start < end:
            midnight = datetime.combine(start.date() + timedelta(days=1), time(), zone)
            piece_end = min(end, midnight)
            until = "24:00" if piece_end == midnight else piece_end.strftime("%H:%M")
            days.setdefault(start.date(), []).append(
                {"email": shift["person"]["email"], "from": start.strftime("%H:%M"), "to": until})
            start = piece_end
    return [{"day": day.strftime("%a %d %b"), "entries": entries} for day, entries in sorted(days.items())]


routes = [
    *imports.routes,
    Route("/oncall", signed_in(oncall_page), methods=["GET"], name="console_oncall"),
    Route("/oncall/schedules/{schedule_id}", signed_in(calendar_page), methods=["GET"], name="console_schedule"),
]
