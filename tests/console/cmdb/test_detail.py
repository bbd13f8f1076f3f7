"""A CI's page and forms: create, edit with versions (stale edits show the conflict), inline errors that
save nothing, relationships added and removed, history with before/after, delete."""

from __future__ import annotations

import uuid

from domain.cmdb.service import update_ci
from tests.console.cmdb.helpers import CI_FORM, shop, stored
from tests.console.html import alerts, beside, cells, href, one, root, select, text, texts


async def cis_named(owner, name: str) -> list[str]:
    page = await owner.get(f"/console/cmdb?q={name}")
    return [row["id"].removeprefix("ci-") for row in select(page.text, 'tr[id^="ci-"]')]


async def test_a_ci_created_with_the_form_is_saved_and_opened(owner, db):
    created = await owner.post("/console/cmdb/new", CI_FORM, htmx=True)

    [ci_id] = await cis_named(owner, "orders-db")
    assert created.status_code == 200 and created.headers["HX-Redirect"] == f"/console/cmdb/{ci_id}"
    assert await stored(db, owner.tenant, ci_id) == {"name": "orders-db", "version": 1, "owner_team": "data",
                                                     "environment": "production",
                                                     "attributes": {"port": 5432, "engine": "postgres"}}
    page = await owner.get(created.headers["HX-Redirect"])
    assert text(one(page.text, "h1")) == "orders-db database" and texts(page.text, "h1 .tag") == ["database"]
    attributes = select(page.text, "table#ci-attributes tbody tr")
    assert [cells(row) for row in attributes] == [["engine", "postgres"], ["port", "5432"]]
    assert [texts(row, "td:first-child code") for row in attributes] == [["engine"], ["port"]]
    history = one(page.text, "#ci-history")
    assert texts(history, "td .tag") == ["created"] and f"owner@{owner.tenant.slug}.example.com" in text(history)


async def test_attributes_that_are_not_json_are_refused_beside_the_field_and_nothing_is_saved(owner):
    response = await owner.post("/console/cmdb/new", {**CI_FORM, "attributes": '{"port": 5432,'}, htmx=True)

    assert response.status_code == 400
    assert root(response.text)["id"] == "new-ci-screen"
    assert beside(response.text, "ci-attributes").startswith("Attributes are not valid JSON: Expecting property name")
    assert one(response.text, "#ci-name")["value"] == "orders-db"
    assert one(response.text, "textarea#ci-attributes").string == '{"port": 5432,'  # what was typed is kept
    assert await cis_named(owner, "orders-db") == []


async def test_attributes_the_class_schema_refuses_are_the_apis_error_beside_the_field(owner):
    response = await owner.post("/console/cmdb/new", {**CI_FORM, "attributes": '{"port": "high"}'})

    assert response.status_code == 400
    assert beside(response.text, "ci-attributes") == ("Attribute port is invalid for class database: "
                                                      "'high' is not of type 'integer'")
    assert await cis_named(owner, "orders-db") == []


async def test_a_name_already_taken_is_a_conflict_beside_the_name(owner, db):
    await shop(db, owner.tenant)

    response = await owner.post("/console/cmdb/new", {**CI_FORM, "class_key": "database", "name": "PAYMENTS-DB"})

    assert response.status_code == 409
    assert beside(response.text, "ci-name") == "A database named 'PAYMENTS-DB' already exists."


async def test_an_edit_saves_the_next_version_and_the_history_shows_before_and_after(owner, db):
    ids = await shop(db, owner.tenant)
    form = {**CI_FORM, "name": "payments-db", "owner_team": "dba", "attributes": '{"port": 6432}', "version": "1"}

    saved = await owner.post(f"/console/cmdb/{ids['payments-db']}", form, htmx=True)

    assert saved.status_code == 200 and "payments-db saved as version 2." in saved.text
    assert await stored(db, owner.tenant, ids["payments-db"]) == {
        "name": "payments-db", "version": 2, "owner_team": "dba", "environment": "production",
        "attributes": {"port": 6432}}
    change = select(saved.text, "#ci-history tbody > tr")[0]
    assert texts(change, "td .tag") == ["updated"]
    diff = {text(row.find("code")): cells(row)[1:] for row in select(change, "table.diff tr")}
    assert diff["owner_team"] == ["", "→", "dba"] and diff["attributes"] == ["{}", "→", '{"port": 6432}']
    assert [texts(change, f"table.diff td.{side}") for side in ("before", "after")] == [
        ["", "", "{}"], ["Orders", "dba", '{"port": 6432}']]
    assert one(saved.text, '#ci-form input[name="version"]')["value"] == "2"


async def test_a_stale_edit_shows_the_conflict_inline_and_saves_nothing(owner, db):
    ids = await shop(db, owner.tenant)
    page = await owner.get(f"/console/cmdb/{ids['payments']}")
    assert one(page.text, '#ci-form input[type="hidden"][name="version"]')["value"] == "1"
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        await update_ci(tx, ci_id=uuid.UUID(ids["payments"]), changes={"owner_team": "someone-else"}, actor="other")
    form = {**CI_FORM, "class_key": "application_service", "name": "payments", "attributes": "{}",
            "owner_team": "mine", "version": "1"}

    response = await owner.post(f"/console/cmdb/{ids['payments']}", form, htmx=True)

    assert response.status_code == 409
    conflict = one(response.text, "#ci-conflict")
    assert "The CI changed since version 1 (now 2); reload and retry." in text(conflict)
    assert href(conflict, "a") == f"/console/cmdb/{ids['payments']}" and texts(conflict, "a") == [
        "Reload the current version"]
    kept = select(one(response.text, "section#ci-edit"), '[value="mine"]')
    assert [field["name"] for field in kept] == ["owner_team"]  # what was typed is kept
    assert (await stored(db, owner.tenant, ids["payments"]))["owner_team"] == "someone-else"


