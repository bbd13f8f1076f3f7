"""Razorpay through its official client: subscriptions, invoices and webhook signatures.

The client is synchronous (requests); calls run in a thread. ``base_url`` points it at a local
fake server in tests. Webhook bodies are verified over the raw bytes with the webhook secret
(and, during a rotation, the previous one).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import razorpay
import requests
from razorpay.errors import BadRequestError, GatewayError, ServerError, SignatureVerificationError

from domain.billing.providers import Invoice, ProviderUnavailable

TOTAL_CYCLES = 120  # Razorpay needs a cycle count: ten years of monthly charges
TIMEOUT = 10.0  # seconds per call: the client itself sets none


class _TimedSession(requests.Session):
    """A requests session that never waits forever on Razorpay."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


def signature_valid(body: bytes, signature: str | None, secrets: tuple[str, ...]) -> bool:
    """Whether ``signature`` (X-Razorpay-Signature) is the HMAC-SHA256 of ``body`` under one of ``secrets``."""
    if not signature or not secrets:
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    utility = razorpay.Utility(None)
    for secret in secrets:
        try:
            utility.verify_webhook_signature(text, signature, secret)
            return True
        except SignatureVerificationError:
            continue
    return False


class RazorpayProvider:
    """Subscriptions on Razorpay (hosted checkout: the entity's ``short_url``)."""

    name = "razorpay"

    def __init__(self, *, key_id: str, key_secret: str, base_url: str = "https://api.razorpay.com") -> None:
        self.client = razorpay.Client(session=_TimedSession(), auth=(key_id, key_secret), base_url=base_url)

    async def _call(self, method, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(method, *args)
        except BadRequestError as exc:
            raise ProviderUnavailable(f"Razorpay refused the request: {exc}", field="plan") from None
        except (GatewayError, ServerError, requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable(f"Razorpay is unavailable: {exc}") from None

    async def create_subscription(self, *, plan_id: str, tenant_id: uuid.UUID, email: str | None) -> dict[str, Any]:
        data = {"plan_id": plan_id, "total_count": TOTAL_CYCLES, "customer_notify": 1, "quantity": 1,
                "notes": {"tenant_id": str(tenant_id)}}
        if email:
            data["notify_info"] = {"notify_email": email}
        return await self._call(self.client.subscription.create, data)

    async def change_plan(self, *, subscription_id: str, plan_id: str) -> dict[str, Any]:
        return await self._call(self.client.subscription.edit, subscription_id,
                                {"plan_id": plan_id, "schedule_change_at": "now"})

    async def cancel(self, *, subscription_id: str, at_period_end: bool) -> dict[str, Any]:
        return await self._call(self.client.subscription.cancel, subscription_id,
                                {"cancel_at_cycle_end": 1 if at_period_end else 0})

    async def invoices(self, *, subscription_id: str) -> list[Invoice]:
        page = await self._call(self.client.invoice.all, {"subscription_id": subscription_id})
        return [_invoice(item) for item in page.get("items", [])]


def _invoice(item: dict[str, Any]) -> Invoice:
    issued = item.get("issued_at") or item.get("created_at")
    return Invoice(id=str(item["id"]), status=str(item.get("status", "")), amount=int(item.get("amount") or 0),
                   currency=str(item.get("currency") or "INR"),
                   issued_at=datetime.fromtimestamp(issued, UTC) if issued else None,
                   payment_id=item.get("payment_id"))
