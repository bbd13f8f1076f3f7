"""The tenant's alerting policy: how alerts group into incidents, when a recurrence reopens one, how far
correlation looks."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import may, refused, submit, text, validation
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

TEMPLATE = "alerting/settings.html"
NUMBERS = {"reopen_window_minutes": "reopenWindowMinutes", "group_window_minutes": "groupWindowMinutes",
           "correlation_hops": "correlationHops", "correlation_window_minutes": "correlationWindowMinutes"}
GROUP_KEYS = {"SERVICE": "the service", "CI": "the service's CMDB CI", "OFF": "nothing (one incident per alert)"}


async def settings_screen(request: Request, *, outcome: dict[str, Any] | None = None,
                          values: dict[str, str] | None = None) -> Response:
    """The policy as saved (or the values just refused), with a change's outcome."""
    data, errors = await run_screen(request, "ConsoleAlertingSettings")
    saved = data.get("alertingSettings")
    context = {"settings": saved, "values": values or {k: str(v) for k, v in (saved or {}).items()},
               "errors": errors, "outcome": outcome or {}, "can_manage": may(data, "alert.manage", "alerting"),
               "group_keys": GROUP_KEYS}
    return await page(request, TEMPLATE, context, block="screen",
                      status_code=screen_status(outcome, errors, loaded=saved is not None))


async def settings_page(request: Request) -> Response:
    """GET /console/alerts/settings."""
    return await settings_screen(request)


def _whole(raw: str) -> int | str:
    """A whole number, or the text as typed (the API refuses it with the field's name)."""
    return int(raw) if raw.lstrip("-").isdigit() else raw


async def save_settings(request: Request) -> Response:
    """POST /console/alerts/settings: save the policy; a value out of range is shown beside its field."""
    form = await request.form()
    values = {api: text(form, name) for name, api in NUMBERS.items()} | {"groupBy": text(form, "group_by")}
    numbers = {api: _whole(values[api]) for api in NUMBERS.values()}
    if any(isinstance(v, str) for v in numbers.values()):
        field = next(api for api, v in numbers.items() if isinstance(v, str))
        outcome = refused(validation(f"{field} must be a whole number.", field), "settings")
        return await settings_screen(request, outcome=outcome, values=values)
    variables = {"input": {**numbers, "groupBy": values["groupBy"] if values["groupBy"] in GROUP_KEYS else "SERVICE"}}
    return await submit(request, "ConsoleSaveAlertingSettings", "updateAlertingSettings", variables,
                        show=settings_screen, form="settings", values=values, notice="Alerting settings saved.")


routes = [
    Route("/alerts/settings", signed_in(settings_page), methods=["GET"], name="console_alerting_settings"),
    Route("/alerts/settings", signed_in(save_settings), methods=["POST"], name="console_save_alerting_settings"),
]
