"""Billing read side: what the tenant's billing page shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from domain.billing.entitlements import account_of, current_entitlements
from domain.billing.limits import api_keys_in_use, seats_in_use
from domain.billing.models import BillingAccount, BillingEvent
from domain.tenants.models import Tenant

if TYPE_CHECKING:
    from domain.uow import Transaction


@dataclass(frozen=True)
class Usage:
    """One limit of the plan and how much of it is used (``used`` None: not measured here)."""

    name: str
    limit: int
    used: int | None


@dataclass(frozen=True)
class BillingOverview:
    """The tenant's entitlements, subscription, usage and the payment events seen."""

    entitlements: dict[str, Any]
    account: BillingAccount | None
    usage: list[Usage]
    events: list[BillingEvent]


async def billing_overview(tx: Transaction, *, events: int = 20) -> BillingOverview:
    """Everything the billing page shows, read in one transaction."""
    tenant = await tx.session.get(Tenant, tx.tenant_id)
    claim = await current_entitlements(tx, tenant)
    measured = {"users": await seats_in_use(tx, with_invitations=True), "api_keys": await api_keys_in_use(tx)}
    usage = [Usage(name, int(limit), measured.get(name)) for name, limit in sorted(claim["limits"].items())]
    recent = list(await tx.session.scalars(select(BillingEvent).where(BillingEvent.tenant_id == tx.tenant_id)
                                           .order_by(BillingEvent.received_at.desc()).limit(events)))
    return BillingOverview(claim, await account_of(tx), usage, recent)
