"""Webhook targets: create (the secret shown once), inline errors, delete, deliveries with their status."""

from __future__ import annotations

from tests.console.alerting.helpers import checks, create_rule, ingest
from tests.console.html import beside, cells, has, one, select, text, texts
from tests.resolvers.alerting.test_notification_targets import receiver

TARGETS = "{ notificationTargets { id name url eventTypes scope enabled } }"


async def _targets(api) -> list[dict]:
    return (await api.call(TARGETS, {}))["notificationTargets"]


async def test_a_webhook_is_created_with_its_secret_shown_once_then_deleted(owner, incident_api):
    api = await incident_api(owner.tenant)

    created = await owner.post("/console/alerts/targets", {"name": "ops", "url": "https://hooks.example.com/ops"},
                               htmx=True)

    [saved] = await _targets(api)
    assert created.status_code == 200 and "Webhook ops created." in created.text
    secret = one(created.text, "#new-target-secret")
    assert secret["aria-label"] == "Signing secret" and secret.has_attr("readonly")
    assert secret["value"].startswith("whsec_") and len(secret["value"]) > 30
    row = one(created.text, f"#target-{saved['id']}")
    assert cells(row)[:2] == ["ops", "https://hooks.example.com/ops"] and texts(row, "td code") == [cells(row)[1]]
    again = await owner.get("/console/alerts/targets")
    assert secret["value"] not in again.text and not has(again.text, "#new-target")

    deleted = await owner.post(f"/console/alerts/targets/{saved['id']}/delete", htmx=True)

    assert deleted.status_code == 200 and "Webhook deleted." in deleted.text
    assert not has(deleted.text, f"#target-{saved['id']}") and await _targets(api) == []


async def test_a_bad_url_is_shown_beside_the_url_and_nothing_is_saved(owner, incident_api):
    api = await incident_api(owner.tenant)

    response = await owner.post("/console/alerts/targets", {"name": "ops", "url": "ftp://files.example.com"})

    assert response.status_code == 400
    assert beside(response.text, "target-url") == "url must be an http(s) URL."
    assert one(response.text, "#target-url")["value"] == "ftp://files.example.com" and await _targets(api) == []


async def test_a_rule_that_fires_queues_a_delivery_listed_with_its_status(owner, db, incident_api):
    api = await incident_api(owner.tenant)
    await owner.post("/console/alerts/targets", {"name": "pager", "url": "https://hooks.example.com/pager",
                                                 "event_types": ["INCIDENT_CREATED"]})
    [target] = await _targets(api)
    await create_rule(api, notify=[target["id"]])
    try:
        await ingest(db, owner.tenant, checks([3, 2]))
        page = await owner.get("/console/alerts/targets")
    finally:  # its queued delivery then finds no target: no worker later retries an unreachable URL for minutes
        await owner.post(f"/console/alerts/targets/{target['id']}/delete")

    [delivery] = select(page.text, "#deliveries tbody tr")
    assert cells(delivery)[1:4] == ["pager", "incident.created", "pending"]
    assert texts(delivery, "td code") == ["incident.created"]
    assert texts(delivery, "td .delivery-state.delivery-pending") == ["pending"]


async def test_a_viewer_sees_webhooks_but_cannot_add_or_delete(owner, incident_api, add_member, signed_in):
    api = await incident_api(owner.tenant)
    await owner.post("/console/alerts/targets", {"name": "ops", "url": "https://hooks.example.com/ops"})
    [saved] = await _targets(api)
    viewer = await signed_in(await add_member(owner.tenant, ["viewer"]))

    page = await viewer.get("/console/alerts/targets")
    created = await viewer.post("/console/alerts/targets", {"name": "mine", "url": "https://evil.example.com"})
    deleted = await viewer.post(f"/console/alerts/targets/{saved['id']}/delete")

    assert page.status_code == 200 and cells(one(page.text, f"#target-{saved['id']}"))[0] == "ops"
    assert not has(page.text, "#target-form") and "/delete" not in page.text
    assert created.status_code == 403 and deleted.status_code == 403
    assert [t["name"] for t in await _targets(api)] == ["ops"]


async def test_a_webhook_hears_of_the_changes_ticked_and_they_can_be_changed(owner, incident_api):
    api = await incident_api(owner.tenant)

    created = await owner.post("/console/alerts/targets", {
        "name": "archive", "url": "https://hooks.example.com/a", "event_types": ["INCIDENT_RESOLVED", "INCIDENT_CLOSED"],
        "scope": "RULE_INCIDENTS"})
    [saved] = await _targets(api)
    changed = await owner.post(f"/console/alerts/targets/{saved['id']}", {
        "event_types": ["INCIDENT_REOPENED"], "scope": "ALL_INCIDENTS", "enabled": "off"})
    nothing = await owner.post(f"/console/alerts/targets/{saved['id']}", {"event_types": ["INCIDENT_LOST"]})

    row = one(created.text, f"#target-{saved['id']}")
    assert texts(row, "td.hears .tag") == ["resolved", "closed"]
    assert texts(row, "td.hears .muted") == ["of incidents of rules that notify it"]
    assert "Webhook archive saved." in changed.text
    assert nothing.status_code == 400 and "INCIDENT_LOST" in text(one(nothing.text, "#targets-screen"))
    assert [(t["eventTypes"], t["scope"], t["enabled"]) for t in await _targets(api)] == [
        (["INCIDENT_REOPENED"], "ALL_INCIDENTS", False)]


async def test_send_test_shows_how_the_receiver_answered(owner, incident_api):
    api = await incident_api(owner.tenant)
    async with receiver(503) as (url, received):
        await owner.post("/console/alerts/targets", {"name": "flaky", "url": url, "event_types": "INCIDENT_CREATED"})
        [target] = await _targets(api)

        tested = await owner.post(f"/console/alerts/targets/{target['id']}/test", htmx=True)

    assert tested.status_code == 200 and len(received) == 1
    result = one(tested.text, f"#target-{target['id']} .test-result")
    assert text(result) == "failed Test failed: HTTP 503." and texts(result, ".delivery-state.delivery-failed") == [
        "failed"]
    [delivery] = select(tested.text, "#deliveries tbody tr")
    assert cells(delivery)[1:3] == ["flaky", "test"] and texts(delivery, "td code") == ["test"]
