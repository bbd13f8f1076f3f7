"""GraphQL types for tenants and plans."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.billing.plans import entitlements_for
from domain.planes.deliveries import planes_by_ids
from domain.tenants.models import Tenant as TenantModel
from resolvers.guards import platform_guard
from resolvers.loaders import platform_loader

if TYPE_CHECKING:
    from resolvers.planes.types import TenantPlane


@strawberry.type(description="Features and limits of a plan, as carried in access tokens.")
class Entitlements:
    plan: str
    features: list[str]
    limits: strawberry.scalars.JSON
    version: int


@strawberry.type(description="A customer organisation.")
class Tenant:
    id: strawberry.ID
    slug: str
    name: str
    status: str = strawberry.field(description="`active` or `suspended`.")
    plan: str
    region: str
    created_at: datetime
    overrides: strawberry.Private[dict]
    entitlements_version: strawberry.Private[int]
    home_plane_id: strawberry.Private[uuid.UUID | None] = None
    placement_record: strawberry.Private[dict | None] = None

    @strawberry.field(extensions=platform_guard(), description="Where the tenant's operational data lives: "
                      "`{\"model\": \"pooled\"}` or `{\"model\": \"database\", \"database\": ...}` "
                      "(platform operators).")
    def placement(self) -> strawberry.scalars.JSON:
        return self.placement_record or {"model": "pooled"}

    @strawberry.field(extensions=platform_guard(), description="The tenant plane that hosts it (none: this "
                      "deployment's own plane; platform operators).")
    async def home_plane(self, info: strawberry.Info) -> Annotated[
            TenantPlane, strawberry.lazy("resolvers.planes.types")] | None:
        if self.home_plane_id is None:
            return None
        from resolvers.planes.types import TenantPlane as PlaneType

        plane = await platform_loader(info, planes_by_ids).load(self.home_plane_id)
        return PlaneType.from_model(plane) if plane is not None else None

    @strawberry.field(description="What the tenant's contract plan and overrides include (a subscription may "
                                  "grant more: see `billing`).")
    def entitlements(self) -> Entitlements:
        return Entitlements(**entitlements_for(self.plan, overrides=self.overrides, version=self.entitlements_version))

    @classmethod
    def from_model(cls, tenant: TenantModel) -> Tenant:
        return cls(id=strawberry.ID(str(tenant.id)), slug=tenant.slug, name=tenant.name, status=tenant.status,
                   plan=tenant.plan, region=tenant.region, created_at=tenant.created_at,
                   overrides=tenant.plan_overrides or {}, entitlements_version=tenant.entitlements_version or 1,
                   home_plane_id=tenant.home_plane_id, placement_record=tenant.placement)


@strawberry.type(description="A tenant and its first admin, just provisioned.")
class TenantProvisioned:
    tenant: Tenant
    admin_user_id: strawberry.ID
    admin_is_new: bool


@strawberry.type
class TenantChanged:
    tenant: Tenant


@strawberry.input(description="Where a new tenant's data goes (plans with `dedicated_placement` may ask for more "
                              "than `pooled`).")
class TenantPlacementInput:
    model: str = strawberry.field(default="pooled", description="`pooled` (the plane's shared database, row-level "
                                  "security) or `database` (a database of its own on the plane's server).")
    dedicated: bool = strawberry.field(default=False, description="A dedicated tenant plane (one tenant) in the "
                                       "tenant's region.")


@strawberry.input(description="A new tenant and its first admin (platform operators only).")
class CreateTenantInput:
    name: str
    slug: str
    admin_email: str
    admin_password: str | None = strawberry.field(
        default=None, description="Required when the admin is a new user.")
    plan: str = "free"
    region: str = "local"
    placement: TenantPlacementInput | None = strawberry.field(
        default=None, description="Placement request; the home plane is chosen by region, plan and capacity.")
