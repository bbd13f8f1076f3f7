"""A tenant's effective entitlements: its plan (contract or subscription) + overrides + subscription state.

The ``ent`` claim carries ``version`` = the tenant's entitlement version. Every change of what a
tenant may use bumps that version and tells the tenant planes (an event on
:func:`entitlements_channel`, Redis pub/sub today; an HTTP push to a remote TP subscribes to the
same event); tokens with an older version are refused with ``ENTITLEMENTS_STALE`` on the next request.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from domain.audit import service as audit
from domain.billing.models import BillingAccount
from domain.billing.plans import PLANS, entitlements_for
from domain.clock import now as clock_now
from domain.errors import NotFound
from domain.tenants.models import Tenant

if TYPE_CHECKING:
    from domain.uow import Transaction

GRANTING = frozenset({"authenticated", "active", "pending"})  # trial/authorised, paid, retrying a charge


def entitlements_channel(tenant_id: uuid.UUID) -> str:
    """The pub/sub channel tenant planes follow for a tenant's entitlement changes."""
    return f"tenant:{tenant_id}:entitlements"


def _better(one: str, other: str) -> str:
    rank = list(PLANS)
    return max(one, other, key=lambda name: rank.index(name) if name in rank else -1)


def subscribed_plan(account: BillingAccount | None, now: datetime) -> str | None:
    """The plan the subscription grants at ``now``, or None."""
    if account is None or account.plan not in PLANS:
        return None
    status = account.status
    if status in GRANTING:
        return account.plan
    if status == "halted" and account.grace_until is not None and now < account.grace_until:
        return account.plan  # payment failed for good: access until the grace period ends
    if status == "cancelled" and account.current_end is not None and now < account.current_end:
        return account.plan  # cancelled: access until the paid period ends
    return None


def effective_plan(*, base_plan: str, account: BillingAccount | None, now: datetime) -> str:
    """The plan in force: the better of the contract plan (a floor) and what the subscription grants now."""
    granted = subscribed_plan(account, now)
    return base_plan if granted is None else _better(base_plan, granted)


async def account_of(tx: Transaction) -> BillingAccount | None:
    """The transaction tenant's billing account, if it has one."""
    return await tx.session.scalar(select(BillingAccount).where(BillingAccount.tenant_id == tx.tenant_id))


async def current_entitlements(tx: Transaction, tenant: Tenant) -> dict[str, Any]:
    """The ``ent`` claim a token issued now carries (the transaction is bound to ``tenant``)."""
    plan = effective_plan(base_plan=tenant.plan, account=await account_of(tx), now=clock_now())
    return entitlements_for(plan, overrides=tenant.plan_overrides, version=tenant.entitlements_version)


async def locked_tenant(tx: Transaction) -> Tenant:
    """The transaction's tenant, locked for update."""
    tenant = await tx.session.scalar(select(Tenant).where(Tenant.id == tx.tenant_id).with_for_update())
    if tenant is None:
        raise NotFound("No such tenant.", field="tenantId")
    return tenant


async def bump_entitlements(tx: Transaction, tenant: Tenant, *, actor: str, reason: str) -> int:
    """Record an entitlement change: new version, audit entry, and a notice to the tenant planes."""
    tenant.entitlements_version += 1
    await tx.session.flush()
    claim = await current_entitlements(tx, tenant)
    await audit.record(tx, actor=actor, action="billing.entitlements_changed", target_type="tenant",
                       target_id=str(tenant.id), data={"reason": reason, "plan": claim["plan"],
                                                       "version": tenant.entitlements_version})
    tx.emit(entitlements_channel(tenant.id), {"tenantId": str(tenant.id), "version": tenant.entitlements_version,
                                             "plan": claim["plan"], "reason": reason})
    from domain.planes import deliveries as plane_deliveries  # planes import billing lazily too

    await plane_deliveries.tenant_changed(tx, tenant, kind="tenant.entitlements")  # a remote home plane
    return tenant.entitlements_version


async def reevaluate(tx: Transaction, *, actor: str, reason: str) -> bool:
    """Recompute the tenant's plan in force now; bump the version when it changed. True if it did."""
    tenant = await locked_tenant(tx)
    account = await account_of(tx)
    if account is None:
        return False
    plan = effective_plan(base_plan=tenant.plan, account=account, now=clock_now())
    if plan == account.effective_plan:
        return False
    account.effective_plan = plan
    await bump_entitlements(tx, tenant, actor=actor, reason=reason)
    return True
