"""Two web processes and two workers on one PostgreSQL and one Redis behave as one: events ingested
through one web process open incidents that a subscriber on the other sees, the jobs are shared by
both workers, and nothing is lost or done twice."""

import asyncio
import json
import uuid

import httpx
import pytest
import websockets

from tests.conftest import auth_headers
from tests.e2e.conftest import start_server, stop_server
from tests.faults.lab import critical_events, delivery_states, incidents_by_service, wait_for

SERVICES = [f"svc-{n:02d}" for n in range(12)]  # more deliveries than one worker runs at once (max_jobs=10)
SUBSCRIBE = "subscription { incidentChanged { kind incident { services } } }"


@pytest.fixture
def two_web_processes(lab):
    started = [start_server(lab.data_dir) for _ in range(2)]
    yield [base for _, base in started]
    for process, _ in started:
        stop_server(process)


async def _created_events(ws, count: int) -> list[dict]:
    seen = []
    while len(seen) < count:
        message = json.loads(await asyncio.wait_for(ws.recv(), 60))
        assert message["type"] == "next", message
        change = message["payload"]["data"]["incidentChanged"]
        if change["kind"] == "created":
            seen.append(change)
    return seen


async def test_two_web_processes_and_two_workers_act_as_one(two_web_processes, lab_runtime, tenant, receiver,
                                                           workers):
    ingest_base, subscribe_base = two_web_processes
    first, second = workers(), workers()
    await first.wait_for_log("Starting worker")
    await second.wait_for_log("Starting worker")
    grant = await lab_runtime.tokens.password_grant(username=f"owner@{tenant.slug}.example.com",
                                                    password="correct-horse-battery", tenant=tenant.slug,
                                                    address=f"scale-{uuid.uuid4().hex[:6]}")
    async with websockets.connect(subscribe_base.replace("http://", "ws://") + "/graphql",
                                  subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": auth_headers(grant)}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "s1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        await asyncio.sleep(0.5)  # the subscription reaches Redis

        receiver.hold()
        async with httpx.AsyncClient(base_url=ingest_base, timeout=20) as http:
            answer = await http.post("/api/ingest/events", json=critical_events(SERVICES, prefix="scale"),
                                     headers={"X-Api-Key": tenant.ingest_key})
        assert answer.status_code == 202
        created = await _created_events(ws, len(SERVICES))
        await wait_for(lambda: len(receiver.requests) == len(SERVICES), timeout=60, what="every delivery in flight")
        receiver.release()

    await wait_for(lambda: _all_delivered(lab_runtime, tenant), timeout=60, what="every delivery delivered")
    assert sorted(c["incident"]["services"][0] for c in created) == SERVICES
    assert await incidents_by_service(lab_runtime, tenant.tenant_id) == dict.fromkeys(SERVICES, (1, 1))
    ids = receiver.ids()
    assert len(ids) == len(set(ids)) == len(SERVICES), "each incident notified exactly once"
    assert "deliver_webhook" in first.text() and "deliver_webhook" in second.text(), "both workers took deliveries"


async def _all_delivered(runtime, tenant) -> bool:
    return await delivery_states(runtime, tenant.tenant_id) == {"delivered": len(SERVICES)}
