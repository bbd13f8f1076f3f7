"""Webhook targets: list, create (the signing secret is shown once), delete; recent deliveries."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.guard import signed_in
from console.views.alert_rules import can_manage
from console.views.screens import page, run_mutation, run_screen, scope, screen_status, text

TEMPLATE = "alerts/targets.html"


def deliveries_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Recent deliveries, each with its target's name (a deleted target's deliveries are gone with it)."""
    names = {target["id"]: target["name"] for target in data.get("notificationTargets") or ()}
    return [{**delivery, "target": names.get(delivery["targetId"], delivery["targetId"])}
            for delivery in data.get("webhookDeliveries") or ()]


async def targets_screen(
    request: Request, *, outcome: dict[str, Any] | None = None, values: dict[str, str] | None = None,
) -> Response:
    """The targets, their deliveries and the form for a new one, with a change's outcome."""
    data, errors = await run_screen(request, "ConsoleNotificationTargets")
    targets = data.get("notificationTargets")
    context = {"targets": targets, "deliveries": deliveries_of(data), "errors": errors, "outcome": outcome or {},
               "can_manage": can_manage(data), "values": values or {"name": "", "url": ""}}
    status = screen_status(outcome, errors, loaded=targets is not None)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def targets_page(request: Request) -> Response:
    """GET /console/alerts/targets: webhook targets and their last 50 deliveries."""
    return await targets_screen(request)


async def create_target(request: Request) -> Response:
    """POST /console/alerts/targets: a new webhook; its signing secret is in this response only."""
    form = await request.form()
    values = {"name": text(form, "name"), "url": text(form, "url")}
    outcome = scope(await run_mutation(request, "ConsoleCreateNotificationTarget", "createNotificationTarget",
                                       values), "create")
    if outcome["ok"]:
        outcome["notice"] = f"Webhook {outcome['ok']['target']['name']} created."
        return await targets_screen(request, outcome=outcome)
    return await targets_screen(request, outcome=outcome, values=values)


async def delete_target(request: Request) -> Response:
    """POST /console/alerts/targets/{target_id}/delete: rules stop notifying it."""
    target_id = request.path_params["target_id"]
    outcome = scope(await run_mutation(request, "ConsoleDeleteNotificationTarget", "deleteNotificationTarget",
                                       {"id": target_id}), f"target:{target_id}")
    if outcome["ok"]:
        outcome["notice"] = "Webhook deleted."
    return await targets_screen(request, outcome=outcome)


routes = [
    Route("/alerts/targets", signed_in(targets_page), methods=["GET"], name="console_notification_targets"),
    Route("/alerts/targets", signed_in(create_target), methods=["POST"], name="console_create_notification_target"),
    Route("/alerts/targets/{target_id}/delete", signed_in(delete_target), methods=["POST"],
          name="console_delete_notification_target"),
]
