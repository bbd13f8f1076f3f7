"""Copilot jobs: keep conversations within their retention (ATLAS_COPILOT_RETENTION_DAYS)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from domain.copilot import service as copilot
from domain.ports import Runtime
from domain.tenants.queries import active_tenant_ids


async def prune_copilot_conversations(ctx: dict, tenant_id: str | None = None) -> int:
    """Delete conversations untouched for longer than the retention, for one tenant or all; how many."""
    runtime: Runtime = ctx["runtime"]
    cutoff = datetime.now(UTC) - timedelta(days=runtime.settings.copilot_retention_days)
    if tenant_id is not None:
        tenants = [uuid.UUID(tenant_id)]
    else:
        async with runtime.db.transaction(tenant_id=None) as tx:
            tenants = await active_tenant_ids(tx)
    pruned = 0
    for tenant in tenants:
        async with runtime.db.transaction(tenant_id=tenant) as tx:
            pruned += await copilot.prune(tx, older_than=cutoff)
    return pruned


async def prune_all_copilot_conversations(ctx: dict) -> int:
    """Cron entry point: prune every tenant."""
    return await prune_copilot_conversations(ctx)
