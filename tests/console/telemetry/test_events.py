"""Events: filters, newest first, and links to the incidents each event raised."""

from __future__ import annotations

from domain.incidents.service import NewIncident, create_incident
from tests.console.html import cells, has, one, root, select, selected, text, texts
from tests.console.telemetry.helpers import ago, link_event, store


def titles(html: str) -> list[str]:
    """The events' titles, top to bottom (a title with a message is the summary of its details)."""
    found = [row.find_all("td", recursive=False)[3] for row in select(html, 'tr[id^="event-"]')]
    return [text(cell.summary or cell) for cell in found]


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
    row = one(page.text, f"#event-{keys['Disk full'][1]}")
    raised = one(row, "td.incidents a")
    assert (raised["href"], raised["title"], text(raised)) == (
        f"/console/incidents/{incident.id}", "Disk trouble (triggered)", f"INC-{incident.number}")
    assert texts(row, "td .event-severity.ev-critical") == ["critical"] and texts(row, "p.message") == ["sda1 at 99%"]
    assert cells(row)[4] == "checkout web-1"
    other = one(page.text, f"#event-{keys['CPU high'][1]}")
    assert not has(other, "td.incidents a") and "/console/incidents/" not in str(other)


async def test_filters_narrow_the_events_and_stay_in_the_form(owner, db):
    await _events(db, owner.tenant)

    nagios = await owner.get("/console/explore/events?source=nagios")
    bad = await owner.get("/console/explore/events?severity=critical&severity=warning")
    search = await owner.get("/console/explore/events?service=search")
    recent = await owner.get("/console/explore/events?range=15m&since=" + ago(minutes=90)[:16] + "&until=" + ago(minutes=60)[:16])

    assert titles(nagios.text) == ["Disk ok again", "Disk full"]
    assert titles(bad.text) == ["CPU high", "Disk full"] and titles(search.text) == ["CPU high"]
    assert titles(recent.text) == [] and "No events match." in recent.text
    assert "critical" in selected(bad.text, "severity") and one(nagios.text, 'input[name="source"]')["value"] == "nagios"


async def test_an_unknown_severity_is_refused_with_a_message(owner):
    page = await owner.get("/console/explore/events?severity=panic")

    assert page.status_code == 400
    assert "Unknown severity &#39;panic&#39;: choose from critical, error, warning, info, debug, ok." in page.text


async def test_htmx_gets_the_screen_fragment(owner, db):
    await _events(db, owner.tenant)

    screen = await owner.get("/console/explore/events?source=datadog", htmx=True)

    assert root(screen.text)["id"] == "events-screen" and not has(screen.text, "html")
    assert titles(screen.text) == ["CPU high"]
