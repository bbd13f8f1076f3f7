"""Billing providers: the interface the billing rules call, and the local provider (no network).

A provider creates, changes and cancels subscriptions and lists their invoices. Razorpay's lives in
domain/billing/razorpay.py; the local one grants at once (development, demos, tests) and keeps its
subscriptions in memory, shaped like Razorpay's entities so the same rules apply both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from domain.errors import DomainError

PERIOD = timedelta(days=30)


class ProviderUnavailable(DomainError):
    """The billing provider did not answer, or refused the request (its message says why); nothing changed."""

    code = "BILLING_PROVIDER_UNAVAILABLE"


@dataclass(frozen=True)
class Invoice:
    """An invoice (or payment) the provider issued for a subscription."""

    id: str
    status: str
    amount: int  # in the currency's smallest unit (paise)
    currency: str
    issued_at: datetime | None
    payment_id: str | None = None


@dataclass(frozen=True)
class BillingConfig:
    """How a process bills: its provider, the grace period, and Razorpay plan ids per plan name."""

    provider: BillingProvider
    grace_days: int = 7
    plan_ids: dict[str, str] = field(default_factory=dict)  # plan name -> provider plan id
    webhook_secrets: tuple[str, ...] = ()  # current first; the previous one stays valid while rotating

    def plan_named_by(self, provider_plan_id: str | None) -> str | None:
        """The plan name for a provider plan id, or None."""
        return next((name for name, pid in self.plan_ids.items() if pid == provider_plan_id), None)


class BillingProvider(Protocol):
    """What the billing rules need from a payment provider. Entities come back Razorpay-shaped."""

    name: str

    async def create_subscription(self, *, plan_id: str, tenant_id: uuid.UUID, email: str | None) -> dict[str, Any]: ...

    async def change_plan(self, *, subscription_id: str, plan_id: str) -> dict[str, Any]: ...

    async def cancel(self, *, subscription_id: str, at_period_end: bool) -> dict[str, Any]: ...

    async def invoices(self, *, subscription_id: str) -> list[Invoice]: ...


class LocalProvider:
    """Grants at once: a new subscription is active for 30 days (its "checkout" needs no payment)."""

    name = "local"

    def __init__(self) -> None:
        self.subscriptions: dict[str, dict[str, Any]] = {}

    async def create_subscription(self, *, plan_id: str, tenant_id: uuid.UUID, email: str | None) -> dict[str, Any]:
        now = datetime.now(UTC)
        sub_id = f"sub_local{uuid.uuid4().hex[:14]}"
        self.subscriptions[sub_id] = entity = {
            "id": sub_id, "entity": "subscription", "plan_id": plan_id, "status": "active",
            "current_start": int(now.timestamp()), "current_end": int((now + PERIOD).timestamp()),
            "short_url": None, "notes": {"tenant_id": str(tenant_id)},
        }
        return dict(entity)

    async def change_plan(self, *, subscription_id: str, plan_id: str) -> dict[str, Any]:
        entity = self._known(subscription_id)
        entity["plan_id"] = plan_id
        return dict(entity)

    async def cancel(self, *, subscription_id: str, at_period_end: bool) -> dict[str, Any]:
        entity = self._known(subscription_id)
        entity["status"] = "cancelled"
        if not at_period_end:
            entity["current_end"] = int(datetime.now(UTC).timestamp())
        return dict(entity)

    async def invoices(self, *, subscription_id: str) -> list[Invoice]:
        entity = self.subscriptions.get(subscription_id)
        if entity is None:
            return []
        issued = datetime.fromtimestamp(entity["current_start"], UTC)
        return [Invoice(id=f"inv_{subscription_id[4:]}", status="paid", amount=0, currency="INR", issued_at=issued)]

    def _known(self, subscription_id: str) -> dict[str, Any]:
        entity = self.subscriptions.get(subscription_id)
        if entity is None:  # e.g. the process restarted: the local provider keeps nothing
            entity = self.subscriptions[subscription_id] = {"id": subscription_id, "entity": "subscription",
                                                            "status": "active", "notes": {}}
        return entity
