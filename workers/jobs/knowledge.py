"""Knowledge jobs: (re)index one source after it changed; re-embed a tenant's chunks after a model change."""

from __future__ import annotations

import uuid

from domain.knowledge.indexing import index_source, reembed_stale
from domain.knowledge.models import SOURCES
from domain.ports import Runtime


async def index_knowledge(ctx: dict, *, tenant_id: str, source: str, source_id: str) -> int:
    """Rebuild the chunks of one article or incident from its current text; returns the chunk count."""
    runtime: Runtime = ctx["runtime"]
    if source not in SOURCES:
        return 0
    return await index_source(gateway=runtime.ai, db=runtime.db, tenant_id=uuid.UUID(tenant_id), source=source,
                              source_id=uuid.UUID(source_id))


async def reembed_knowledge(ctx: dict, *, tenant_id: str) -> int:
    """Re-embed the tenant's chunks made by another model than its current embedding model."""
    runtime: Runtime = ctx["runtime"]
    return await reembed_stale(gateway=runtime.ai, db=runtime.db, tenant_id=uuid.UUID(tenant_id))


async def index_resolved_incidents(ctx: dict, tenant_id: str | None = None) -> int:
    """Index resolved incidents (with their postmortems) not indexed since they changed; one tenant or all."""
    from domain.knowledge.indexing import stale_incidents
    from domain.tenants.queries import active_tenant_ids

    runtime: Runtime = ctx["runtime"]
    if tenant_id is None:
        async with runtime.db.transaction(tenant_id=None) as tx:
            tenants = await active_tenant_ids(tx)
    else:
        tenants = [uuid.UUID(tenant_id)]
    done = 0
    for tenant in tenants:
        async with runtime.db.transaction(tenant_id=tenant) as tx:
            incidents = await stale_incidents(tx)
        for incident in incidents:
            await index_source(gateway=runtime.ai, db=runtime.db, tenant_id=tenant, source="incident",
                               source_id=incident)
            done += 1
    return done
