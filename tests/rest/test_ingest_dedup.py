"""An event with an id is stored once within the dedup window, with or without `time`, however it is resent;
the rate limiter counts locally when Redis is down instead of failing the request."""

import asyncio
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import func, select

from domain.telemetry.ingest import EVENT_DEDUP_WINDOW, forget_event_keys
from domain.telemetry.models import Event
from tests.atlas.test_http import swapped
from tests.rest.test_ingest import _key

TIMELESS = {"events": [{"source": "agent", "title": f"disk {n} full", "severity": "error", "id": f"disk-{n}"}
                       for n in range(3)]}


async def _events(db, tenant) -> list[str]:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return sorted(await tx.session.scalars(select(Event.dedup_key)))


async def _post(client, key, body):
    return await client.post("/api/ingest/events", json=body, headers={"X-Api-Key": str(key.credential)})


async def test_a_resent_batch_without_time_is_stored_once(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _key(db, tenant)

    first = await _post(client, key, TIMELESS)
    await asyncio.sleep(0.01)  # the resend gets another server time
    again = await _post(client, key, TIMELESS)

    assert first.json()["accepted"]["events"] == 3 and first.json()["duplicates"] == 0
    assert again.status_code == 202
    assert again.json() == {"accepted": {"events": 0, "logs": 0, "metrics": 0, "spans": 0}, "duplicates": 3,
                            "rejected": []}
    assert await _events(db, tenant) == ["disk-0", "disk-1", "disk-2"]


async def test_the_same_id_with_another_time_or_twice_in_a_batch_is_stored_once(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _key(db, tenant)
    now = datetime.now(UTC)
    batch = {"events": [{"source": "agent", "title": "t", "id": "x-1", "time": now.isoformat()},
                        {"source": "agent", "title": "t", "id": "x-1", "time": (now - timedelta(hours=3)).isoformat()},
                        {"source": "agent", "title": "t", "id": "x-1"}]}

    answer = await _post(client, key, batch)

    assert answer.json()["accepted"]["events"] == 1 and answer.json()["duplicates"] == 2
    assert await _events(db, tenant) == ["x-1"]


async def test_concurrent_resends_from_two_instances_store_the_event_once(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _key(db, tenant)

    answers = await asyncio.gather(*(_post(client, key, TIMELESS) for _ in range(4)))

    assert sorted(a.json()["accepted"]["events"] for a in answers) == [0, 0, 0, 3]
    assert await _events(db, tenant) == ["disk-0", "disk-1", "disk-2"]


async def test_an_id_is_stored_again_once_it_left_the_dedup_window(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _key(db, tenant)
    await _post(client, key, TIMELESS)

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        kept = await forget_event_keys(tx, older_than=datetime.now(UTC) - EVENT_DEDUP_WINDOW)
        forgotten = await forget_event_keys(tx, older_than=datetime.now(UTC) + timedelta(seconds=1))
    again = await _post(client, key, TIMELESS)

    assert timedelta(hours=24) <= EVENT_DEDUP_WINDOW
    assert (kept, forgotten) == (0, 3)
    assert again.json()["accepted"]["events"] == 3
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert await tx.session.scalar(select(func.count()).select_from(Event)) == 6


async def test_with_redis_down_the_rate_limit_is_counted_per_process(app, client, db, make_tenant):
    tenant = await make_tenant(plan="free")
    key = await _key(db, tenant)
    limit = 6000  # the free plan's ingest_events_per_minute
    dead_redis = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    body = {"metrics": [{"name": "m", "value": n, "labels": {"n": str(n)}} for n in range(2500)]}
    async with swapped(app.state.runtime, redis=dead_redis):
        answers = [await _post(client, key, body) for _ in range(3)]
    await dead_redis.aclose()

    assert [a.status_code for a in answers[:2]] == [202, 202]
    assert answers[2].status_code == 429 and 1 <= int(answers[2].headers["retry-after"]) <= 60
    assert answers[2].json()["error"].startswith(f"Ingest limit of {limit} items per minute reached")
