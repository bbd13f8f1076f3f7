"""Placement at provisioning: the home plane by region, capacity and plan; no plane in a region, no change.

Each test uses regions of its own, so planes other tests register never take part.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from domain.errors import Conflict, Forbidden, ValidationFailed
from domain.planes import registry
from domain.planes.placement import PlacementRequest
from domain.tenants.models import Tenant
from domain.tenants.service import provision_tenant
from tests.conftest import TEST_PASSWORD, unique_slug


def _region() -> str:
    return f"r-{uuid.uuid4().hex[:8]}"


async def _plane(db, region: str, *, name: str | None = None, kind: str = "shared", capacity: int = 100):
    async with db.transaction(tenant_id=None) as tx:
        made = await registry.register_plane(tx, name=name or f"tp-{uuid.uuid4().hex[:10]}", region=region,
                                             url="https://tp.example.com", kind=kind, capacity=capacity)
    return made.plane


async def _provision(db, *, region: str, plan: str = "enterprise", placement: PlacementRequest | None = None):
    slug = unique_slug("pl")
    async with db.transaction(tenant_id=None) as tx:
        made = await provision_tenant(tx, name="Placed", slug=slug, admin_email=f"o@{slug}.example.com",
                                      admin_password=TEST_PASSWORD, plan=plan, region=region, placement=placement)
    async with db.transaction(tenant_id=None) as tx:
        return await tx.session.get(Tenant, made.tenant_id)


async def test_a_region_without_planes_is_hosted_here_pooled_as_before(db):
    tenant = await _provision(db, region=_region())

    assert tenant.home_plane_id is None
    assert tenant.placement == {"model": "pooled"}


async def test_the_home_plane_is_in_the_tenants_region(db):
    eu, us = _region(), _region()
    eu_plane, us_plane = await _plane(db, eu), await _plane(db, us)

    in_eu, in_us = await _provision(db, region=eu), await _provision(db, region=us)

    assert (in_eu.home_plane_id, in_us.home_plane_id) == (eu_plane.id, us_plane.id)


async def test_the_least_full_plane_with_room_is_chosen_and_a_full_region_refuses(db):
    region = _region()
    small = await _plane(db, region, name=f"a-{uuid.uuid4().hex[:8]}", capacity=1)
    large = await _plane(db, region, name=f"b-{uuid.uuid4().hex[:8]}", capacity=2)
    draining = await _plane(db, region, name=f"c-{uuid.uuid4().hex[:8]}", capacity=100)
    async with db.transaction(tenant_id=None) as tx:
        await registry.update_plane(tx, plane_id=draining.id, status="draining")

    placed = [(await _provision(db, region=region)).home_plane_id for _ in range(3)]
    with pytest.raises(Conflict) as full:
        await _provision(db, region=region)

    assert placed == [small.id, large.id, large.id]
    assert full.value.field == "region"
    assert full.value.message == f"No active shared tenant plane in region {region!r} has room for another tenant."


async def test_an_enterprise_tenant_may_ask_for_a_dedicated_plane_which_then_is_taken(db):
    region = _region()
    await _plane(db, region)
    dedicated = await _plane(db, region, kind="dedicated")

    placed = await _provision(db, region=region, placement=PlacementRequest(dedicated=True))
    with pytest.raises(Conflict) as taken:
        await _provision(db, region=region, placement=PlacementRequest(dedicated=True))

    assert placed.home_plane_id == dedicated.id
    assert taken.value.field == "placement"


async def test_other_plans_get_pooled_only_and_bad_requests_change_nothing(db):
    region = _region()
    await _plane(db, region, kind="dedicated")

    with pytest.raises(Forbidden) as not_entitled:
        await _provision(db, region=region, plan="pro", placement=PlacementRequest(dedicated=True))
    with pytest.raises(ValidationFailed) as unknown:
        await _provision(db, region=region, placement=PlacementRequest(model="sharded"))

    assert (not_entitled.value.code, not_entitled.value.field) == ("NOT_ENTITLED", "placement")
    assert (unknown.value.code, unknown.value.field) == ("VALIDATION", "placement")
    async with db.transaction(tenant_id=None) as tx:
        assert await tx.session.scalar(select(func.count()).where(Tenant.region == region)) == 0


async def test_provisioning_on_a_remote_plane_queues_the_tenant_record_for_it(db):
    from domain.planes.models import PlaneDelivery

    region = _region()
    plane = await _plane(db, region)
    tenant = await _provision(db, region=region)

    async with db.transaction(tenant_id=None) as tx:
        queued = list(await tx.session.scalars(select(PlaneDelivery).where(
            PlaneDelivery.about_tenant_id == tenant.id)))
    assert [(row.plane_id, row.kind, row.status) for row in queued] == [(plane.id, "tenant.provisioned", "pending")]
    assert {member["email"] for member in queued[0].payload["tenant"]["members"]} == {f"o@{tenant.slug}.example.com"}
