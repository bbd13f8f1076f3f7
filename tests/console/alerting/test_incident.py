"""The incident page lists the alerts the incident grouped, with their rule, state, counts and labels."""

from __future__ import annotations

from tests.console.alerting.helpers import checks, create_rule, ingest

INCIDENTS = "{ incidents(first: 10) { edges { node { id reference alertCount } } } }"


async def test_an_incident_raised_by_a_rule_lists_its_alerts(owner, db, incident_api):
    api = await incident_api(owner.tenant)
    rule = await create_rule(api)
    await ingest(db, owner.tenant, checks([4, 3, 2]))
    [incident] = [edge["node"] for edge in (await api.call(INCIDENTS, {}))["incidents"]["edges"]]

    page = await owner.get(f"/console/incidents/{incident['id']}")

    assert page.status_code == 200
    alerts = page.text.split('id="incident-alerts"')[1].split("</table>")[0]
    assert alerts.count('<tr id="alert-') == 1
    assert f'<a href="/console/alerts/rules/{rule["id"]}">Checkout failing</a> <span class="muted">v1</span>' in alerts
    assert '<span class="alert-state alert-firing">firing</span>' in alerts
    assert "<td>3</td>" in alerts and '<span class="tag">service=payments</span>' in alerts
    assert "<code>Checkout failing:service=payments</code>" in alerts


async def test_members_without_alert_read_see_the_rule_name_without_a_link(owner, db, incident_api, add_member,
                                                                            signed_in, define_role):
    api = await incident_api(owner.tenant)
    await create_rule(api)
    await ingest(db, owner.tenant, checks([2, 1]))
    [incident] = [edge["node"] for edge in (await api.call(INCIDENTS, {}))["incidents"]["edges"]]
    await define_role(owner.tenant, "incidents-only", ["incident.read"])
    reader = await signed_in(await add_member(owner.tenant, ["incidents-only"]))

    page = await reader.get(f"/console/incidents/{incident['id']}")

    alerts = page.text.split('id="incident-alerts"')[1].split("</table>")[0]
    assert "<td>Checkout failing <span class=\"muted\">v1</span></td>" in alerts
    assert "/console/alerts/rules/" not in page.text


async def test_an_incident_opened_by_hand_has_no_alerts(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Opened by hand")

    page = await owner.get(f"/console/incidents/{incident['id']}")

    assert "<h2>Alerts</h2>" in page.text and "No alerts grouped into this incident." in page.text
