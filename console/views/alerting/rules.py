"""Alert rules: the list, with each rule's kind, severity, service, state, version and activity."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import may
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

TEMPLATE = "alerting/rules.html"


async def rules_screen(request: Request, *, outcome: dict[str, Any] | None = None) -> Response:
    """The rule list, with the outcome of a change if there was one."""
    data, errors = await run_screen(request, "ConsoleAlertRules")
    rules = data.get("alertRules")
    context = {"rules": rules, "errors": errors, "outcome": outcome or {},
               "can_manage": may(data, "alert.manage", "alerting")}
    status = screen_status(outcome, errors, loaded=rules is not None)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def rules_page(request: Request) -> Response:
    """GET /console/alerts/rules: every rule, by name."""
    return await rules_screen(request)


routes = [
    Route("/alerts/rules", signed_in(rules_page), methods=["GET"], name="console_alert_rules"),
]
