"""Policy job: record in every tenant the newly published version it runs."""

from __future__ import annotations

from domain.policies.service import apply_version
from domain.ports import Runtime
from domain.tenants.queries import active_tenant_ids


async def policy_published(ctx: dict, *, version: int) -> int:
    """Apply policy ``version`` to every active tenant (a second run changes nothing); returns how many moved."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.db.transaction(tenant_id=None) as tx:
        tenants = await active_tenant_ids(tx)
    moved = 0
    for tenant_id in tenants:
        async with runtime.db.transaction(tenant_id=tenant_id) as tx:
            moved += await apply_version(tx, version=version)
    return moved
