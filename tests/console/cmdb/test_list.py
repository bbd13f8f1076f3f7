"""The CMDB list: columns, search, filters (class with subclasses, environment, status, source, stale),
paging, the navigation entry, and who sees the New CI button."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.cmdb.discovery import flag_stale
from domain.cmdb.service import CiDraft, create_ci
from tests.console.cmdb.helpers import shop
from tests.console.html import alerts, cells, has, link, one, root, select, shown_codes, text, texts


def names(html: str) -> list[str]:
    """The CI names of the list, in order (each links to its CI)."""
    rows = [row.select_one("td:first-child > a") for row in select(html, 'tr[id^="ci-"]')]
    assert all(name["href"] == f"/console/cmdb/{row['id'].removeprefix('ci-')}"
               for name, row in zip(rows, select(html, 'tr[id^="ci-"]'), strict=True))
    return [text(name) for name in rows]


async def estate(db, tenant) -> dict:
    """A few CIs that differ in class, environment, status, source and staleness; ``{name: CI}``."""
    drafts = [CiDraft("host", "db-host", environment="staging", owner_team="platform"),
              CiDraft("virtual_machine", "web-vm", lifecycle_status="maintenance"),
              CiDraft("database", "orders-db", owner_team="data"),
              CiDraft("application_service", "payments", lifecycle_status="retired")]
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        made = {d.name: await create_ci(tx, draft=d, actor="test") for d in drafts}
        ghost = await create_ci(tx, draft=CiDraft("host", "ghost-host"), actor="discovery", source="discovered")
        ghost.last_seen_at = datetime.now(UTC) - timedelta(days=3)
        await tx.session.flush()
        await flag_stale(tx, now=datetime.now(UTC))
    return {**made, "ghost-host": ghost}


async def test_the_list_shows_each_ci_with_its_columns(owner, db):
    made = await estate(db, owner.tenant)

    page = await owner.get("/console/cmdb")

    assert page.status_code == 200
    assert names(page.text) == ["db-host", "ghost-host", "orders-db", "payments", "web-vm"]
    row = one(page.text, f"#ci-{made['db-host'].id}")
    assert cells(row) == ["db-host", "host", "staging", "active", "platform", "manual", "", "never"]
    assert texts(row, "td .tag") == ["host"] and texts(row, "td .ci-status.ci-active") == ["active"]
    assert "stale" not in str(row) and texts(row, "td .muted") == ["never"]
    ghost = one(page.text, f"#ci-{made['ghost-host'].id}")
    assert cells(ghost)[5:] == ["discovered", "stale", "3 d ago"] and texts(ghost, "td .badge.stale") == ["stale"]


async def test_search_and_filters_narrow_the_list_and_stay_in_the_form(owner, db):
    await estate(db, owner.tenant)

    hosts = await owner.get("/console/cmdb?class=host")
    searched = await owner.get("/console/cmdb?q=DB")
    staging = await owner.get("/console/cmdb?environment=staging")
    retired = await owner.get("/console/cmdb?status=retired")
    discovered = await owner.get("/console/cmdb?source=discovered")
    stale = await owner.get("/console/cmdb?stale=yes")
    fresh = await owner.get("/console/cmdb?stale=no&class=host")
    none = await owner.get("/console/cmdb?q=nothing-like-this")

    assert names(hosts.text) == ["db-host", "ghost-host", "web-vm"]  # virtual_machine is a kind of host
    assert names(searched.text) == ["db-host", "orders-db"]
    assert names(staging.text) == ["db-host"]
    assert names(retired.text) == ["payments"]
    assert names(discovered.text) == names(stale.text) == ["ghost-host"]
    assert names(fresh.text) == ["db-host", "web-vm"]
    assert names(none.text) == [] and "No configuration items match." in none.text
    assert [option["value"] for option in select(hosts.text, 'select[name="class"] option[selected]')] == ["host"]
    assert one(searched.text, 'input[name="q"][type="search"]')["value"] == "DB"


async def test_an_htmx_filter_answers_with_the_screen_only(owner, db):
    await estate(db, owner.tenant)

    response = await owner.get("/console/cmdb?environment=staging", htmx=True)

    assert root(response.text)["id"] == "cmdb-screen"
    assert names(response.text) == ["db-host"]


async def test_an_unknown_filter_value_is_an_error_beside_the_list(owner, db):
    await estate(db, owner.tenant)

    response = await owner.get("/console/cmdb?environment=moon")

    assert response.status_code == 400
    assert alerts(response.text)[0].startswith("Check what you entered. Unknown environment 'moon': choose from production")

    unknown_class = await owner.get("/console/cmdb?class=nosuch")

    assert unknown_class.status_code == 400
    assert "Unknown CI class &#39;nosuch&#39;." in unknown_class.text


async def test_next_page_continues_after_the_last_row(owner, db):
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        for n in range(52):
            await create_ci(tx, draft=CiDraft("host", f"host-{n:02d}"), actor="test")

    first = await owner.get("/console/cmdb?class=host")
    next_page = link(first.text, "Next page")
    second = await owner.get(next_page)

    assert names(first.text) == [f"host-{n:02d}" for n in range(50)]
    assert "class=host" in next_page and "after=" in next_page
    assert names(second.text) == ["host-50", "host-51"] and "Next page" not in second.text


async def test_the_navigation_offers_the_cmdb_to_those_with_cmdb_read(owner, add_member, signed_in):
    agent = await signed_in(await add_member(owner.tenant, ["agent"]))

    mine = await owner.get("/console/")
    theirs = await agent.get("/console/")
    refused = await agent.get("/console/cmdb")
    opened = await owner.get("/console/cmdb")

    assert texts(mine.text, 'a[href="/console/cmdb"]') == ["CMDB"]
    assert not has(theirs.text, 'a[href="/console/cmdb"]')
    assert refused.status_code == 403 and alerts(refused.text)[0].startswith("You may not do this.") and "cmdb.read" in refused.text
    current = one(opened.text, 'nav[aria-label="Console"] a[href="/console/cmdb"][aria-current="page"]')
    assert current["class"] == ["active"] and text(current) == "CMDB"
    assert texts(opened.text, 'a[href="/console/cmdb/new"]') == ["New CI"]


async def test_a_viewer_sees_the_cmdb_without_any_control_and_their_changes_are_refused(owner, db, add_member,
                                                                                       signed_in):
    ids = await shop(db, owner.tenant)
    viewer = await signed_in(await add_member(owner.tenant, ["viewer"]))
    removes = select((await owner.get(f"/console/cmdb/{ids['payments']}")).text, 'form[action$="/remove"]')
    rel = removes[0]["action"].split("/relationships/")[1].removesuffix("/remove")

    listed = await viewer.get("/console/cmdb")
    opened = await viewer.get(f"/console/cmdb/{ids['payments']}")
    refused = [await viewer.post("/console/cmdb/new", {"class_key": "host", "name": "sneaky"}),
               await viewer.post(f"/console/cmdb/{ids['payments']}", {"name": "renamed", "version": "1",
                                                                       "environment": "production",
                                                                       "lifecycle_status": "active"}),
               await viewer.post(f"/console/cmdb/{ids['payments']}/delete"),
               await viewer.post(f"/console/cmdb/{ids['payments']}/relationships",
                                 {"direction": "outgoing", "type": "depends_on", "other_id": ids["checkout"]}),
               await viewer.post(f"/console/cmdb/{ids['payments']}/relationships/{rel}/remove"),
               await viewer.post("/console/cmdb/classes", {"key": "sneaky", "label": "S", "parent": "host"}),
               await viewer.post("/console/cmdb/transfer", {"format": "csv", "cis": "class,name\nhost,sneaky\n"})]

    assert listed.status_code == 200 and "payments" in listed.text and "New CI" not in listed.text
    assert opened.status_code == 200 and "What breaks if this fails" in opened.text
    for control in ("#ci-form", "#relate-form", "#ci-delete"):
        assert not has(opened.text, control)
    for control in ("/remove", "Add relationship"):
        assert control not in opened.text
    assert "Changing the CMDB needs the cmdb.write permission." in opened.text
    for response in refused:
        assert response.status_code == 403 and shown_codes(response.text) == ["FORBIDDEN"]
    after = await owner.get(f"/console/cmdb/{ids['payments']}")
    assert text(one(after.text, "h1")).startswith("payments ") and f"/relationships/{rel}/remove" in after.text
    assert "sneaky" not in text(one((await owner.get("/console/cmdb?q=sneaky")).text, "#cis"))
