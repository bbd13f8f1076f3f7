"""Alerting: rules (with the editor and dry runs), maintenance windows, webhook targets and the settings.

Each screen lives in its own module (alert_rules, alert_rule_editor, alert_silences, alert_targets);
this one gathers their routes, and sends /console/alerts to the rules.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.guard import go_to, signed_in
from console.views import alert_rule_editor, alert_rules, alert_settings, alert_silences, alert_targets


async def alerts_home(request: Request) -> Response:
    """GET /console/alerts: alerting opens on the rules."""
    return go_to(request, str(request.app.url_path_for("console_alert_rules")))


routes = [
    Route("/alerts", signed_in(alerts_home), methods=["GET"], name="console_alerts"),
    *alert_rules.routes,
    *alert_rule_editor.routes,
    *alert_silences.routes,
    *alert_targets.routes,
    *alert_settings.routes,
]
