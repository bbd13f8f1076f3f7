"""A worker killed with SIGKILL in the middle of its jobs: another worker finishes them within a minute,
and nothing is done twice that a receiver or an operator could tell apart."""

import json
import time

from standardwebhooks import Webhook

from tests.faults.lab import critical_events, delivery_states, incidents_by_service, wait_for

SERVICES = ["checkout", "payments", "search", "catalog"]


async def test_jobs_of_a_killed_worker_are_finished_by_another_within_a_minute(
        lab_client, lab_runtime, tenant, receiver, workers):
    # given a worker holding one webhook delivery per service, mid-request (the receiver does not answer yet)
    first = workers()
    await first.wait_for_log("Starting worker")
    receiver.hold()
    response = await lab_client.post("/api/ingest/events", json=critical_events(SERVICES, prefix="kill"),
                                      headers={"X-Api-Key": tenant.ingest_key})
    assert response.status_code == 202
    await wait_for(lambda: len(receiver.requests) == len(SERVICES), timeout=30, what="four deliveries in flight")

    # when it is killed, the receiver answers from now on, and a new worker starts
    first.kill()
    killed_at = time.monotonic()
    receiver.release()
    workers()

    # then every delivery is done within 60 s of the kill, sent again with the same id and signature scheme
    await wait_for(lambda: _all_delivered(lab_runtime, tenant), timeout=60, what="all deliveries delivered")
    assert time.monotonic() - killed_at < 60
    assert await incidents_by_service(lab_runtime, tenant.tenant_id) == dict.fromkeys(SERVICES, (1, 1))
    ids = receiver.ids()
    assert len(set(ids)) == len(SERVICES) and all(ids.count(i) >= 2 for i in set(ids))
    verifier = Webhook(tenant.target_secret)
    for request in receiver.requests:
        assert verifier.verify(request["body"], request["headers"])["type"] == "incident.created"
    bodies = {}
    for request in receiver.requests:
        bodies.setdefault(request["headers"]["webhook-id"], set()).add(request["body"])
    assert all(len(sent) == 1 for sent in bodies.values()), "a resend carries the same body as the first send"
    assert json.loads(receiver.requests[0]["body"])["incident"]["status"] == "triggered"


async def _all_delivered(runtime, tenant) -> bool:
    return await delivery_states(runtime, tenant.tenant_id) == {"delivered": len(SERVICES)}
