"""Webhook targets: list, create (the signing secret is shown once), what each hears of, send test, delete;
recent deliveries."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import choices, may, submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

TEMPLATE = "alerting/targets.html"
EVENT_TYPES = {"INCIDENT_CREATED": "created", "INCIDENT_ACKNOWLEDGED": "acknowledged",
               "INCIDENT_ESCALATED": "escalated (priority raised)", "INCIDENT_SEVERITY_CHANGED": "severity changed",
               "INCIDENT_RESOLVED": "resolved", "INCIDENT_REOPENED": "reopened", "INCIDENT_CLOSED": "closed",
               "INCIDENT_SLA_WARNING": "SLA warning", "INCIDENT_SLA_BREACHED": "SLA breached"}
SCOPES = {"ALL_INCIDENTS": "every incident", "RULE_INCIDENTS": "incidents of rules that notify it"}


def deliveries_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Recent deliveries, each with its target's name (a deleted target's deliveries are gone with it)."""
    names = {target["id"]: target["name"] for target in data.get("notificationTargets") or ()}
    return [{**delivery, "target": names.get(delivery["targetId"], delivery["targetId"])}
            for delivery in data.get("webhookDeliveries") or ()]


def subscription(form: FormData) -> dict[str, Any]:
    """The ``NotificationTargetInput`` a form describes (unknown choices are left for the API to refuse)."""
    chosen_scope = text(form, "scope")
    return {"eventTypes": choices(form, "event_types"), "enabled": text(form, "enabled") != "off",
            "scope": chosen_scope if chosen_scope in SCOPES else "ALL_INCIDENTS"}


async def targets_screen(
    request: Request, *, outcome: dict[str, Any] | None = None, values: dict[str, Any] | None = None,
) -> Response:
    """The targets, their deliveries and the form for a new one, with a change's outcome."""
    data, errors = await run_screen(request, "ConsoleNotificationTargets")
    targets = data.get("notificationTargets")
    context = {"targets": targets, "deliveries": deliveries_of(data), "errors": errors, "outcome": outcome or {},
               "can_manage": may(data, "alert.manage", "alerting"), "event_types": EVENT_TYPES, "scopes": SCOPES,
               "values": values or {"name": "", "url": "", "eventTypes": list(EVENT_TYPES), "scope": "ALL_INCIDENTS"}}
    status = screen_status(outcome, errors, loaded=targets is not None)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def targets_page(request: Request) -> Response:
    """GET /console/alerts/targets: webhook targets and their last 50 deliveries."""
    return await targets_screen(request)


async def create_target(request: Request) -> Response:
    """POST /console/alerts/targets: a new webhook; its signing secret is in this response only."""
    form = await request.form()
    values = {"name": text(form, "name"), "url": text(form, "url"), **subscription(form)}
    variables = {"name": values["name"], "url": values["url"], "subscription": subscription(form)}
    return await submit(request, "ConsoleCreateNotificationTarget", "createNotificationTarget", variables,
                        show=targets_screen, form="create", values=values,
                        notice=lambda ok: f"Webhook {ok['target']['name']} created.")


async def update_target(request: Request) -> Response:
    """POST /console/alerts/targets/{target_id}: change what it hears of, and whether it is enabled."""
    target_id = request.path_params["target_id"]
    variables = {"id": target_id, "subscription": subscription(await request.form())}
    return await submit(request, "ConsoleUpdateNotificationTarget", "updateNotificationTarget", variables,
                        show=targets_screen, form=f"target:{target_id}",
                        notice=lambda ok: f"Webhook {ok['target']['name']} saved.")


def describe_test(delivery: dict[str, Any]) -> str:
    """How a test delivery went, in a sentence."""
    answer = f"HTTP {delivery['lastStatusCode']}" if delivery["lastStatusCode"] else delivery["lastError"]
    return f"Test {delivery['status']}: {answer}." if answer else f"Test {delivery['status']}."


async def send_test(request: Request) -> Response:
    """POST /console/alerts/targets/{target_id}/test: send a test delivery now and show how it went."""
    target_id = request.path_params["target_id"]

    def tested(ok: dict[str, Any]) -> dict[str, Any]:
        delivery = ok["delivery"]
        return {"test": {"target": target_id, "status": delivery["status"], "text": describe_test(delivery)}}

    return await submit(request, "ConsoleSendTestNotification", "sendTestNotification", {"id": target_id},
                        show=targets_screen, form=f"target:{target_id}", more=tested)


async def delete_target(request: Request) -> Response:
    """POST /console/alerts/targets/{target_id}/delete: rules stop notifying it."""
    target_id = request.path_params["target_id"]
    return await submit(request, "ConsoleDeleteNotificationTarget", "deleteNotificationTarget", {"id": target_id},
                        show=targets_screen, form=f"target:{target_id}", notice="Webhook deleted.")


routes = [
    Route("/alerts/targets", signed_in(targets_page), methods=["GET"], name="console_notification_targets"),
    Route("/alerts/targets", signed_in(create_target), methods=["POST"], name="console_create_notification_target"),
    Route("/alerts/targets/{target_id}", signed_in(update_target), methods=["POST"],
          name="console_update_notification_target"),
    Route("/alerts/targets/{target_id}/test", signed_in(send_test), methods=["POST"],
          name="console_test_notification_target"),
    Route("/alerts/targets/{target_id}/delete", signed_in(delete_target), methods=["POST"],
          name="console_delete_notification_target"),
]
