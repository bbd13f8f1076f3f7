"""Tenant-plane registry reads (platform operators): the planes, and the deliveries to them."""

from __future__ import annotations

import strawberry

from domain.planes import deliveries, registry
from resolvers.ids import parse_id
from resolvers.pagination import Connection, connection
from resolvers.planes.types import PlaneDelivery, TenantPlane


async def planes_with_counts(tx) -> list[TenantPlane]:
    """Every plane with how many tenants it hosts and its waiting deliveries (three queries in all)."""
    hosted = await registry.hosted_counts(tx)
    counts = await deliveries.delivery_counts(tx)
    return [TenantPlane.from_model(p, hosted=hosted.get(p.id, 0), counts=counts.get(p.id))
            for p in await registry.list_planes(tx)]


async def resolve_tenant_planes(info: strawberry.Info) -> list[TenantPlane]:
    """Every registered tenant plane, by region and name."""
    async with info.context.platform_transaction() as tx:
        return await planes_with_counts(tx)


async def resolve_plane_deliveries(
    info: strawberry.Info, plane_id: strawberry.ID | None = None, tenant_id: strawberry.ID | None = None,
    status: str | None = None, first: int | None = 50, after: str | None = None,
) -> Connection[PlaneDelivery]:
    """Control plane -> tenant plane pushes, newest first, by plane, tenant and status."""
    plane = parse_id(plane_id, field="planeId") if plane_id else None
    tenant = parse_id(tenant_id, field="tenantId") if tenant_id else None
    async with info.context.platform_transaction() as tx:
        page = await deliveries.list_deliveries(tx, plane_id=plane, tenant_id=tenant, status=status, first=first,
                                                after=after)
    return connection(page, PlaneDelivery.from_model)
