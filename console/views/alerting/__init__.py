"""Alerting: rules (with the editor and dry runs), maintenance windows, webhook targets, integrations and
heartbeats, and the settings.

Each screen lives in its own module; this one gathers their routes, and sends /console/alerts (the
user-facing URLs say "alerts") to the rules.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import path
from console.guard import go_to, signed_in
from console.views.alerting import editor, integrations, rules, settings, silences, targets


async def alerts_home(request: Request) -> Response:
    """GET /console/alerts: alerting opens on the rules."""
    return go_to(request, path(request, "console_alert_rules"))


routes = [
    Route("/alerts", signed_in(alerts_home), methods=["GET"], name="console_alerts"),
    *rules.routes,
    *editor.routes,
    *silences.routes,
    *targets.routes,
    *settings.routes,
    *integrations.routes,
]
