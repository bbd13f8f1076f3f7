"""A `database`-placed tenant: its own database made from the migrated template, its rows only there, the
same isolation, and pools to tenant databases that close when idle."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest

from atlas.dbadmin import plain_dsn, with_database
from atlas.tenant_databases import admin_url
from domain.errors import Forbidden
from domain.planes.placement import PlacementRequest
from domain.tenants.service import provision_tenant
from tests.conftest import TEST_PASSWORD, auth_headers, gql, unique_slug
from tests.resolvers.incidents.test_incidents_api import CREATE

DATABASE = PlacementRequest(model="database")


async def provision(db, *, placement=DATABASE, plan="enterprise"):
    slug = unique_slug("own")
    async with db.transaction(tenant_id=None) as tx:
        return await provision_tenant(tx, name=f"Own {slug}", slug=slug, admin_email=f"owner@{slug}.example.com",
                                      admin_password=TEST_PASSWORD, plan=plan, placement=placement)


async def placement_of(live_settings, tenant_id):
    conn = await asyncpg.connect(plain_dsn(admin_url(live_settings)))
    try:
        return json.loads(await conn.fetchval("SELECT placement FROM tenants WHERE id = $1", tenant_id))
    finally:
        await conn.close()


async def count(live_settings, database, sql, *args):
    """Count as the superuser (no RLS) in ``database`` (None: the shared one)."""
    url = admin_url(live_settings)
    conn = await asyncpg.connect(plain_dsn(with_database(url, database) if database else url))
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def test_a_database_tenant_gets_its_own_database_with_its_record_and_members(db, live_settings):
    made = await provision(db)

    placement = await placement_of(live_settings, made.tenant_id)
    database = placement["database"]
    assert placement == {"model": "database", "database": f"atlas_t_{made.tenant_id.hex}"}
    assert await count(live_settings, database, "SELECT count(*) FROM tenants WHERE id = $1", made.tenant_id) == 1
    assert await count(live_settings, database, "SELECT count(*) FROM tenants") == 1
    assert await count(live_settings, database, "SELECT count(*) FROM memberships WHERE user_id = $1",
                       made.admin_user_id) == 1
    assert await count(live_settings, database, "SELECT count(*) FROM users") == 1


async def test_its_incidents_and_events_live_only_in_its_database(client, db, live_settings, sign_in, make_tenant):
    own, pooled = await provision(db), await make_tenant()
    own_headers, pooled_headers = auth_headers(await sign_in(own)), auth_headers(await sign_in(pooled))
    database = (await placement_of(live_settings, own.tenant_id))["database"]

    created = await gql(client, CREATE, {"i": {"title": "Own db outage", "severity": "SEV2"}}, own_headers)
    ingested = await client.post("/api/ingest/events", headers=own_headers, json={
        "events": [{"source": "nagios", "title": "Disk full", "severity": "error", "id": "own-1"}]})
    await gql(client, CREATE, {"i": {"title": "Pooled outage", "severity": "SEV3"}}, pooled_headers)

    assert created["data"]["createIncident"]["__typename"] == "IncidentSaved"
    assert ingested.status_code == 202, ingested.text
    by_tenant = "SELECT count(*) FROM {} WHERE tenant_id = $1"
    assert await count(live_settings, database, by_tenant.format("incidents"), own.tenant_id) == 1
    assert await count(live_settings, None, by_tenant.format("incidents"), own.tenant_id) == 0
    assert await count(live_settings, database, by_tenant.format("events"), own.tenant_id) == 1
    assert await count(live_settings, None, by_tenant.format("events"), own.tenant_id) == 0
    assert await count(live_settings, database, "SELECT count(*) FROM incidents") == 1  # nobody else's


async def test_each_tenant_reads_only_its_own_rows(client, db, sign_in, make_tenant):
    own, other_own, pooled = await provision(db), await provision(db), await make_tenant()
    for tenant in (own, other_own, pooled):
        await gql(client, CREATE, {"i": {"title": f"Outage of {tenant.slug}", "severity": "SEV3"}},
                  auth_headers(await sign_in(tenant)))
    listing = "query { incidents(first: 50) { edges { node { title } } } }"

    for tenant in (own, other_own, pooled):
        seen = await gql(client, listing, headers=auth_headers(await sign_in(tenant)))
        assert [edge["node"]["title"] for edge in seen["data"]["incidents"]["edges"]] == [f"Outage of {tenant.slug}"]


async def test_a_token_for_one_tenant_cannot_read_another_tenants_database(client, db, sign_in):
    own, other = await provision(db), await provision(db)
    own_grant = await sign_in(own)

    response = await client.post("/graphql", json={"query": "query { incidents(first: 5) { edges { node { id } } } }"},
                                 headers=auth_headers(own_grant.access_token, other.tenant_id))

    assert response.status_code in (401, 403) or response.json().get("errors")


async def test_a_plan_without_dedicated_placement_gets_no_database(db):
    with pytest.raises(Forbidden) as refused:
        await provision(db, plan="pro")

    assert refused.value.code == "NOT_ENTITLED"
    assert refused.value.field == "placement"


async def test_pools_to_idle_tenant_databases_close(db, live_settings):
    router = db.tenant_databases
    tenants = [await provision(db) for _ in range(3)]
    names = []
    for tenant in tenants:
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await tx.session.execute(__import__("sqlalchemy").text("SELECT 1"))
        names.append(await router.database_of(tenant.tenant_id))
    connected = "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY($1::text[])"
    before = await count(live_settings, None, connected, names)

    closed = await router.close_idle(now=router.clock() + router.idle_seconds + 1)

    assert before == 3
    assert set(names) <= set(closed)
    assert await count(live_settings, None, connected, names) == 0


async def _back_to_pooled(db, live_settings, *tenants):
    from atlas.tenant_databases import drop_database

    for tenant in tenants:
        database = (await placement_of(live_settings, tenant.tenant_id))["database"]
        await db.tenant_databases.drop(database)
        await drop_database(live_settings, database)
        conn = await asyncpg.connect(plain_dsn(admin_url(live_settings)))
        try:
            await conn.execute("""UPDATE tenants SET placement = '{"model": "pooled"}' WHERE id = $1""",
                               tenant.tenant_id)
        finally:
            await conn.close()
        db.tenant_databases.forget(tenant.tenant_id)


def _walk(live_settings, names):
    from atlas.migrate import migrate_tenant_databases

    lines = []
    steps = migrate_tenant_databases(live_settings, progress=lines.append)
    return {step.database: step.outcome for step in steps if step.database in names}, lines


async def test_migrate_walks_every_tenant_database_reports_a_missing_one_and_resumes(db, live_settings):
    from alembic import command
    from atlas.migrate import alembic_config
    from atlas.tenant_databases import create_from_template, drop_database, template_name

    behind, lost = await provision(db), await provision(db)
    behind_db = (await placement_of(live_settings, behind.tenant_id))["database"]
    lost_db = (await placement_of(live_settings, lost.tenant_id))["database"]
    names = {behind_db, lost_db, template_name(live_settings)}
    await db.tenant_databases.drop(behind_db)  # nobody connected while alembic works on it
    await create_from_template(live_settings, behind_db)
    await asyncio.to_thread(command.downgrade, alembic_config(
        with_database(live_settings.database_url, behind_db), app_role=live_settings.db_app_role), "-1")
    await drop_database(live_settings, lost_db)

    first, lines = await asyncio.to_thread(_walk, live_settings, names)
    await create_from_template(live_settings, lost_db)
    again, _ = await asyncio.to_thread(_walk, live_settings, names)

    await _back_to_pooled(db, live_settings, behind, lost)  # their databases were remade empty: leave none so

    assert first == {template_name(live_settings): "up to date", behind_db: "migrated", lost_db: "failed"}
    assert again == {template_name(live_settings): "up to date", behind_db: "up to date", lost_db: "up to date"}
    assert lines[0].startswith("[1/") and "(template): up to date" in lines[0]
    assert any(line.endswith(f"{lost.slug}: failed") or f"{lost.slug}: failed (" in line for line in lines)


async def test_partition_upkeep_reaches_tenant_databases(db, runtime, live_settings):
    from datetime import UTC, datetime, timedelta

    from workers.jobs.telemetry import maintain_partitions

    own = await provision(db)
    database = (await placement_of(live_settings, own.tenant_id))["database"]
    ahead = f"spans_p{datetime.now(UTC).date() + timedelta(days=3):%Y%m%d}"
    exists = "SELECT count(*) FROM pg_class WHERE relname = $1"
    made_with_it = await count(live_settings, database, exists, ahead)
    conn = await asyncpg.connect(plain_dsn(with_database(admin_url(live_settings), database)))
    try:
        await conn.execute(f"DROP TABLE {ahead}")
    finally:
        await conn.close()

    outcome = await maintain_partitions({"runtime": runtime})

    assert made_with_it == 1
    assert outcome["created"] >= 1
    assert await count(live_settings, database, exists, ahead) == 1


async def test_a_suspension_reaches_the_copy_of_the_tenant_record_in_its_database(client, app, live_settings, sign_in):
    from domain.tenants.service import set_tenant_status

    app_db = app.state.runtime.db  # the serving process: its placement look-ups see the change at once
    own = await provision(app_db)
    headers = auth_headers(await sign_in(own))
    listing = "query { incidents(first: 5) { edges { node { id } } } }"
    served = await client.post("/graphql", json={"query": listing}, headers=headers)
    async with app_db.transaction(tenant_id=None) as tx:
        await set_tenant_status(tx, tenant_id=own.tenant_id, status="suspended", actor="test", confirm_slug=own.slug)

    refused = await client.post("/graphql", json={"query": listing}, headers=headers)

    assert served.status_code == 200 and "errors" not in served.json()
    assert refused.status_code == 403 and refused.json()["code"] == "TENANT_SUSPENDED"
    database = (await placement_of(live_settings, own.tenant_id))["database"]
    assert await count(live_settings, database, "SELECT count(*) FROM tenants WHERE status = 'suspended'") == 1


async def test_a_database_tenants_api_keys_work_for_ingest_and_client_credentials_and_revoke(
        client, db, live_settings, sign_in):
    from tests.resolvers.apikeys.test_apikeys_api import CREATE_KEY, ERROR

    own = await provision(db)
    owner = auth_headers(await sign_in(own))
    ingest = (await gql(client, CREATE_KEY, {"i": {"name": "collector", "kind": "ingest", "roles": []}},
                        owner))["data"]["createApiKey"]
    partner = (await gql(client, CREATE_KEY, {"i": {"name": "partner", "roles": ["agent"]}},
                         owner))["data"]["createApiKey"]

    sent = await client.post("/api/ingest/events", headers={"X-Api-Key": ingest["key"]}, json={
        "events": [{"source": "nagios", "title": "Disk full", "severity": "error", "id": "key-1"}]})
    token = await client.post("/api/auth/token", data={"grant_type": "client_credentials",
                                                        "client_id": partner["apiKey"]["clientId"],
                                                        "client_secret": partner["clientSecret"]})
    as_key = auth_headers(token.json()["access_token"], own.tenant_id)
    viewer = await client.post("/graphql", json={"query": "{ viewer { subject } }"}, headers=as_key)
    listed = await client.post("/graphql", json={"query": "{ apiKeys { edges { node { id } } } }"}, headers=owner)
    revoked = await gql(client, f"mutation($id: ID!) {{ revokeApiKey(id: $id) {{ __typename {ERROR} }} }}",
                        {"id": ingest["apiKey"]["id"]}, owner)
    after = await client.post("/api/ingest/events", headers={"X-Api-Key": ingest["key"]}, json={
        "events": [{"source": "nagios", "title": "Disk full", "severity": "error", "id": "key-2"}]})

    assert sent.status_code == 202, sent.text
    database = (await placement_of(live_settings, own.tenant_id))["database"]
    assert await count(live_settings, database, "SELECT count(*) FROM events WHERE tenant_id = $1",
                       own.tenant_id) == 1
    assert token.status_code == 200, token.text
    assert viewer.status_code == 200 and viewer.json()["data"]["viewer"]["subject"].startswith("apikey:")
    assert {edge["node"]["id"] for edge in listed.json()["data"]["apiKeys"]["edges"]} == {
        ingest["apiKey"]["id"], partner["apiKey"]["id"]}
    assert revoked["data"]["revokeApiKey"]["__typename"] == "ApiKeyRevoked"
    assert after.status_code == 401 and "revoked" in after.text


async def test_a_member_invited_later_signs_in_sees_the_tenants_data_and_role_changes_reach_sign_in(
        client, db, live_settings, sign_in):
    from domain.auth.service import GrantError
    from tests.resolvers.members.test_members_api import ACCEPT, INVITE, UPDATE_ROLES

    own = await provision(db)
    owner = auth_headers(await sign_in(own))
    email = f"later@{own.slug}.example.com"
    await gql(client, CREATE, {"i": {"title": "Own db outage", "severity": "SEV2"}}, owner)
    invited = (await gql(client, INVITE, {"i": {"email": email, "roles": ["responder"]}}, owner))["data"][
        "inviteMember"]
    listed = await gql(client, "{ invitations { edges { node { email } } } }", headers=owner)
    accepted = (await gql(client, ACCEPT, {"i": {"token": invited["token"], "password": TEST_PASSWORD}}))["data"]
    joined = await sign_in(own, email)
    seen = await gql(client, "{ viewer { subject roles } incidents { edges { node { title } } } }",
                     headers=auth_headers(joined))
    assert seen.get("data"), seen
    user_id = seen["data"]["viewer"]["subject"]
    changed = await gql(client, UPDATE_ROLES, {"u": user_id, "r": ["viewer"]}, owner)
    again = await sign_in(own, email)
    at_control_plane = await count(live_settings, None, "SELECT roles FROM memberships WHERE user_id = $1::uuid",
                                   user_id)
    removed = await gql(client, "mutation($u: ID!) { removeMember(userId: $u) { __typename } }", {"u": user_id},
                        owner)

    assert listed["data"]["invitations"]["edges"] == [{"node": {"email": email}}]
    assert accepted["acceptInvitation"]["__typename"] == "InvitationAccepted"
    assert seen["data"]["viewer"]["roles"] == ["responder"]
    assert [e["node"]["title"] for e in seen["data"]["incidents"]["edges"]] == ["Own db outage"]
    assert changed["data"]["updateMemberRoles"]["member"]["roles"] == ["viewer"]
    assert again.access_token and at_control_plane == ["viewer"]
    assert removed["data"]["removeMember"]["__typename"] == "MemberRemoved"
    with pytest.raises(GrantError):
        await sign_in(own, email)


async def test_a_database_tenants_edge_agent_registered_later_gets_its_step(runtime, db, client, live_settings):
    from tests.domain.automation.helpers import advance
    from tests.rest.test_agent_jobs import _agent, _waiting_run

    own = await provision(db)
    run_id = await _waiting_run(runtime, db, own)
    key = await _agent(db, own)

    got = await client.get("/api/agent/jobs", headers={"X-Agent-Key": key})
    assert got.status_code == 200, got.text
    job = got.json()["job"]
    done = await client.post(f"/api/agent/jobs/{job['id']}/result", headers={"X-Agent-Key": key},
                             json={"attempt": 1, "exit_code": 0, "stdout": "restarting db-1\n"})

    assert done.json() == {"step": "succeeded"}
    assert await advance(runtime, tenant=own, run_id=run_id) == "succeeded"
    database = (await placement_of(live_settings, own.tenant_id))["database"]
    assert await count(live_settings, database, "SELECT count(*) FROM automation_agents WHERE tenant_id = $1 "
                       "AND last_heartbeat_at IS NOT NULL", own.tenant_id) == 1
