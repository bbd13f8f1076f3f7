"""Tenant queries: the caller's tenant, and every tenant for platform operators."""

from __future__ import annotations

import strawberry

from domain.tenants.queries import list_tenants, tenant_by_id
from resolvers.pagination import Connection, connection
from resolvers.tenants.types import Tenant


async def resolve_tenant(info: strawberry.Info) -> Tenant:
    """The tenant the caller is signed in to."""
    async with info.context.transaction() as tx:
        return Tenant.from_model(await tenant_by_id(tx, tx.tenant_id))


async def resolve_tenants(
    info: strawberry.Info, first: int | None = 50, after: str | None = None,
    status: str | None = None, search: str | None = None,
) -> Connection[Tenant]:
    """All tenants, newest first (platform operators)."""
    async with info.context.platform_transaction() as tx:
        page = await list_tenants(tx, status=status, search=search, first=first, after=after)
    return connection(page, Tenant.from_model)
