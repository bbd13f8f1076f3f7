"""AI credit periods: at each billing period's start, ask the AI credit ledger to renew the tenant's credits.

The ledger (domain/ai, another issue) owns the credits; billing only says "a period started" by
enqueuing the job ``ai_credits_renewed(tenant_id, period_key, credits_granted)`` through the outbox,
with the job id ``ai_credits_renewed:<tenant>:<period_key>`` so a period is renewed once.
A subscribed tenant's period starts with its subscription's current period; any other tenant's
with the calendar month.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from domain.billing.entitlements import GRANTING, current_entitlements
from domain.billing.models import BillingAccount
from domain.clock import now as clock_now
from domain.tenants.models import Tenant

if TYPE_CHECKING:
    from domain.uow import Transaction

RENEW_JOB = "ai_credits_renewed"


def period_key(account: BillingAccount | None, now: datetime) -> str:
    """The key of the credit period running at ``now``."""
    if account is not None and account.status in GRANTING and account.current_start is not None:
        return f"{account.provider_subscription_id}:{account.current_start:%Y-%m-%dT%H:%M}"
    return f"{now:%Y-%m}"


async def renew_credits(tx: Transaction, *, account: BillingAccount) -> str | None:
    """Enqueue the credit renewal of the period running now, unless it was already asked for."""
    key = period_key(account, clock_now())
    if account.credits_period_key == key:
        return None
    tenant = await tx.session.get(Tenant, tx.tenant_id)
    claim = await current_entitlements(tx, tenant)
    account.credits_period_key = key
    granted = int(claim["limits"].get("ai_credits_per_month", 0))
    if granted > 0:  # a plan without AI credits has nothing to renew
        tx.enqueue(RENEW_JOB, tenant_id=str(tx.tenant_id), period_key=key, credits_granted=granted,
                   job_id=f"{RENEW_JOB}:{tx.tenant_id}:{key}")
    return key
