"""PostgreSQL shutting down, down and starting again: every route answers 503 with Retry-After, never 500,
and every event acknowledged with 202 is stored."""

import asyncio
import collections

import asyncpg
import pytest
from sqlalchemy import func, select, text

from domain.telemetry.models import Event
from domain.uow import DatabaseUnavailable
from tests.faults.lab import critical_events, wait_for

HEALTH = {"query": "{ health { status database } }"}
PREVIEW = {"query": '{ invitationPreview(token: "ati_%s_secret") { email } }' % ("0" * 32)}


async def test_a_shutting_down_database_is_503_with_retry_after_on_every_route(lab, lab_app, lab_client, lab_runtime,
                                                                                tenant):
    # given PostgreSQL in a smart shutdown (it refuses new connections while one session stays open)
    holder = await asyncpg.connect(lab.servers.addresses.superuser_url)
    for runtime in (lab_app.state.runtime, lab_runtime):
        await runtime.db.engine.dispose()  # pooled sessions would keep it up; new ones are refused
    lab.servers.stop_postgres(mode="smart", wait=False)
    try:
        # when a transaction starts, and an agent, a GraphQL client, the console and a probe call
        with pytest.raises(DatabaseUnavailable) as refused:
            await wait_for(lambda: _transaction(lab_runtime), timeout=10, what="the refusal of new connections")
        ingest = await lab_client.post("/api/ingest/events", json=critical_events(["db"], prefix="smart"),
                                       headers={"X-Api-Key": tenant.ingest_key})
        graphql = await lab_client.post("/graphql", json=PREVIEW)
        health = await lab_client.post("/graphql", json=HEALTH)
        console = await lab_client.get("/console/incidents", headers={"Accept": "text/html"})
        readiness = await lab_client.get("/readyz")
    finally:
        await holder.close()

    # then the refusal is "cannot connect now" (SQLSTATE 57P03), and each answer is a 503 with Retry-After
    assert refused.value.__cause__.orig.sqlstate == "57P03"
    assert "shutting down" in str(refused.value)
    assert (ingest.status_code, ingest.headers["retry-after"]) == (503, "5")
    assert ingest.json() == {"error": "The database is unavailable; retry shortly."}
    assert (graphql.status_code, graphql.headers["retry-after"]) == (503, "5")
    assert graphql.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert graphql.json()["errors"][0]["message"] == "The database is unavailable; retry shortly."
    assert health.json()["data"]["health"] == {"status": "degraded", "database": "error: DatabaseUnavailable"}
    assert console.status_code in (303, 503)  # no session: the console sends to sign-in, or says unavailable
    assert readiness.status_code == 503 and readiness.json()["failing"] == ["database"]

    # and once it is started again, the same request is stored
    await wait_for(lambda: not lab.servers.postgres_alive(), timeout=20, what="PostgreSQL to stop")
    await asyncio.to_thread(lab.servers.restart_postgres)
    again = await lab_client.post("/api/ingest/events", json=critical_events(["db"], prefix="smart"),
                                  headers={"X-Api-Key": tenant.ingest_key})
    assert again.status_code == 202 and again.json()["accepted"]["events"] == 1


async def test_a_restart_under_load_loses_no_acknowledged_event_and_answers_no_500(lab, lab_client, lab_runtime,
                                                                                   tenant):
    # given four agents sending events, each with its own id, without pause
    statuses: collections.Counter = collections.Counter()
    acknowledged: set[str] = set()
    stop = asyncio.Event()

    async def agent(name: str) -> None:
        sent = 0
        while not stop.is_set():
            batch = critical_events([name], prefix=f"load-{sent}")
            answer = await lab_client.post("/api/ingest/events", json=batch, headers={"X-Api-Key": tenant.ingest_key})
            statuses[answer.status_code] += 1
            if answer.status_code == 202:
                acknowledged.add(batch["events"][0]["id"])
            else:
                assert answer.headers["retry-after"] == "5"
            sent += 1
            await asyncio.sleep(0.01)

    agents = [asyncio.create_task(agent(f"agent{n}")) for n in range(4)]
    await wait_for(lambda: statuses[202] >= 20, timeout=20, what="traffic")

    # when PostgreSQL is stopped (fast: sessions are cut) and started again
    await asyncio.to_thread(lab.servers.stop_postgres, mode="fast")
    await wait_for(lambda: statuses[503] >= 4, timeout=20, what="refusals while it is down")
    await asyncio.to_thread(lab.servers.restart_postgres)
    served = statuses[202]
    await wait_for(lambda: statuses[202] >= served + 20, timeout=20, what="traffic after the restart")
    stop.set()
    await asyncio.gather(*agents)

    # then nothing but 202 and 503 was answered, and every acknowledged event is stored exactly once
    assert set(statuses) == {202, 503}
    await lab_runtime.db.engine.dispose()  # its idle connections died with the server
    async with lab_runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        stored = list(await tx.session.scalars(select(Event.dedup_key).where(Event.dedup_key.like("load-%"))))
        total = await tx.session.scalar(select(func.count()).select_from(Event).where(Event.dedup_key.like("load-%")))
    assert acknowledged <= set(stored)
    assert total == len(set(stored))


async def _transaction(runtime) -> bool:
    async with runtime.db.transaction(tenant_id=None) as tx:
        await tx.session.execute(text("SELECT 1"))
    return False
