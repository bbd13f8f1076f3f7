"""Maintenance windows: one-off (start to end) or recurring (RRULE and a duration), what they silence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import may, parse_moment, refused, submit, text, validation
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

TEMPLATE = "alerting/silences.html"
FIELDS = ("name", "service", "matcher", "starts_at", "ends_at", "recurrence", "duration_minutes", "reason")


def state(silence: dict[str, Any], now: datetime) -> str:
    """``recurring``, or where a one-off window stands: ``upcoming``, ``active`` or ``ended``."""
    if silence["recurrence"]:
        ended = silence["endsAt"] and datetime.fromisoformat(silence["endsAt"]) <= now
        return "ended" if ended else "recurring"
    if datetime.fromisoformat(silence["startsAt"]) > now:
        return "upcoming"
    return "active" if datetime.fromisoformat(silence["endsAt"]) > now else "ended"


async def silences_screen(
    request: Request, *, outcome: dict[str, Any] | None = None, values: dict[str, str] | None = None,
) -> Response:
    """The windows and the form for a new one, with the outcome of a change if there was one."""
    data, errors = await run_screen(request, "ConsoleSilences")
    now = datetime.now(UTC)
    found = data.get("silences")
    silences = [{**s, "state": state(s, now)} for s in found] if found is not None else None
    context = {"silences": silences, "errors": errors, "outcome": outcome or {},
               "can_manage": may(data, "alert.manage", "alerting"), "values": values or dict.fromkeys(FIELDS, "")}
    status = screen_status(outcome, errors, loaded=found is not None)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def silences_page(request: Request) -> Response:
    """GET /console/alerts/silences: every maintenance window, latest start first."""
    return await silences_screen(request)


def silence_input(values: dict[str, str]) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    """(``SilenceInput``, None), or (None, an error shaped like the API's) for a value it could not parse."""
    problems: list[dict[str, str]] = []
    starts = parse_moment(values["starts_at"], "Start", "startsAt", problems)
    ends = parse_moment(values["ends_at"], "End", "endsAt", problems)
    duration = values["duration_minutes"]
    if duration and not duration.isdigit():
        problems.append(validation("Duration must be a whole number of minutes.", "durationMinutes"))
    if starts is None and not problems:
        problems.append(validation("Give the window's start.", "startsAt"))
    if problems:
        return None, problems[0]
    return {"name": values["name"], "startsAt": starts.isoformat(), "endsAt": ends.isoformat() if ends else None,
            "recurrence": values["recurrence"] or None, "durationMinutes": int(duration) if duration else None,
            "matcher": values["matcher"], "service": values["service"] or None, "reason": values["reason"]}, None


def _values(form: FormData) -> dict[str, str]:
    return {name: text(form, name) for name in FIELDS}


async def create_silence(request: Request) -> Response:
    """POST /console/alerts/silences: schedule a maintenance window."""
    values = _values(await request.form())
    variables, problem = silence_input(values)
    if problem:
        return await silences_screen(request, outcome=refused(problem, "create"), values=values)
    return await submit(request, "ConsoleCreateSilence", "createSilence", {"input": variables}, show=silences_screen,
                        form="create", values=values,
                        notice=lambda ok: f"Maintenance window {ok['silence']['name']} scheduled.")


async def delete_silence(request: Request) -> Response:
    """POST /console/alerts/silences/{silence_id}/delete: the window stops silencing at once."""
    silence_id = request.path_params["silence_id"]
    return await submit(request, "ConsoleDeleteSilence", "deleteSilence", {"id": silence_id}, show=silences_screen,
                        form=f"silence:{silence_id}", notice="Maintenance window deleted.")


routes = [
    Route("/alerts/silences", signed_in(silences_page), methods=["GET"], name="console_silences"),
    Route("/alerts/silences", signed_in(create_silence), methods=["POST"], name="console_create_silence"),
    Route("/alerts/silences/{silence_id}/delete", signed_in(delete_silence), methods=["POST"],
          name="console_delete_silence"),
]
