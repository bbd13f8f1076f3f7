"""POST /api/planes/heartbeat: a tenant plane heartbeats with its own credential, never a tenant's."""

import uuid

from domain.planes import registry


async def _register(db):
    async with db.transaction(tenant_id=None) as tx:
        return await registry.register_plane(tx, name=f"tp-{uuid.uuid4().hex[:10]}", region="eu-west",
                                             url="https://tp.example.com")


async def test_a_plane_heartbeats_with_its_credential_and_an_offline_plane_comes_back(client, db):
    made = await _register(db)
    async with db.transaction(tenant_id=None) as tx:
        await registry.update_plane(tx, plane_id=made.plane.id, status="offline")

    response = await client.post("/api/planes/heartbeat", json={"version": "9.9.1"},
                                 headers={"Authorization": f"Bearer {made.credential}"})

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == made.plane.name and body["status"] == "active" and body["last_heartbeat_at"]
    async with db.transaction(tenant_id=None) as tx:
        plane = await registry.plane_by_name(tx, made.plane.name)
    assert plane.version == "9.9.1" and plane.status == "active"


async def test_a_missing_or_wrong_credential_is_refused_and_changes_nothing(client, db, make_tenant, sign_in):
    made = await _register(db)
    tenant = await make_tenant()
    tenant_token = (await sign_in(tenant)).access_token

    for headers in ({}, {"Authorization": f"Bearer {made.credential[:-3]}xyz"},
                    {"Authorization": f"Bearer {tenant_token}"}):
        response = await client.post("/api/planes/heartbeat", json={"version": "6.6.6"}, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["code"] == "UNAUTHENTICATED"

    async with db.transaction(tenant_id=None) as tx:
        plane = await registry.plane_by_name(tx, made.plane.name)
    assert plane.last_heartbeat_at is None and plane.version == ""


async def test_a_malformed_heartbeat_is_a_400(client, db):
    made = await _register(db)
    headers = {"Authorization": f"Bearer {made.credential}"}

    for body in (b"[1]", b"{not json", b'{"version": 3}'):
        response = await client.post("/api/planes/heartbeat", content=body, headers=headers)
        assert response.status_code == 400, body
