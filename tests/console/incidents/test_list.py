"""The incident list: rows, filters kept in the URL, clear errors for bad filters, paging, fragments, home."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from starlette.datastructures import QueryParams

from console.views.incidents.filters import ListFilters, parse_filters
from domain.incidents.service import NewIncident, create_incident

ROW = re.compile(r'<tr id="incident-([0-9a-f-]+)"')


def rows(html: str) -> list[str]:
    """The incident ids of the list's rows, top to bottom."""
    return ROW.findall(html)


async def test_the_list_shows_each_incidents_row(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Checkout latency", severity="SEV1", services=["checkout", "payments"],
                                assigneeId=str(owner.tenant.admin_user_id))

    page = await owner.get("/console/incidents")

    assert page.status_code == 200 and page.text.startswith("<!doctype html>")
    row = page.text.split(f'<tr id="incident-{incident["id"]}"')[1].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
    assert f'>{incident["reference"]}</a>' in cells[0] and cells[1] == "Checkout latency"
    assert cells[2] == '<span class="sev sev-sev1">SEV1</span>' and cells[3] == "P1"
    assert cells[4] == '<span class="lifecycle lifecycle-triggered">triggered</span>'
    assert cells[5] == '<span class="tag">checkout</span> <span class="tag">payments</span> '
    assert f"owner@{owner.tenant.slug}.example.com" in cells[6] and cells[7] == "just now"
    assert 'sse-connect="/console/incidents/stream"' in page.text


async def test_filters_narrow_the_list_and_stay_in_the_form_and_the_links(owner, incident_api):
    api = await incident_api(owner.tenant)
    db_fire = await api.create("Database on fire", severity="SEV1", services=["orders-db"])
    await api.move(db_fire, "OPEN")
    slow = await api.create("Slow search", severity="SEV3", services=["search"])
    mine = await api.create("Mine", severity="SEV3", assigneeId=str(owner.tenant.admin_user_id))

    by_status = await owner.get("/console/incidents?status=open")
    by_severity = await owner.get("/console/incidents?severity=SEV3&severity=SEV4")
    by_service = await owner.get("/console/incidents?service=search")
    by_text = await owner.get("/console/incidents?q=ON+FIRE")
    unassigned = await owner.get("/console/incidents?assignee=none")
    assigned = await owner.get(f"/console/incidents?assignee={owner.tenant.admin_user_id}")

    assert rows(by_status.text) == [db_fire["id"]]
    assert rows(by_severity.text) == [mine["id"], slow["id"]]
    assert rows(by_service.text) == [slow["id"]] and rows(by_text.text) == [db_fire["id"]]
    assert rows(unassigned.text) == [slow["id"], db_fire["id"]] and rows(assigned.text) == [mine["id"]]
    assert 'name="status" value="open" checked' in by_status.text
    assert 'name="q" type="search" value="ON FIRE"' in by_text.text
    assert 'sse-connect="/console/incidents/stream?severity=SEV3&amp;severity=SEV4"' in by_severity.text


async def test_the_created_range_is_inclusive_of_both_days(owner, db):
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title="Today", severity="SEV3"), actor="t")

    today = await owner.get(f"/console/incidents?from={yesterday + timedelta(days=1)}&to={yesterday + timedelta(days=1)}")
    before = await owner.get(f"/console/incidents?to={yesterday}")

    assert rows(today.text) == [str(incident.id)] and rows(before.text) == []


async def test_bad_filter_values_show_a_clear_error_instead_of_a_list(owner):
    page = await owner.get("/console/incidents?status=bogus&severity=SEV9&from=soon&assignee=bob")

    assert page.status_code == 400
    assert "Unknown status &#39;bogus&#39;: choose from triggered, open, investigating, resolved, closed." in page.text
    assert "Unknown severity &#39;SEV9&#39;: choose from SEV1, SEV2, SEV3, SEV4." in page.text
    assert "Created from must be a date (YYYY-MM-DD)." in page.text and "Unknown assignee &#39;bob&#39;." in page.text
    assert 'name="from" type="date" value="soon"' in page.text and 'id="incident-table"' not in page.text


async def test_filters_the_api_refuses_show_its_error(owner):
    page = await owner.get("/console/incidents?q=" + "x" * 201)

    assert page.status_code == 400
    assert "<code>VALIDATION</code> Search text must be at most 200 characters." in page.text


async def test_a_broken_page_link_shows_its_error_and_keeps_the_form(owner):
    page = await owner.get("/console/incidents?after=garbage")

    assert page.status_code == 400 and "Invalid cursor." in page.text
    assert "New incident</a>" in page.text
    assert f'<option value="{owner.tenant.admin_user_id}"' in page.text


