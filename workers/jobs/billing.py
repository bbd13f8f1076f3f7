"""Billing jobs: apply a Razorpay event, and the hourly tick (grace periods ending, credit periods starting)."""

from __future__ import annotations

import logging
import uuid

from domain import strict_json
from domain.billing.credits import renew_credits
from domain.billing.entitlements import reevaluate
from domain.billing.events import apply_event, parse_event
from domain.billing.service import ensure_account
from domain.ports import Runtime
from domain.tenants.queries import active_tenant_ids

log = logging.getLogger("atlas.billing")


async def razorpay_event(ctx: dict, *, tenant_id: str, event_id: str, body: str) -> str:
    """Apply one verified webhook event to its tenant (a second run finds it recorded and does nothing)."""
    runtime: Runtime = ctx["runtime"]
    event = parse_event(strict_json.loads(body.encode()), event_id=event_id)
    async with runtime.db.transaction(tenant_id=uuid.UUID(tenant_id)) as tx:
        outcome = await apply_event(tx, event=event, config=runtime.billing)
    log.info("razorpay event %s (%s) for tenant %s: %s", event_id, event.event, tenant_id, outcome)
    return outcome


async def billing_tenant_tick(runtime: Runtime, tenant_id: uuid.UUID) -> tuple[bool, str | None]:
    """One tenant: downgrade when a grace or paid period ended, renew credits when a period started."""
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        account = await ensure_account(tx)
        changed = await reevaluate(tx, actor="billing", reason="period ended")
        return changed, await renew_credits(tx, account=account)


async def billing_tick(ctx: dict) -> dict[str, int]:
    """Cron: every active tenant's billing clock (idempotent: a second run in the same hour changes nothing)."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.db.transaction(tenant_id=None) as tx:
        tenants = await active_tenant_ids(tx)
    changed = renewed = 0
    for tenant_id in tenants:
        did_change, period = await billing_tenant_tick(runtime, tenant_id)
        changed, renewed = changed + did_change, renewed + (period is not None)
    return {"tenants": len(tenants), "changed": changed, "renewed": renewed}
