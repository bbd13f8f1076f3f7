"""The incident page lists the alerts the incident grouped, with their rule, state, counts and labels."""

from __future__ import annotations

from tests.console.alerting.helpers import checks, create_rule, ingest
from tests.console.html import cells, has, href, select, texts

INCIDENTS = "{ incidents(first: 10) { edges { node { id reference alertCount } } } }"


async def test_an_incident_raised_by_a_rule_lists_its_alerts(owner, db, incident_api):
    api = await incident_api(owner.tenant)
    rule = await create_rule(api)
    await ingest(db, owner.tenant, checks([4, 3, 2]))
    [incident] = [edge["node"] for edge in (await api.call(INCIDENTS, {}))["incidents"]["edges"]]

    page = await owner.get(f"/console/incidents/{incident['id']}")

    assert page.status_code == 200
    [alert] = select(page.text, '#incident-alerts tr[id^="alert-"]')
    assert cells(alert)[0] == "Checkout failing v1" and texts(alert, "td:first-child .muted") == ["v1"]
    assert href(alert, "td:first-child a") == f"/console/alerts/rules/{rule['id']}"
    assert texts(alert, "td .alert-state.alert-firing") == ["firing"]
    assert cells(alert)[2] == "3" and texts(alert, "td .tag") == ["service=payments"]
    assert texts(alert, "td code") == ["Checkout failing:service=payments"]


async def test_members_without_alert_read_see_the_rule_name_without_a_link(owner, db, incident_api, add_member,
                                                                            signed_in, define_role):
    api = await incident_api(owner.tenant)
    await create_rule(api)
    await ingest(db, owner.tenant, checks([2, 1]))
    [incident] = [edge["node"] for edge in (await api.call(INCIDENTS, {}))["incidents"]["edges"]]
    await define_role(owner.tenant, "incidents-only", ["incident.read"])
    reader = await signed_in(await add_member(owner.tenant, ["incidents-only"]))

    page = await reader.get(f"/console/incidents/{incident['id']}")

    [alert] = select(page.text, '#incident-alerts tr[id^="alert-"]')
    assert cells(alert)[0] == "Checkout failing v1" and not has(alert, "td:first-child a")
    assert "/console/alerts/rules/" not in page.text


async def test_an_incident_opened_by_hand_has_no_alerts(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Opened by hand")

    page = await owner.get(f"/console/incidents/{incident['id']}")

    assert "Alerts" in texts(page.text, "h2") and "No alerts grouped into this incident." in page.text
