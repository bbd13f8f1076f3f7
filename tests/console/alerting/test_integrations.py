"""Integrations screen: create one (URL and key shown once), see the payloads it received with their
outcome, add a heartbeat, delete; bad input is shown beside its field and changes nothing."""

from __future__ import annotations

from tests.console.html import beside, has, one, select

INTEGRATIONS = "{ integrations { id name kind } heartbeats { name } }"


async def test_an_integration_shows_its_url_and_key_once_then_the_payloads_it_received(owner, incident_api, client):
    api = await incident_api(owner.tenant)

    created = await owner.post("/console/alerts/integrations", {"name": "legacy pd", "kind": "pagerduty",
                                                                "severity": "SEV2"}, htmx=True)

    assert created.status_code == 200 and "Integration legacy pd created." in created.text
    url, key = one(created.text, "#new-integration-url")["value"], one(created.text, "#new-integration-key")["value"]
    assert url.endswith("/api/integrations/pagerduty/enqueue") and key.startswith("aik_")
    refused = await client.post("/api/integrations/pagerduty/enqueue", json={
        "routing_key": key, "event_action": "trigger", "payload": {"source": "db-1", "severity": "critical"}})
    page = await owner.get("/console/alerts/integrations")

    assert refused.status_code == 400
    assert key not in page.text and not has(page.text, "#new-integration")
    [integration] = (await api.call(INTEGRATIONS, {}))["integrations"]
    [payload] = select(page.text, f"#integration-{integration['id']} ~ tr.payloads tbody tr")
    assert "rejected (400)" in payload.get_text() and "'payload.summary' is missing" in payload.get_text()


async def test_a_heartbeat_is_added_and_an_interval_too_short_is_shown_beside_its_field(owner, incident_api):
    api = await incident_api(owner.tenant)

    short = await owner.post("/console/alerts/integrations/heartbeats", {"name": "backup", "interval": "5"})
    made = await owner.post("/console/alerts/integrations/heartbeats", {"name": "backup", "interval": "3600",
                                                                         "grace": "60"}, htmx=True)

    assert short.status_code == 400 and "from 30 to" in beside(short.text, "heartbeat-interval")
    assert "Heartbeat backup created." in made.text
    assert one(made.text, "#new-integration-url")["value"].endswith("/api/heartbeats/backup/ping")
    assert (await api.call(INTEGRATIONS, {}))["heartbeats"] == [{"name": "backup"}]


async def test_deleting_an_integration_removes_it_and_its_key_stops_working(owner, incident_api, client):
    api = await incident_api(owner.tenant)
    created = await owner.post("/console/alerts/integrations", {"name": "am", "kind": "alertmanager"}, htmx=True)
    key = one(created.text, "#new-integration-key")["value"]
    [integration] = (await api.call(INTEGRATIONS, {}))["integrations"]

    deleted = await owner.post(f"/console/alerts/integrations/{integration['id']}/delete", htmx=True)
    after = await client.post("/api/integrations/alertmanager", json={"version": "4", "alerts": []},
                              headers={"Authorization": f"Bearer {key}"})

    assert "Integration deleted." in deleted.text and (await api.call(INTEGRATIONS, {}))["integrations"] == []
    assert after.status_code == 401
