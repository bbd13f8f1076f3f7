"""Events: filters, newest first, and links to the incidents each event raised."""

from __future__ import annotations

import re

from domain.incidents.service import NewIncident, create_incident
from tests.console.telemetry.helpers import ago, link_event, store


def titles(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).split("\n")[0].strip()
            for cell in re.findall(r'<tr id="event-[^"]+">.*?<td>.*?</td>.*?</td>.*?</td>\s*<td>\s*(.*?)</td>',
                                   html, re.DOTALL)]


async def _events(db, tenant):
    stored = await store(db, tenant, {"resource": {"service.name": "checkout"}, "events": [
        {"source": "nagios", "title": "Disk full", "severity": "critical", "time": ago(minutes=3),
         "message": "sda1 at 99%", "host": "web-1"},
        {"source": "nagios", "title": "Disk ok again", "severity": "ok", "time": ago(minutes=2)},
        {"source": "datadog", "title": "CPU high", "severity": "warning", "time": ago(minutes=1), "service": "search"},
    ]})
    return dict(zip(("Disk full", "Disk ok again", "CPU high"), sorted(stored.events), strict=True))


async def test_events_are_listed_newest_first_with_the_incidents_they_raised(owner, db):
    keys = await _events(db, owner.tenant)
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title="Disk trouble", severity="SEV2"), actor="t")
    await link_event(db, owner.tenant, keys["Disk full"][1], str(incident.id))

    page = await owner.get("/console/explore/events")

    assert page.status_code == 200 and titles(page.text) == ["CPU high", "Disk ok again", "Disk full"]
    row = page.text.split(f'<tr id="event-{keys["Disk full"][1]}"')[1].split("</tr>")[0]
    assert f'<a href="/console/incidents/{incident.id}" title="Disk trouble (triggered)">INC-{incident.number}</a>' in row
    assert '<span class="event-severity ev-critical">critical</span>' in row and "sda1 at 99%" in row
    assert "checkout" in row and "web-1" in row
    other = page.text.split(f'<tr id="event-{keys["CPU high"][1]}"')[1].split("</tr>")[0]
    assert "/console/incidents/" not in other


async def test_filters_narrow_the_events_and_stay_in_the_form(owner, db):
    await _events(db, owner.tenant)

    nagios = await owner.get("/console/explore/events?source=nagios")
    bad = await owner.get("/console/explore/events?severity=critical&severity=warning")
    search = await owner.get("/console/explore/events?service=search")
    recent = await owner.get("/console/explore/events?range=15m&since=" + ago(minutes=90)[:16] + "&until=" + ago(minutes=60)[:16])

    assert titles(nagios.text) == ["Disk ok again", "Disk full"]
    assert titles(bad.text) == ["CPU high", "Disk full"] and titles(search.text) == ["CPU high"]
    assert titles(recent.text) == [] and "No events match." in recent.text
    assert 'name="severity" value="critical" checked' in bad.text and 'name="source" value="nagios"' in nagios.text


async def test_an_unknown_severity_is_refused_with_a_message(owner):
    page = await owner.get("/console/explore/events?severity=panic")

    assert page.status_code == 400
    assert "Unknown severity &#39;panic&#39;: choose from critical, error, warning, info, debug, ok." in page.text


async def test_htmx_gets_the_screen_fragment(owner, db):
    await _events(db, owner.tenant)

    screen = await owner.get("/console/explore/events?source=datadog", htmx=True)

    assert screen.text.lstrip().startswith('<div id="events-screen">') and "<html" not in screen.text
    assert titles(screen.text) == ["CPU high"]
