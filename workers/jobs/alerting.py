"""Alerting jobs: the once-a-minute tick (windowed rules, quiet alerts) and webhook deliveries."""

from __future__ import annotations

import uuid

from arq import Retry

from domain.alerting.delivery import MAX_TRIES, RetryLater, send_delivery
from domain.alerting.evaluation import resolve_quiet_alerts
from domain.alerting.windows import evaluate_windowed_rules
from domain.integrations.heartbeats import expire_heartbeats
from domain.ports import Runtime
from domain.tenants.queries import active_tenant_ids


async def alerting_tick(ctx: dict) -> dict[str, int]:
    """For every tenant: evaluate windowed rules, resolve alerts that went quiet, expire missed heartbeats."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.db.transaction(tenant_id=None) as tx:
        tenants = await active_tenant_ids(tx)
    changed = resolved = expired = 0
    for tenant_id in tenants:
        changed += await evaluate_tenant(runtime, tenant_id)
        async with runtime.db.transaction(tenant_id=tenant_id) as tx:
            resolved += await resolve_quiet_alerts(tx)
        async with runtime.db.transaction(tenant_id=tenant_id) as tx:
            expired += await expire_heartbeats(tx)
    return {"tenants": len(tenants), "changed": changed, "resolved": resolved, "heartbeats_expired": expired}


async def evaluate_tenant(runtime: Runtime, tenant_id: uuid.UUID) -> int:
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        return await evaluate_windowed_rules(tx)


async def deliver_webhook(ctx: dict, tenant_id: str, delivery_id: str) -> str:
    """Send one delivery; retried with backoff by arq (max_tries) on errors and non-2xx answers."""
    runtime: Runtime = ctx["runtime"]
    attempt = ctx.get("job_try", 1)
    try:
        return await send_delivery(runtime, tenant_id=uuid.UUID(tenant_id), delivery_id=uuid.UUID(delivery_id),
                                   attempt=attempt, final=attempt >= MAX_TRIES)
    except RetryLater as later:
        raise Retry(defer=later.seconds) from None
