"""Housekeeping jobs: keep tables within their retention."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from domain.audit import service as audit
from domain.ports import Runtime
from domain.tenants.queries import active_tenant_ids

Prune = Callable[..., Awaitable[int]]  # prune(tx, older_than=datetime) -> rows deleted


async def prune_each_tenant(runtime: Runtime, tenant_id: str | None, prune: Prune, *, days: int) -> int:
    """Run ``prune(tx, older_than=...)`` for one tenant (``tenant_id``) or every active one, each in its own
    transaction; return how many rows went."""
    cutoff = datetime.now(UTC) - timedelta(days=days)
    if tenant_id is not None:
        tenants = [uuid.UUID(tenant_id)]
    else:
        async with runtime.db.transaction(tenant_id=None) as tx:
            tenants = await active_tenant_ids(tx)
    pruned = 0
    for tenant in tenants:
        async with runtime.db.transaction(tenant_id=tenant) as tx:
            pruned += await prune(tx, older_than=cutoff)
    return pruned


async def prune_audit_events(ctx: dict, tenant_id: str | None = None) -> int:
    """Delete audit events older than the retention, for one tenant or all; return how many."""
    runtime: Runtime = ctx["runtime"]
    return await prune_each_tenant(runtime, tenant_id, audit.prune, days=runtime.settings.audit_retention_days)


async def prune_all_audit_events(ctx: dict) -> int:
    """Cron entry point: prune every tenant."""
    return await prune_audit_events(ctx)
