"""Valkey dies under a running platform: ingest and mutations keep working, the worker waits instead of
exiting, and the events accepted meanwhile are evaluated by the alert rules once Valkey is back."""

from standardwebhooks import Webhook

from atlas.runtime import Runtime
from tests.conftest import auth_headers
from tests.faults.lab import critical_events, delivery_states, incidents_by_service, wait_for

CREATE_INCIDENT = """mutation($input: CreateIncidentInput!) {
  createIncident(input: $input) { __typename ... on Error { code message } } }"""


async def test_events_ingested_while_valkey_is_down_are_evaluated_after_it_returns(
        lab, lab_client, lab_runtime, tenant, receiver, workers):
    # given a running worker and a signed-in responder
    worker = workers()
    await worker.wait_for_log("Starting worker")
    grant = await lab_runtime.tokens.password_grant(username=f"owner@{tenant.slug}.example.com",
                                                    password="correct-horse-battery", tenant=tenant.slug,
                                                    address="test")

    # when Valkey dies and three critical events and a new incident arrive
    lab.kill_valkey()
    await worker.wait_for_log("Redis is unavailable")
    answers = [await lab_client.post("/api/ingest/events", json=critical_events(["checkout"], prefix=f"vk{n}"),
                                     headers={"X-Api-Key": tenant.ingest_key}) for n in range(3)]
    created = await lab_client.post("/graphql", headers=auth_headers(grant), json={
        "query": CREATE_INCIDENT, "variables": {"input": {"title": "Typed in during the outage", "severity": "SEV3"}}})
    readiness = await lab_client.get("/readyz")

    # then each was accepted while Valkey was down, and readiness said so
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert all(a.json()["accepted"]["events"] == 1 for a in answers)
    assert created.status_code == 200, created.text
    assert created.json() == {"data": {"createIncident": {"__typename": "IncidentSaved"}}}
    assert readiness.status_code == 503 and readiness.json()["failing"] == ["redis"]

    # and when Valkey is back, the same worker evaluates them: one incident with three alerts, one delivery
    lab.servers.restart_valkey()
    await wait_for(lambda: _delivered(lab_runtime, tenant), timeout=30, what="the incident's delivery")
    assert worker.process.poll() is None, "the worker rode out the outage"
    assert "Redis is back" in worker.text()
    # (the worker evaluates the three events' jobs concurrently: the incident may be delivered before its last
    # alert joins it, so the three alerts are awaited, then checked to stay on one incident)
    async def all_three_alerts() -> dict | None:
        incidents = await incidents_by_service(lab_runtime, tenant.tenant_id)
        return incidents if incidents.get("checkout", (0, 0))[1] >= 3 else None

    incidents = await wait_for(all_three_alerts, timeout=30, what="the three alerts on the incident")
    assert incidents == {"checkout": (1, 3)}
    assert len(receiver.requests) == 1
    assert Webhook(tenant.target_secret).verify(receiver.requests[0]["body"], receiver.requests[0]["headers"])
    ready = await wait_for(lambda: _ready(lab_client), timeout=15, what="readiness")
    assert ready["checks"] == {"database": "ok", "redis": "ok", "worker": "ok"}


async def _delivered(runtime, tenant) -> bool:
    return await delivery_states(runtime, tenant.tenant_id) == {"delivered": 1}


async def _ready(client) -> dict | None:
    response = await client.get("/readyz")
    return response.json() if response.status_code == 200 and response.json()["checks"]["worker"] == "ok" else None


async def test_a_web_app_and_a_worker_started_while_valkey_is_down_come_up_when_it_does(lab, workers):
    # given Valkey down when a worker and a web app start
    lab.kill_valkey()
    worker = workers()
    await worker.wait_for_log("waiting for Redis")
    runtime = await Runtime.open(lab.settings)
    try:
        down = await runtime.readiness()

        # when Valkey comes back
        lab.servers.restart_valkey()
        await worker.wait_for_log("Starting worker")
        up = await wait_for(lambda: _redis_ok(runtime), timeout=15, what="the web app's Redis")
    finally:
        await runtime.close()

    # then both started anyway and use it once it answers
    assert down.failing == ["redis"]
    assert up.failing == [] and worker.process.poll() is None


async def _redis_ok(runtime):
    state = await runtime.readiness()
    return state if not state.failing else None
