"""The incident list: rows, filters kept in the URL, clear errors for bad filters, paging, fragments, home."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.datastructures import QueryParams

from console.views.incidents.filters import ListFilters, parse_filters
from domain.incidents.service import NewIncident, create_incident
from tests.console.html import alerts, cells, has, link, one, root, select, selected, text, texts


def rows(html: str) -> list[str]:
    """The incident ids of the list's rows, top to bottom."""
    return [row["id"].removeprefix("incident-") for row in select(html, 'tr[id^="incident-"]')]


def stream_url(html: str) -> str:
    """Where the list's live rows come from."""
    return one(html, "section#incident-table")["sse-connect"]


async def test_the_list_shows_each_incidents_row(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Checkout latency", severity="SEV1", services=["checkout", "payments"],
                                assigneeId=str(owner.tenant.admin_user_id))

    page = await owner.get("/console/incidents")

    assert page.status_code == 200 and page.text.startswith("<!doctype html>")
    row = one(page.text, f"#incident-{incident['id']}")
    assert cells(row) == [incident["reference"], "Checkout latency", "SEV1", "P1", "triggered", "checkout payments",
                          "owner", "just now"]
    assert texts(row, "td:first-child > a") == [incident["reference"]]
    assert [(badge["class"], text(badge)) for badge in select(row, "td > .sev, td > .lifecycle")] == [
        (["sev", "sev-sev1"], "SEV1"), (["lifecycle", "lifecycle-triggered"], "triggered")]
    assert texts(row, "td > .tag") == ["checkout", "payments"]
    assert one(row, "td:nth-of-type(7) > span")["title"] == f"owner@{owner.tenant.slug}.example.com"
    assert stream_url(page.text) == "/console/incidents/stream"


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
    assert selected(by_status.text, "status") == ["open"]
    assert one(by_text.text, 'input[name="q"][type="search"]')["value"] == "ON FIRE"
    assert stream_url(by_severity.text) == "/console/incidents/stream?severity=SEV3&severity=SEV4"


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
    assert one(page.text, 'input[name="from"][type="date"]')["value"] == "soon" and not has(page.text, "#incident-table")


async def test_filters_the_api_refuses_show_its_error(owner):
    page = await owner.get("/console/incidents?q=" + "x" * 201)

    assert page.status_code == 400
    assert "Check what you entered. Search text must be at most 200 characters." in alerts(page.text)


async def test_a_broken_page_link_shows_its_error_and_keeps_the_form(owner):
    page = await owner.get("/console/incidents?after=garbage")

    assert page.status_code == 400 and "Invalid cursor." in page.text
    assert link(page.text, "New incident") == "/console/incidents/new"
    assert has(page.text, f'select[name="assignee"] option[value="{owner.tenant.admin_user_id}"]')


async def test_paging_keeps_the_filters_and_reaches_every_incident(owner, db):
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        made = [await create_incident(tx, new=NewIncident(title=f"Flap {n}", severity="SEV4"), actor="t")
                for n in range(27)]

    first = await owner.get("/console/incidents?severity=SEV4")
    next_url = link(first.text, "Next page")
    second = await owner.get(next_url)

    assert len(rows(first.text)) == 25 and next_url.startswith("/console/incidents?severity=SEV4&after=")
    assert len(rows(second.text)) == 2 and "Next page" not in second.text
    assert set(rows(first.text) + rows(second.text)) == {str(i.id) for i in made}
    assert "after=" in stream_url(second.text)


async def test_htmx_gets_the_screen_or_the_table_fragment(owner, incident_api):
    await (await incident_api(owner.tenant)).create("Fragment")

    screen = await owner.get("/console/incidents?severity=SEV2", htmx=True)
    table = await owner.http.get("/console/incidents", headers={"HX-Request": "true", "HX-Target": "incident-table"})

    assert root(screen.text)["id"] == "incidents-screen" and not has(screen.text, "html")
    assert (root(table.text).name, root(table.text)["id"]) == ("section", "incident-table") and "Fragment" in table.text


async def test_incident_readers_see_the_navigation_link_and_a_summary_at_home(owner, incident_api, make_tenant,
                                                                              add_member, signed_in):
    api = await incident_api(owner.tenant)
    await api.create("Sev one", severity="SEV1")
    await api.move(await api.create("Done", severity="SEV1"), "RESOLVED")
    agent = await signed_in(await add_member(owner.tenant, ["agent"]))

    home = await owner.get("/console/")
    agents_home = await agent.get("/console/")

    assert texts(home.text, 'nav[aria-label="Console"] a[href="/console/incidents"]') == ["Incidents"]
    overview = one(home.text, "#incident-overview")
    counts = {text(sev): (sev["class"], text(sev.find_next_sibling("strong", class_="count")))
              for sev in select(overview, ".counts li .sev")}
    assert counts["SEV1"] == (["sev", "sev-sev1"], "1") and counts["SEV2"] == (["sev", "sev-sev2"], "0")
    assert "Sev one" in text(overview) and "Done" in text(overview)
    assert not has(agents_home.text, 'nav a[href="/console/incidents"]')
    assert not has(agents_home.text, "#incident-overview") and agents_home.status_code == 200


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


def test_created_days_are_days_on_the_viewers_clock():
    late_evening_utc = {"status": "OPEN", "severity": "SEV2", "services": [], "title": "Slow API", "description": "",
                        "createdAt": "2025-03-04T23:30:00+00:00", "assignee": None}  # 05:00 on the 5th in Kolkata
    kolkata = ZoneInfo("Asia/Kolkata")

    in_kolkata, _, _ = parse_filters(QueryParams("from=2025-03-05&to=2025-03-05"), kolkata)
    in_utc, _, _ = parse_filters(QueryParams("from=2025-03-05&to=2025-03-05"))

    assert in_kolkata.matches(late_evening_utc) and not in_utc.matches(late_evening_utc)
    variables = in_kolkata.variables()
    assert (variables["createdAfter"], variables["createdBefore"]) == ("2025-03-04T18:30:00+00:00",
                                                                      "2025-03-05T18:30:00+00:00")


async def test_top_level_rows_fold_their_children_and_the_filter_can_show_every_incident(owner, incident_api):
    api = await incident_api(owner.tenant)
    root = await api.create("Payments down", severity="SEV1", services=["payments"])
    children = [await api.create(f"Symptom {n}", severity="SEV3") for n in range(2)]
    for child in children:
        await api.link(root, child, "PARENT")

    folded = await owner.get("/console/incidents")
    every = await owner.get("/console/incidents?top=0")

    assert rows(folded.text) == [root["id"]]
    related = one(folded.text, f"#incident-{root['id']} details.related")
    assert texts(related, "summary") == ["+2 related"]
    assert [(text(item.a), item.a.next_sibling.strip()) for item in select(related, "li")] == [
        (child["reference"], child["title"]) for child in children]
    assert selected(folded.text, "top") == ["1"]
    assert rows(every.text) == [children[1]["id"], children[0]["id"], root["id"]]
    parents = select(every.text, ".child-of a")
    assert {(text(a), a["href"]) for a in parents} == {(root["reference"], f"/console/incidents/{root['id']}")}
    assert all(text(a.parent) == f"child of {root['reference']}" for a in parents)
    assert selected(every.text, "top") == []
    assert stream_url(every.text) == "/console/incidents/stream?top=0"
