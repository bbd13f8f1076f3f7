"""Heartbeats as Opsgenie users know them: a missed ping raises an incident through the check's rule,
the next ping resolves it, and a ping needs the check's own key."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from domain import clock
from domain.errors import ValidationFailed
from domain.incidents.models import Incident
from domain.integrations.heartbeats import create_heartbeat, expire_heartbeats
from domain.integrations.models import Heartbeat


async def _heartbeat(db, tenant, name="nightly-backup", interval=3600):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await create_heartbeat(tx, name=name, interval_seconds=interval, grace_seconds=60,
                                      service="backups", actor="test")


async def _age_last_ping(db, tenant, name, seconds):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await tx.session.execute(update(Heartbeat).where(Heartbeat.name == name).values(
            last_ping_at=clock.now() - timedelta(seconds=seconds)))


async def _expire(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await expire_heartbeats(tx)


async def _incidents(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return [(i.title, i.status) for i in await tx.session.scalars(select(Incident))]


async def test_a_missed_ping_raises_an_incident_once_and_the_next_ping_resolves_it(
        client, db, make_tenant, forget_earlier_jobs, run_burst_worker):
    tenant = await make_tenant()
    issued = await _heartbeat(db, tenant)
    headers = {"Authorization": f"GenieKey {issued.key}"}
    first = await client.get("/api/heartbeats/nightly-backup/ping", headers=headers)

    await _age_last_ping(db, tenant, "nightly-backup", 3600 + 61)
    assert await _expire(db, tenant) == 1
    assert await _expire(db, tenant) == 0  # down already: no second alert
    await run_burst_worker()
    down = await _incidents(db, tenant)
    back = await client.post("/api/heartbeats/nightly-backup/ping", headers=headers)
    await run_burst_worker()

    assert first.status_code == 202 and first.json()["state"] == "up"
    assert len(down) == 1 and down[0][1] == "triggered"
    assert "Heartbeat nightly-backup missed" in down[0][0]
    assert back.json()["state"] == "up"
    assert await _incidents(db, tenant) == [(down[0][0], "resolved")]


async def test_a_check_within_its_interval_and_grace_stays_up(db, make_tenant):
    tenant = await make_tenant()
    await _heartbeat(db, tenant, name="every-minute", interval=60)

    await _age_last_ping(db, tenant, "every-minute", 100)  # 60 s + 60 s grace not yet over

    assert await _expire(db, tenant) == 0


async def test_a_ping_needs_the_checks_own_key_and_an_existing_name(client, db, make_tenant):
    tenant = await make_tenant()
    mine = await _heartbeat(db, tenant, name="mine")
    other = await _heartbeat(db, tenant, name="other")

    wrong_check = await client.post("/api/heartbeats/mine/ping", headers={"Authorization": f"Bearer {other.key}"})
    no_such = await client.post("/api/heartbeats/nope/ping", params={"apiKey": mine.key})
    no_key = await client.post("/api/heartbeats/mine/ping")

    assert wrong_check.status_code == 404 and no_such.status_code == 404
    assert no_key.status_code == 401


async def test_an_interval_under_thirty_seconds_is_refused(db, make_tenant):
    tenant = await make_tenant()

    with pytest.raises(ValidationFailed) as refused:
        await _heartbeat(db, tenant, interval=5)

    assert refused.value.field == "intervalSeconds"
