"""Integrations: drop-in PagerDuty, Alertmanager and Opsgenie endpoints and heartbeat checks, each with
its copyable URL, its key (shown once), and the newest payloads it received with their outcome."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import refused, submit, text, validation
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

TEMPLATE = "alerting/integrations.html"
KINDS = {"pagerduty": "PagerDuty Events API v2", "alertmanager": "Prometheus Alertmanager webhook",
         "opsgenie": "Opsgenie Alert API"}
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")


def _base(request: Request) -> str:
    return (request.app.state.settings.public_url or str(request.base_url)).rstrip("/")


async def integrations_screen(request: Request, *, outcome: dict[str, Any] | None = None,
                              values: dict[str, Any] | None = None) -> Response:
    """The integrations screen, with the outcome of a change if there was one."""
    data, errors = await run_screen(request, "ConsoleIntegrations", {})
    status = screen_status(outcome, errors, loaded=data.get("integrations") is not None)
    context = {"data": data, "errors": errors, "outcome": outcome or {}, "kinds": KINDS, "severities": SEVERITIES,
               "values": values or {"kind": "pagerduty", "severity": "SEV2"}, "base": _base(request)}
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def integrations_page(request: Request) -> Response:
    """GET /console/alerts/integrations."""
    return await integrations_screen(request)


async def create_integration(request: Request) -> Response:
    """POST /console/alerts/integrations: the key is in this response only."""
    form = await request.form()
    values = {"name": text(form, "name"), "kind": text(form, "kind"), "service": text(form, "service"),
              "severity": text(form, "severity")}
    variables = {"input": {"name": values["name"], "kind": values["kind"], "service": values["service"] or None,
                           "severity": values["severity"] or "SEV2"}}
    return await submit(request, "ConsoleCreateIntegration", "createIntegration", variables, show=integrations_screen,
                        form="create", values=values,
                        notice=lambda ok: f"Integration {ok['integration']['name']} created.")


async def create_heartbeat(request: Request) -> Response:
    """POST /console/alerts/integrations/heartbeats: the key is in this response only."""
    form = await request.form()
    values = {"name": text(form, "name"), "interval": text(form, "interval"), "grace": text(form, "grace")}
    try:
        interval, grace = int(values["interval"] or 0), int(values["grace"] or 0)
    except ValueError:
        return await integrations_screen(request, values=values, outcome=refused(
            validation("Interval and grace are whole numbers of seconds.", "intervalSeconds"), "heartbeat"))
    variables = {"input": {"name": values["name"], "intervalSeconds": interval, "graceSeconds": grace}}
    return await submit(request, "ConsoleCreateHeartbeat", "createHeartbeat", variables, show=integrations_screen,
                        form="heartbeat", values=values,
                        notice=lambda ok: f"Heartbeat {ok['heartbeat']['name']} created.")


async def delete_integration(request: Request) -> Response:
    """POST /console/alerts/integrations/{integration_id}/delete: its key stops working at once."""
    integration_id = request.path_params["integration_id"]
    return await submit(request, "ConsoleDeleteIntegration", "deleteIntegration", {"id": integration_id},
                        show=integrations_screen, form=f"integration:{integration_id}", notice="Integration deleted.")


routes = [
    Route("/alerts/integrations", signed_in(integrations_page), methods=["GET"], name="console_integrations"),
    Route("/alerts/integrations", signed_in(create_integration), methods=["POST"],
          name="console_create_integration"),
    Route("/alerts/integrations/heartbeats", signed_in(create_heartbeat), methods=["POST"],
          name="console_create_heartbeat"),
    Route("/alerts/integrations/{integration_id}/delete", signed_in(delete_integration), methods=["POST"],
          name="console_delete_integration"),
]
