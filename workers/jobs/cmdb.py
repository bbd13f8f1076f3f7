"""CMDB jobs: discovery from recent telemetry, every five minutes, tenant by tenant."""

from __future__ import annotations

import uuid

from domain.cmdb.discovery import discover
from domain.ports import Runtime
from domain.tenants.queries import active_tenant_ids


async def discover_cmdb(ctx: dict, tenant_id: str | None = None) -> dict[str, int]:
    """Create and refresh discovered CIs and relationships; flag stale ones. One tenant, or all of them."""
    runtime: Runtime = ctx["runtime"]
    if tenant_id is None:
        async with runtime.db.transaction(tenant_id=None) as tx:
            tenants = await active_tenant_ids(tx)
    else:
        tenants = [uuid.UUID(tenant_id)]
    totals = {"tenants": len(tenants), "created": 0, "relationships_created": 0, "flagged_stale": 0}
    for tenant in tenants:
        async with runtime.db.transaction(tenant_id=tenant) as tx:
            result = await discover(tx)
        totals["created"] += result.created
        totals["relationships_created"] += result.relationships_created
        totals["flagged_stale"] += result.flagged_stale
    return totals
