"""The tenant-plane registry: registration, the plane's own credential, heartbeats, status changes."""

import uuid

import pytest

from domain.errors import Conflict, Unauthenticated, ValidationFailed
from domain.planes import registry


def _name() -> str:
    return f"tp-{uuid.uuid4().hex[:10]}"


async def test_a_registered_plane_authenticates_with_its_credential_and_heartbeats(db):
    async with db.transaction(tenant_id=None) as tx:
        made = await registry.register_plane(tx, name=_name(), region="eu-west", url="https://tp1.example.com/")
    assert made.credential.startswith("atp_")
    assert made.plane.url == "https://tp1.example.com"

    async with db.transaction(tenant_id=None) as tx:
        plane = await registry.authenticate_plane(tx, made.credential)
        await registry.record_heartbeat(tx, plane, version="1.2.3")
    async with db.transaction(tenant_id=None) as tx:
        again = await registry.plane_by_name(tx, made.plane.name)
    assert again.version == "1.2.3" and again.last_heartbeat_at is not None


async def test_a_wrong_or_foreign_credential_is_refused(db):
    async with db.transaction(tenant_id=None) as tx:
        made = await registry.register_plane(tx, name=_name(), region="eu-west", url="https://tp.example.com")
    forged = made.credential[:-4] + "AAAA"
    for raw in (forged, "atk_" + made.credential[4:], "", "atp_nothex_secret"):
        async with db.transaction(tenant_id=None) as tx:
            with pytest.raises(Unauthenticated):
                await registry.authenticate_plane(tx, raw)


async def test_bad_registrations_change_nothing(db):
    name = _name()
    async with db.transaction(tenant_id=None) as tx:
        await registry.register_plane(tx, name=name, region="us-east", url="http://tp.local:8000")
    bad = [dict(name="Bad Name", region="us", url="https://x.example"),
           dict(name=_name(), region="US EAST", url="https://x.example"),
           dict(name=_name(), region="us", url="ftp://x.example"),
           dict(name=_name(), region="us", url="https://x.example", kind="cloud"),
           dict(name=_name(), region="us", url="https://x.example", capacity=-1)]
    for fields in bad:
        async with db.transaction(tenant_id=None) as tx:
            with pytest.raises(ValidationFailed):
                await registry.register_plane(tx, **fields)
    async with db.transaction(tenant_id=None) as tx:
        with pytest.raises(Conflict):
            await registry.register_plane(tx, name=name, region="us-east", url="https://other.example")
        names = {p.name for p in await registry.list_planes(tx)}
    assert name in names and not names & {f["name"] for f in bad}


async def test_a_dedicated_plane_holds_one_tenant_and_an_offline_plane_returns_on_heartbeat(db):
    async with db.transaction(tenant_id=None) as tx:
        made = await registry.register_plane(tx, name=_name(), region="eu-west", url="https://d.example",
                                             kind="dedicated", capacity=50)
        await registry.update_plane(tx, plane_id=made.plane.id, status="offline")
    assert made.plane.capacity == 1
    async with db.transaction(tenant_id=None) as tx:
        plane = await registry.authenticate_plane(tx, made.credential)
        await registry.record_heartbeat(tx, plane, version="2")
    assert plane.status == "active"
