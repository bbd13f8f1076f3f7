"""Drop-in alert endpoints: repoint a PagerDuty, Alertmanager or Opsgenie sender at us and change
nothing else. One dedup key / fingerprint / alias is one incident; acknowledge and resolve move it;
bad payloads are answered as the original API would and store nothing but the refused payload."""

import pytest
from sqlalchemy import func, select

from domain.incidents.models import Incident
from domain.integrations.models import IntegrationPayload
from domain.integrations.service import create_integration
from domain.telemetry.models import Event


@pytest.fixture
def integration(db, make_tenant):
    async def make(kind: str, *, service: str | None = "checkout"):
        tenant = await make_tenant()
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            issued = await create_integration(tx, name=f"{kind} prod", kind=kind, service=service, actor="test")
        return tenant, issued
    return make


async def _incidents(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        rows = await tx.session.scalars(select(Incident).order_by(Incident.number))
        return [(i.title, i.status, i.severity, i.services) for i in rows]


async def _count(db, tenant, model, **where):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        query = select(func.count()).select_from(model).where(*[getattr(model, k) == v for k, v in where.items()])
        return await tx.session.scalar(query)


async def test_a_trigger_without_a_dedup_key_gets_one_back(client, integration):
    _, issued = await integration("pagerduty")

    response = await client.post("/api/integrations/pagerduty/enqueue", json={
        "routing_key": issued.key, "event_action": "trigger",
        "payload": {"summary": "CPU hot", "source": "web-2", "severity": "warning"}})

    assert response.status_code == 202
    assert response.json()["status"] == "success" and len(response.json()["dedup_key"]) == 32


@pytest.mark.parametrize(("body", "error"), [
    ({"event_action": "trigger", "payload": {"source": "x", "severity": "critical"}}, "'payload.summary' is missing"),
    ({"event_action": "trigger", "payload": {"summary": "s", "source": "x", "severity": "fatal"}},
     "'payload.severity' must be one of critical, error, warning, info"),
    ({"event_action": "resolve"}, "'dedup_key' is required for event_action 'resolve'"),
    ({"event_action": "snooze"}, "'event_action' is missing or invalid"),
])
async def test_a_bad_pagerduty_event_is_refused_as_pagerduty_does_and_only_the_payload_is_kept(
        client, db, integration, body, error):
    tenant, issued = await integration("pagerduty")

    response = await client.post("/api/integrations/pagerduty/enqueue", json={"routing_key": issued.key, **body})

    assert response.status_code == 400
    assert response.json()["status"] == "invalid event" and error in response.json()["errors"]
    assert await _count(db, tenant, Event) == 0
    assert await _count(db, tenant, IntegrationPayload, outcome="rejected") == 1


async def test_an_unknown_routing_key_is_refused(client):
    response = await client.post("/api/integrations/pagerduty/enqueue", json={
        "routing_key": "aik_" + "0" * 32 + "_nope", "event_action": "trigger",
        "payload": {"summary": "s", "source": "x", "severity": "info"}})

    assert response.status_code == 401


def _alertmanager(status: str) -> dict:
    alert = {"status": status, "fingerprint": "5e2b1d3c", "labels": {"alertname": "HighLatency",
                                                                      "service": "payments", "severity": "critical"},
             "annotations": {"summary": "p99 latency above 2s", "description": "payments p99 is 3.1s"},
             "startsAt": "2026-12-05T07:00:00Z", "endsAt": "2026-12-05T07:09:00Z" if status == "resolved" else
             "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus/graph"}
    return {"version": "4", "groupKey": "{}:{alertname=\"HighLatency\"}", "status": status, "receiver": "atlas",
            "groupLabels": {"alertname": "HighLatency"}, "commonLabels": alert["labels"],
            "commonAnnotations": alert["annotations"], "externalURL": "http://alertmanager", "alerts": [alert],
            "truncatedAlerts": 0}


async def test_an_alertmanager_alert_that_fires_then_resolves_opens_and_clears_one_incident(
        client, db, integration, forget_earlier_jobs, run_burst_worker):
    tenant, issued = await integration("alertmanager", service=None)
    headers = {"Authorization": f"Bearer {issued.key}"}

    fired = await client.post("/api/integrations/alertmanager", json=_alertmanager("firing"), headers=headers)
    repeated = await client.post("/api/integrations/alertmanager", json=_alertmanager("firing"), headers=headers)
    await run_burst_worker()
    opened = await _incidents(db, tenant)
    cleared = await client.post("/api/integrations/alertmanager", json=_alertmanager("resolved"), headers=headers)
    await run_burst_worker()

    assert (fired.status_code, repeated.status_code, cleared.status_code) == (200, 200, 200)
    assert opened == [("Alertmanager: alertmanager prod: p99 latency above 2s", "triggered", "SEV1", ["payments"])]
    assert [status for _, status, _, _ in await _incidents(db, tenant)] == ["resolved"]


async def test_alertmanager_needs_its_bearer_key_and_version_4(client, integration):
    _, issued = await integration("alertmanager")

    anonymous = await client.post("/api/integrations/alertmanager", json=_alertmanager("firing"))
    old = await client.post("/api/integrations/alertmanager", json={**_alertmanager("firing"), "version": "3"},
                            headers={"Authorization": f"Bearer {issued.key}"})

    assert anonymous.status_code == 401
    assert old.status_code == 400 and "version '3' is not supported" in old.json()["error"]


async def test_opsgenie_alerts_are_created_acknowledged_and_closed_by_alias(
        client, db, integration, forget_earlier_jobs, run_burst_worker):
    tenant, issued = await integration("opsgenie")
    headers = {"Authorization": f"GenieKey {issued.key}"}
    base = "/api/integrations/opsgenie/v2/alerts"

    created = await client.post(base, headers=headers, json={
        "message": "Queue backlog above 10k", "alias": "queue-backlog", "priority": "P2", "tags": ["queue"],
        "details": {"depth": "12034"}, "responders": [{"type": "team", "name": "ops"}]})
    await run_burst_worker()
    opened = await _incidents(db, tenant)
    acked = await client.post(f"{base}/queue-backlog/acknowledge?identifierType=alias", headers=headers, json={})
    await run_burst_worker()
    acknowledged = await _incidents(db, tenant)
    closed = await client.post(f"{base}/queue-backlog/close?identifierType=alias", headers=headers,
                               json={"note": "drained"})
    await run_burst_worker()

    assert created.status_code == acked.status_code == closed.status_code == 202
    assert created.json()["result"] == "Request will be processed" and "requestId" in created.json()
    assert opened == [("Opsgenie: opsgenie prod: Queue backlog above 10k", "triggered", "SEV2", ["checkout"])]
    assert acknowledged[0][1] == "open"
    assert (await _incidents(db, tenant))[0][1] == "resolved"


async def test_an_opsgenie_alert_without_a_message_gets_opsgenies_422_and_nothing_is_stored(client, db, integration):
    tenant, issued = await integration("opsgenie")

    response = await client.post("/api/integrations/opsgenie/v2/alerts", json={"alias": "x"},
                                 headers={"Authorization": f"GenieKey {issued.key}"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"message": "Message can not be empty."}
    assert await _count(db, tenant, Event) == 0


async def test_a_key_of_one_kind_does_not_open_another_kinds_endpoint(client, integration):
    _, issued = await integration("alertmanager")

    response = await client.post("/api/integrations/opsgenie/v2/alerts", json={"message": "m"},
                                 headers={"Authorization": f"GenieKey {issued.key}"})

    assert response.status_code == 401
