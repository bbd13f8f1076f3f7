"""Tenant-plane registry changes (platform operators): register (credential shown once), update, retry."""

from __future__ import annotations

import strawberry

from domain.planes import deliveries, registry, routing
from resolvers.errors import mutate, payload_union
from resolvers.ids import parse_id
from resolvers.planes.types import (
    PlaneDeliveriesRetried,
    RegisterTenantPlaneInput,
    TenantPlane,
    TenantPlaneChanged,
    TenantPlaneRegistered,
    UpdateTenantPlaneInput,
)

RegisterTenantPlanePayload = payload_union("RegisterTenantPlanePayload", TenantPlaneRegistered)
TenantPlaneChangePayload = payload_union("TenantPlaneChangePayload", TenantPlaneChanged)
RetryPlaneDeliveriesPayload = payload_union("RetryPlaneDeliveriesPayload", PlaneDeliveriesRetried)


async def _present(tx, plane) -> TenantPlane:
    hosted = (await registry.hosted_counts(tx)).get(plane.id, 0)
    return TenantPlane.from_model(plane, hosted=hosted, counts=(await deliveries.delivery_counts(tx)).get(plane.id))


async def register_tenant_plane(info: strawberry.Info, input: RegisterTenantPlaneInput) -> RegisterTenantPlanePayload:
    """Add a tenant plane to the registry; its credential is in the answer, this once."""
    async def change(tx) -> TenantPlaneRegistered:
        made = await registry.register_plane(tx, name=input.name, region=input.region, url=input.url,
                                             kind=input.kind, capacity=input.capacity)
        if input.endpoints is not None:
            routing.set_endpoints(made.plane, input.endpoints)
            await tx.session.flush()
        return TenantPlaneRegistered(plane=await _present(tx, made.plane), credential=made.credential)

    return await mutate(info, change, platform=True)


async def update_tenant_plane(info: strawberry.Info, id: strawberry.ID, input: UpdateTenantPlaneInput) -> \
        TenantPlaneChangePayload:
    """Change a plane's status (`draining` takes no new tenants), capacity, URL or endpoints."""
    async def change(tx) -> TenantPlaneChanged:
        plane = await registry.update_plane(tx, plane_id=parse_id(id), status=input.status,
                                            capacity=input.capacity, url=input.url)
        if input.endpoints is not None:
            routing.set_endpoints(plane, input.endpoints)
            await tx.session.flush()
        return TenantPlaneChanged(plane=await _present(tx, plane))

    return await mutate(info, change, platform=True)


async def retry_plane_deliveries(info: strawberry.Info, id: strawberry.ID) -> RetryPlaneDeliveriesPayload:
    """Send a plane's failed and waiting deliveries again now (e.g. after fixing the plane)."""
    async def change(tx) -> PlaneDeliveriesRetried:
        plane = await registry.update_plane(tx, plane_id=parse_id(id))
        requeued = await deliveries.retry_failed(tx, plane_id=plane.id)
        tx.enqueue(deliveries.SEND_JOB)
        return PlaneDeliveriesRetried(plane=await _present(tx, plane), requeued=requeued)

    return await mutate(info, change, platform=True)