async def test_a_relationship_added_from_the_picker_shows_on_both_ends(owner, db):
    ids = await shop(db, owner.tenant)
    picker = await owner.http.get(f"/console/cmdb/{ids['checkout']}?q=db",
                                  headers={"HX-Request": "true", "HX-Target": "ci-candidates"})
    assert root(picker.text).name == "fieldset" and root(picker.text)["id"] == "ci-candidates"
    assert [choice["value"] for choice in select(picker.text, 'input[name="other_id"]')] == [ids["payments-db"]]

    added = await owner.post(f"/console/cmdb/{ids['checkout']}/relationships",
                             {"direction": "outgoing", "type": "depends_on", "other_id": ids["payments-db"]}, htmx=True)

    assert added.status_code == 200 and "Related: checkout depends_on payments-db." in added.text
    outgoing = {text(row.select_one("td a")): row for row in select(added.text, "#relationships-outgoing tbody tr")}
    assert texts(outgoing["payments-db"], "td .rel-type") == ["depends on"]
    assert href(outgoing["payments-db"], "td a") == f"/console/cmdb/{ids['payments-db']}"
    other_end = await owner.get(f"/console/cmdb/{ids['payments-db']}")
    incoming = one(other_end.text, "#relationships-incoming")
    assert [(text(link), link["href"]) for link in incoming.select("td a") if text(link) == "checkout"] == [
        ("checkout", f"/console/cmdb/{ids['checkout']}")]
    assert "checkout depends on payments-db" in text(one(other_end.text, "#ci-history"))


async def test_an_incoming_relationship_the_types_refuse_is_shown_at_the_picker_and_saves_nothing(owner, db):
    ids = await shop(db, owner.tenant)

    response = await owner.post(f"/console/cmdb/{ids['checkout']}/relationships",
                                {"direction": "incoming", "type": "runs_on", "other_id": ids["payments-db"],
                                 "q": "pay"}, htmx=True)

    assert response.status_code == 400
    picker = one(response.text, "#relate-form")
    assert texts(picker, ".field-error")[0].startswith("A application_service cannot be the target of runs_on")
    assert [c["value"] for c in picker.select('input[name="other_id"][checked]')] == [ids["payments-db"]]  # kept
    assert one(picker, 'input[name="q"]')["value"] == "pay"
    assert [option["value"] for option in picker.select("#relate-direction option[selected]")] == ["incoming"]
    assert "runs on" not in text(one(response.text, "#relationships-incoming"))


async def test_adding_without_choosing_the_other_ci_asks_for_it(owner, db):
    ids = await shop(db, owner.tenant)

    response = await owner.post(f"/console/cmdb/{ids['checkout']}/relationships",
                                {"direction": "outgoing", "type": "depends_on"})

    assert response.status_code == 400
    assert texts(response.text, "#relate-form .field-error") == ["Choose the other CI: search by name, then pick one."]


async def test_a_relationship_removed_is_gone_from_both_ends(owner, db):
    ids = await shop(db, owner.tenant)
    page = await owner.get(f"/console/cmdb/{ids['checkout']}")
    [remove] = [form["action"] for form in select(page.text, '#relationships-outgoing form[action$="/remove"]')]

    removed = await owner.post(remove, htmx=True)

    assert removed.status_code == 200 and "Relationship removed." in removed.text
    assert "No outgoing relationships." in text(one(removed.text, "#relationships-outgoing"))
    assert "No incoming relationships." in text(one((await owner.get(f"/console/cmdb/{ids['payments']}")).text,
                                                    "#relationships-incoming"))
    assert "relationship removed" in texts(removed.text, "#ci-history td .tag")


async def test_deleting_a_ci_goes_back_to_the_list_without_it_and_its_page_keeps_its_history(owner, db):
    ids = await shop(db, owner.tenant)

    deleted = await owner.post(f"/console/cmdb/{ids['payments-db']}/delete", htmx=True)
    gone = await owner.get(f"/console/cmdb/{ids['payments-db']}")

    assert deleted.headers["HX-Redirect"] == "/console/cmdb"
    assert await cis_named(owner, "payments-db") == []
    assert gone.status_code == 200 and 'id="ci-form"' not in gone.text and 'id="ci-delete"' not in gone.text
    assert "<h1>payments-db <span class=\"tag\">database</span> <span class=\"badge\">deleted</span></h1>" in gone.text
    assert texts(gone.text, "#ci-history td .tag") == ["deleted", "relationship removed", "relationship added",
                                                       "created"]


async def test_an_unknown_ci_is_not_found(owner):
    response = await owner.get(f"/console/cmdb/{uuid.uuid4()}")

    assert response.status_code == 404 and alerts(response.text)[0].startswith("Not found.")
