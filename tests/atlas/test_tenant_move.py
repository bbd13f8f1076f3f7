"""`atlas tenant move`: a pooled tenant moves into a database of its own with nothing lost or duplicated
(per-table counts and checksums), writes wait out the read-only window, and a move resumes or rolls back."""

from __future__ import annotations

import pytest

from atlas import tenant_copy
from atlas.tenant_move import begin_move, copy_and_verify, move_tenant, rollback_move
from domain.uow import DatabaseUnavailable
from tests.atlas.test_tenant_databases import count, placement_of
from tests.conftest import auth_headers, gql
from tests.resolvers.incidents.test_incidents_api import CREATE

LIST = "query { incidents(first: 50) { edges { node { title } } } }"


async def _busy_tenant(client, make_tenant, sign_in, n=3):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))
    for index in range(n):
        await gql(client, CREATE, {"i": {"title": f"Outage {index}", "severity": "SEV3"}}, headers)
    ingested = await client.post("/api/ingest/events", headers=headers, json={
        "events": [{"source": "nagios", "title": f"Disk {i}", "severity": "error", "id": f"d-{i}"} for i in range(4)]})
    assert ingested.status_code == 202
    return tenant, headers


async def _fingerprint_in_shared(live_settings, tenant_id):
    import asyncpg

    from atlas.dbadmin import plain_dsn
    from atlas.tenant_databases import admin_url

    conn = await asyncpg.connect(plain_dsn(admin_url(live_settings)))
    try:
        tables = await tenant_copy.tenant_tables(conn)
        return await tenant_copy.fingerprint(conn.fetch, tables, tenant_id=tenant_id)
    finally:
        await conn.close()


def _forget(db, app):
    def forget(tenant_id):
        for runtime_db in (db, app.state.runtime.db):  # the test's processes: its own and the app's
            runtime_db.tenant_databases.forget(tenant_id)

    return forget


def _titles(body):
    return sorted(edge["node"]["title"] for edge in body["data"]["incidents"]["edges"])


async def test_a_moved_tenant_keeps_every_row_once_in_its_own_database(client, app, db, live_settings, make_tenant, sign_in):
    tenant, _ = await _busy_tenant(client, make_tenant, sign_in)
    before = await _fingerprint_in_shared(live_settings, tenant.tenant_id)
    lines = []

    moved = await move_tenant(live_settings, slug=tenant.slug, settle_seconds=0, progress=lines.append,
                              forget=_forget(db, app))

    assert moved.tables == before  # counts and checksums, table by table
    assert moved.tables["incidents"][0] == 3 and moved.tables["events"][0] == 4
    assert (await placement_of(live_settings, tenant.tenant_id)) == {"model": "database", "database": moved.database}
    by_tenant = "SELECT count(*) FROM {} WHERE tenant_id = $1"
    assert await count(live_settings, None, by_tenant.format("incidents"), tenant.tenant_id) == 0
    assert await count(live_settings, None, by_tenant.format("events"), tenant.tenant_id) == 0
    assert await count(live_settings, None, by_tenant.format("memberships"), tenant.tenant_id) == 1  # sign-in
    after_headers = auth_headers(await sign_in(tenant))
    assert _titles(await gql(client, LIST, headers=after_headers)) == ["Outage 0", "Outage 1", "Outage 2"]
    made = await gql(client, CREATE, {"i": {"title": "After the move", "severity": "SEV3"}}, after_headers)
    assert made["data"]["createIncident"]["__typename"] == "IncidentSaved"
    assert any(line.startswith("verified ") and "counts and checksums match" in line for line in lines)


async def test_writes_wait_during_the_read_only_window_and_a_rollback_ends_it(client, app, db, live_settings, make_tenant,
                                                                             sign_in):
    tenant, headers = await _busy_tenant(client, make_tenant, sign_in, n=1)
    move = await begin_move(live_settings, slug=tenant.slug, to_plane=None)
    await copy_and_verify(live_settings, slug=tenant.slug, move=move)
    _forget(db, app)(tenant.tenant_id)

    read = await gql(client, LIST, headers=headers)
    with pytest.raises(DatabaseUnavailable):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await tx.session.execute(__import__("sqlalchemy").text(
                "UPDATE incidents SET title = 'changed' WHERE tenant_id = :t"), {"t": tenant.tenant_id})
    rolled_back = await rollback_move(live_settings, slug=tenant.slug)
    _forget(db, app)(tenant.tenant_id)
    written = await gql(client, CREATE, {"i": {"title": "Writable again", "severity": "SEV3"}}, headers)

    assert _titles(read) == ["Outage 0"]
    assert rolled_back is True
    assert await count(live_settings, None, "SELECT count(*) FROM pg_database WHERE datname = $1", move["to"]) == 0
    assert (await placement_of(live_settings, tenant.tenant_id)) == {"model": "pooled"}
    assert written["data"]["createIncident"]["__typename"] == "IncidentSaved"


async def test_an_interrupted_move_resumes_without_duplicating(client, app, db, live_settings, make_tenant, sign_in):
    tenant, _ = await _busy_tenant(client, make_tenant, sign_in, n=2)
    before = await _fingerprint_in_shared(live_settings, tenant.tenant_id)
    move = await begin_move(live_settings, slug=tenant.slug, to_plane=None)
    await copy_and_verify(live_settings, slug=tenant.slug, move=move)  # then the process died before the switch

    moved = await move_tenant(live_settings, slug=tenant.slug, settle_seconds=0, progress=lambda line: None,
                              forget=_forget(db, app))

    assert moved.database == move["to"] and moved.tables == before
    assert await count(live_settings, moved.database, "SELECT count(*) FROM incidents") == 2


async def test_the_cli_moves_a_tenant_and_refuses_an_unknown_one_in_one_line(live_settings, make_tenant):
    import asyncio
    import json

    from tests.atlas.test_cli import _assert_one_clear_line, atlas

    tenant = await make_tenant()
    base = ["tenant", "--data-dir", str(live_settings.data_dir), "move"]

    moved = await asyncio.to_thread(atlas, *base, tenant.slug, "--settle-seconds", "0")
    unknown = await asyncio.to_thread(atlas, *base, "no-such-tenant", "--settle-seconds", "0")
    nothing = await asyncio.to_thread(atlas, *base, tenant.slug, "--rollback")

    assert moved.returncode == 0, moved.stderr
    result = json.loads(moved.stdout.strip().splitlines()[-1])
    assert result["database"] == f"atlas_t_{tenant.tenant_id.hex}" and result["rows"] > 0
    _assert_one_clear_line(unknown, "Error: No tenant with slug 'no-such-tenant'.")
    assert nothing.stdout.strip() == "no move to roll back"
