"""Placement at provisioning: which tenant plane hosts a new tenant, and how its data is kept there.

A tenant's home plane is chosen by region, plan and capacity among the active planes of the registry:

- a region with no registered plane is hosted by this deployment (``home_plane_id`` null, as before any
  plane was registered), so a deployment without planes provisions exactly as it always did;
- otherwise the least full active ``shared`` plane of the tenant's region that has room (``hosted < capacity``);
- a plan with the ``dedicated_placement`` feature may ask for a ``dedicated`` plane (one tenant each) or
  for a ``database`` of its own; other plans get ``pooled`` (the shared database, row-level security).

Inside its plane a tenant is ``{"model": "pooled"}`` or ``{"model": "database", "database": NAME}``;
the database is created by the unit of work's tenant databases (see atlas/tenant_databases.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.billing.plans import PLANS
from domain.errors import Conflict, Forbidden, ValidationFailed
from domain.planes.models import PLACEMENT_MODELS
from domain.planes.registry import hosted_counts, list_planes

if TYPE_CHECKING:
    from domain.planes.models import TenantPlane
    from domain.uow import Transaction

PLACEMENT_FEATURE = "dedicated_placement"


@dataclass(frozen=True)
class PlacementRequest:
    """What the provisioning caller asks for: a data model and, optionally, a plane of its own."""

    model: str = "pooled"
    dedicated: bool = False


@dataclass(frozen=True)
class Placement:
    """Where a tenant goes: its home plane (None: this deployment) and its data model."""

    plane: TenantPlane | None
    model: str

    @property
    def plane_id(self) -> uuid.UUID | None:
        return self.plane.id if self.plane is not None else None

    def record(self, tenant_id: uuid.UUID) -> dict:
        """The ``tenants.placement`` value for ``tenant_id``."""
        if self.model == "database":
            return {"model": "database", "database": database_name(tenant_id)}
        return {"model": "pooled"}


def database_name(tenant_id: uuid.UUID) -> str:
    """The name of a tenant's own database (a plain identifier, unique per tenant)."""
    return f"atlas_t_{tenant_id.hex}"


def _check_request(request: PlacementRequest, plan: str) -> None:
    if request.model not in PLACEMENT_MODELS:
        raise ValidationFailed(f"Placement model must be one of {', '.join(PLACEMENT_MODELS)}.",
                               field="placement")
    asks_more = request.model != "pooled" or request.dedicated
    if asks_more and PLACEMENT_FEATURE not in PLANS[plan].features:
        raise Forbidden(f"Plan {plan!r} does not include dedicated placement (a database or a tenant plane of "
                        "its own); choose the enterprise plan.", field="placement", code="NOT_ENTITLED")


def _least_full(planes: list[TenantPlane], hosted: dict[uuid.UUID, int]) -> TenantPlane | None:
    roomy = [plane for plane in planes if hosted.get(plane.id, 0) < plane.capacity]
    return min(roomy, key=lambda plane: (hosted.get(plane.id, 0) / plane.capacity, plane.name), default=None)


async def choose_placement(tx: Transaction, *, region: str, plan: str,
                           request: PlacementRequest | None = None) -> Placement:
    """The home plane and data model of a new tenant of ``plan`` in ``region``."""
    request = request or PlacementRequest()
    _check_request(request, plan)
    in_region = [plane for plane in await list_planes(tx) if plane.region == region]
    if not in_region:  # no plane registered for the region: this deployment hosts it, as before planes
        if request.dedicated:
            raise Conflict(f"No dedicated tenant plane is registered in region {region!r}.", field="placement")
        return Placement(None, request.model)
    active = [plane for plane in in_region if plane.status == "active"]
    hosted = await hosted_counts(tx)
    kind = "dedicated" if request.dedicated else "shared"
    chosen = _least_full([plane for plane in active if plane.kind == kind], hosted)
    if chosen is None:
        raise Conflict(f"No active {kind} tenant plane in region {region!r} has room for another tenant.",
                       field="placement" if request.dedicated else "region")
    return Placement(chosen, request.model)
