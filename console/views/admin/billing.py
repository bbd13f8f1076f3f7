"""Billing: the plan in force, the subscription (with its checkout link), usage, invoices and payments seen."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

CANCELLED = "Subscription cancelled; the plan stays until the period ends."
LIVE = ("created", "authenticated", "active", "pending", "halted")


async def _screen(request: Request, *, outcome: dict[str, Any] | None = None) -> Response:
    """The billing screen, with the outcome of a change if there was one."""
    data, errors = await run_screen(request, "ConsoleBilling", {})
    status = screen_status(outcome, errors, loaded=bool(data.get("billing")))
    subscription = (data.get("billing") or {}).get("subscription") or {}
    context = {"data": data, "errors": errors, "outcome": outcome or {}, "live": subscription.get("status") in LIVE,
               "paid_plans": [p["name"] for p in data.get("plans") or [] if p["name"] != "free"]}
    return await page(request, "admin/billing.html", context, block="screen", status_code=status)


async def billing_page(request: Request) -> Response:
    """GET /console/admin/billing."""
    return await _screen(request)


async def subscribe(request: Request) -> Response:
    """POST /console/admin/billing/subscribe: start a subscription (Razorpay: pay at the checkout link)."""
    plan = text(await request.form(), "plan")
    return await submit(request, "ConsoleSubscribe", "subscribe", {"plan": plan}, show=_screen, form="subscribe",
                        notice=lambda ok: f"Subscribed to {ok['subscription']['plan']} "
                                          f"({ok['subscription']['status']}).")


async def change_plan(request: Request) -> Response:
    """POST /console/admin/billing/change: move the subscription to another plan now."""
    plan = text(await request.form(), "plan")
    return await submit(request, "ConsoleChangePlan", "changePlan", {"plan": plan}, show=_screen, form="change",
                        notice=lambda ok: f"The subscription is now on {ok['subscription']['plan']}.")


async def cancel(request: Request) -> Response:
    """POST /console/admin/billing/cancel: cancel at the end of the paid period."""
    return await submit(request, "ConsoleCancelSubscription", "cancelSubscription", {}, show=_screen,
                        form="cancel", notice=CANCELLED)


routes = [
    Route("/admin/billing", signed_in(billing_page), methods=["GET"], name="console_billing"),
    Route("/admin/billing/subscribe", signed_in(subscribe), methods=["POST"], name="console_billing_subscribe"),
    Route("/admin/billing/change", signed_in(change_plan), methods=["POST"], name="console_billing_change"),
    Route("/admin/billing/cancel", signed_in(cancel), methods=["POST"], name="console_billing_cancel"),
]
