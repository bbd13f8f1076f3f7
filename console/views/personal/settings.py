"""/console/settings: the person's time zone (every time in the console is shown in it) and theme."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import run_mutation, scope, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status
from domain.members.settings import THEMES, time_zone_names


async def settings_screen(request: Request, *, outcome: dict[str, Any] | None = None,
                          values: dict[str, Any] | None = None) -> Response:
    """The settings form, with the outcome of a change and the values just submitted."""
    data, errors = await run_screen(request, "ConsoleMySettings")
    viewer = data.get("viewer") or {}
    context = {"viewer": viewer, "now": datetime.now(UTC).isoformat(), "errors": errors, "outcome": outcome,
               "zones": time_zone_names(), "themes": THEMES,
               "values": values or {"timeZone": viewer.get("timeZone"), "theme": viewer.get("theme")}}
    return await page(request, "personal/settings.html", context, block="settings",
                      status_code=screen_status(outcome, errors, loaded=bool(viewer)))


async def show_settings(request: Request) -> Response:
    """GET /console/settings."""
    return await settings_screen(request)


async def save_settings(request: Request) -> Response:
    """POST /console/settings: save the time zone and theme (the API checks both)."""
    form = await request.form()
    values = {"timeZone": text(form, "time_zone"), "theme": text(form, "theme")}
    outcome = scope(await run_mutation(request, "ConsoleUpdateMySettings", "updateMySettings", {"input": values}),
                    "settings")
    saved = outcome["ok"]
    if saved is None:
        return await settings_screen(request, outcome=outcome, values=values)
    # this very page already shows the new zone and theme
    request.state.principal = replace(request.state.principal, time_zone=saved["timeZone"], theme=saved["theme"])
    notice = f"Saved: times are shown in {saved['timeZone']}; theme {saved['theme']}."
    return await settings_screen(request, outcome={**outcome, "notice": notice})


routes = [
    Route("/settings", signed_in(show_settings), methods=["GET"], name="console_settings"),
    Route("/settings", signed_in(save_settings), methods=["POST"], name="console_save_settings"),
]
