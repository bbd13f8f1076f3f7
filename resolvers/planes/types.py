"""GraphQL types of the tenant-plane registry and the control plane's deliveries to tenant planes."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.planes.models import PlaneDelivery as PlaneDeliveryModel
from domain.planes.models import TenantPlane as TenantPlaneModel


@strawberry.type(description="A tenant-plane deployment in the control plane's registry (platform operators).")
class TenantPlane:
    id: strawberry.ID
    name: str = strawberry.field(description="Also the audience of the tokens of the tenants it hosts.")
    region: str
    url: str = strawberry.field(description="Its public base URL: sign-in sends the tenant's users there.")
    kind: str = strawberry.field(description="`shared`, `dedicated`, `byoc` or `on-prem`.")
    status: str = strawberry.field(description="`active`, `draining` (takes no new tenants) or `offline`.")
    capacity: int = strawberry.field(description="How many tenants it may host.")
    hosted: int = strawberry.field(description="How many tenants it hosts.")
    version: str = strawberry.field(description="The version it reported in its last heartbeat.")
    last_heartbeat_at: datetime | None
    pending_deliveries: int = strawberry.field(description="Pushes waiting to reach it (retried with backoff).")
    failed_deliveries: int = strawberry.field(description="Pushes that gave up (see `retryPlaneDeliveries`).")
    endpoints: strawberry.scalars.JSON = strawberry.field(
        description="More endpoints of the plane by region (`{\"eu-central\": \"https://...\"}`); sign-in picks "
                    "one from the region-hint header.")
    created_at: datetime

    @classmethod
    def from_model(cls, plane: TenantPlaneModel, *, hosted: int = 0, counts: dict[str, int] | None = None) \
            -> TenantPlane:
        counts = counts or {}
        return cls(id=strawberry.ID(str(plane.id)), name=plane.name, region=plane.region, url=plane.url,
                   kind=plane.kind, status=plane.status, capacity=plane.capacity, hosted=hosted,
                   version=plane.version, last_heartbeat_at=plane.last_heartbeat_at,
                   pending_deliveries=counts.get("pending", 0), failed_deliveries=counts.get("failed", 0),
                   endpoints=(plane.details or {}).get("endpoints", {}), created_at=plane.created_at)


@strawberry.type(description="A tenant plane just registered, with its credential (shown this once).")
class TenantPlaneRegistered:
    plane: TenantPlane
    credential: str = strawberry.field(description="`atp_...`: the plane's own credential for heartbeats "
                                                   "(ATLAS_PLANE_CREDENTIAL). Only a hash is kept.")


@strawberry.type
class TenantPlaneChanged:
    plane: TenantPlane


@strawberry.type
class PlaneDeliveriesRetried:
    plane: TenantPlane
    requeued: int


@strawberry.type(description="One control plane -> tenant plane push, kept until the plane confirms it.")
class PlaneDelivery:
    id: strawberry.ID
    plane_id: strawberry.ID
    tenant_id: strawberry.ID | None = strawberry.field(description="The tenant it is about (none: plane-wide).")
    kind: str
    key: str = strawberry.field(description="The idempotency key the plane applies it by.")
    status: str = strawberry.field(description="`pending`, `delivered` or `failed`.")
    attempts: int
    next_attempt_at: datetime
    last_error: str
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def from_model(cls, row: PlaneDeliveryModel) -> PlaneDelivery:
        return cls(id=strawberry.ID(str(row.id)), plane_id=strawberry.ID(str(row.plane_id)),
                   tenant_id=strawberry.ID(str(row.about_tenant_id)) if row.about_tenant_id else None,
                   kind=row.kind, key=row.key, status=row.status, attempts=row.attempts,
                   next_attempt_at=row.next_attempt_at, last_error=row.last_error, delivered_at=row.delivered_at,
                   created_at=row.created_at)


@strawberry.input(description="A new tenant plane (platform operators only).")
class RegisterTenantPlaneInput:
    name: str
    region: str
    url: str
    kind: str = "shared"
    capacity: int = 1000
    endpoints: strawberry.scalars.JSON | None = strawberry.field(
        default=None, description="More endpoints by region: `{\"eu-central\": \"https://...\"}`.")


@strawberry.input(description="What to change of a tenant plane; omitted fields stay as they are.")
class UpdateTenantPlaneInput:
    status: str | None = None
    capacity: int | None = None
    url: str | None = None
    endpoints: strawberry.scalars.JSON | None = None