async def test_paging_keeps_the_filters_and_reaches_every_incident(owner, db):
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        made = [await create_incident(tx, new=NewIncident(title=f"Flap {n}", severity="SEV4"), actor="t")
                for n in range(27)]

    first = await owner.get("/console/incidents?severity=SEV4")
    next_url = re.search(r'<a href="([^"]+)">Next page</a>', first.text)[1].replace("&amp;", "&")
    second = await owner.get(next_url)

    assert len(rows(first.text)) == 25 and next_url.startswith("/console/incidents?severity=SEV4&after=")
    assert len(rows(second.text)) == 2 and "Next page" not in second.text
    assert set(rows(first.text) + rows(second.text)) == {str(i.id) for i in made}
    assert "after=" in re.search(r'sse-connect="([^"]+)"', second.text)[1]


async def test_htmx_gets_the_screen_or_the_table_fragment(owner, incident_api):
    await (await incident_api(owner.tenant)).create("Fragment")

    screen = await owner.get("/console/incidents?severity=SEV2", htmx=True)
    table = await owner.http.get("/console/incidents", headers={"HX-Request": "true", "HX-Target": "incident-table"})

    assert screen.text.lstrip().startswith('<div id="incidents-screen">') and "<html" not in screen.text
    assert table.text.lstrip().startswith('<section id="incident-table"') and "Fragment" in table.text


async def test_incident_readers_see_the_navigation_link_and_a_summary_at_home(owner, incident_api, make_tenant,
                                                                              add_member, signed_in):
    api = await incident_api(owner.tenant)
    await api.create("Sev one", severity="SEV1")
    await api.move(await api.create("Done", severity="SEV1"), "RESOLVED")
    agent = await signed_in(await add_member(owner.tenant, ["agent"]))

    home = await owner.get("/console/")
    agents_home = await agent.get("/console/")

    assert 'href="/console/incidents">Incidents</a>' in home.text
    counts = home.text.split('id="incident-overview"')[1]
    assert '<span class="sev sev-sev1">SEV1</span> <strong class="count">1</strong>' in counts
    assert '<span class="sev sev-sev2">SEV2</span> <strong class="count">0</strong>' in counts
    assert "Sev one" in counts and "Done" in counts
    assert 'href="/console/incidents">Incidents</a>' not in agents_home.text
    assert 'id="incident-overview"' not in agents_home.text and agents_home.status_code == 200


async def test_a_viewer_sees_the_list_without_the_new_incident_button(make_tenant, add_member, signed_in):
    tenant = await make_tenant()
    viewer = await signed_in(await add_member(tenant, ["viewer"]))

    page = await viewer.get("/console/incidents")

    assert page.status_code == 200 and "New incident" not in page.text


def test_filters_match_live_rows_like_the_list_does():
    incident = {"status": "OPEN", "severity": "SEV2", "services": ["api"], "title": "Slow API",
                "description": "p95 above 2 s", "createdAt": "2025-03-04T23:30:00+00:00", "assignee": None}

    def matches(query: str) -> bool:
        filters, _, errors = parse_filters(QueryParams(query))
        assert errors == []
        return filters.matches(incident)

    assert matches("") and matches("status=open&severity=SEV2&service=api&assignee=none&q=P95")
    assert matches("from=2025-03-04&to=2025-03-04")
    assert not matches("status=triggered") and not matches("severity=SEV1") and not matches("service=web")
    assert not matches("q=database") and not matches("from=2025-03-05") and not matches("to=2025-03-03")
    assert not matches("assignee=3f1b1a3e-0000-4000-8000-000000000000")
    assert ListFilters(top_level=False).variables() is None
    assert ListFilters().variables() == {"topLevelOnly": True}
    child = {**incident, "parent": {"id": "p", "reference": "INC-1"}}
    assert not parse_filters(QueryParams(""))[0].matches(child)
    assert parse_filters(QueryParams("top=0"))[0].matches(child)
    assert parse_filters(QueryParams("top=0&top=1"))[0].matches(child) is False


async def test_top_level_rows_fold_their_children_and_the_filter_can_show_every_incident(owner, incident_api):
    api = await incident_api(owner.tenant)
    root = await api.create("Payments down", severity="SEV1", services=["payments"])
    children = [await api.create(f"Symptom {n}", severity="SEV3") for n in range(2)]
    for child in children:
        await api.link(root, child, "PARENT")

    folded = await owner.get("/console/incidents")
    every = await owner.get("/console/incidents?top=0")

    assert rows(folded.text) == [root["id"]]
    row = folded.text.split(f'<tr id="incident-{root["id"]}"')[1].split("</tr>")[0]
    assert "<summary>+2 related</summary>" in row
    assert all(f'>{child["reference"]}</a> {child["title"]}' in row for child in children)
    assert 'name="top" value="1" checked' in folded.text
    assert rows(every.text) == [children[1]["id"], children[0]["id"], root["id"]]
    assert f'child of <a href="/console/incidents/{root["id"]}">{root["reference"]}</a>' in every.text
    assert 'name="top" value="1" checked' not in every.text
    assert 'sse-connect="/console/incidents/stream?top=0"' in every.text
