"""A CI's page and forms: create, edit with versions (stale edits show the conflict), inline errors that
save nothing, relationships added and removed, history with before/after, delete."""

from __future__ import annotations

import re
import uuid

from domain.cmdb.service import update_ci
from tests.console.cmdb_helpers import CI_FORM, FIELD_ERROR, section, shop, stored


def beside(html: str, field_id: str) -> str:
    """The error shown right after the input, select or textarea ``field_id`` (empty when there is none)."""
    found = re.search(rf'id="{field_id}"[^>]*>(?:.*?</(?:textarea|select)>)?\s*{re.escape(FIELD_ERROR)}([^<]+)</span>',
                      html, re.DOTALL)
    return found[1] if found else ""


async def cis_named(owner, name: str) -> list[str]:
    page = await owner.get(f"/console/cmdb?q={name}")
    return re.findall(r'<tr id="ci-([^"]+)">', page.text)


async def test_a_ci_created_with_the_form_is_saved_and_opened(owner, db):
    created = await owner.post("/console/cmdb/new", CI_FORM, htmx=True)

    [ci_id] = await cis_named(owner, "orders-db")
    assert created.status_code == 200 and created.headers["HX-Redirect"] == f"/console/cmdb/{ci_id}"
    assert await stored(db, owner.tenant, ci_id) == {"name": "orders-db", "version": 1, "owner_team": "data",
                                                     "environment": "production",
                                                     "attributes": {"port": 5432, "engine": "postgres"}}
    page = await owner.get(created.headers["HX-Redirect"])
    assert '<h1>orders-db <span class="tag">database</span>' in page.text
    attributes = section(page.text, "ci-attributes", "</table>")
    assert "<td><code>engine</code></td><td>postgres</td>" in attributes and "<td>5432</td>" in attributes
    history = section(page.text, "ci-history")
    assert '<span class="tag">created</span>' in history and f"owner@{owner.tenant.slug}.example.com" in history


async def test_attributes_that_are_not_json_are_refused_beside_the_field_and_nothing_is_saved(owner):
    response = await owner.post("/console/cmdb/new", {**CI_FORM, "attributes": '{"port": 5432,'}, htmx=True)

    assert response.status_code == 400
    assert response.text.lstrip().startswith('<div id="new-ci-screen">')
    assert beside(response.text, "ci-attributes").startswith("Attributes are not valid JSON: Expecting property name")
    assert 'value="orders-db"' in response.text and '{&#34;port&#34;: 5432,</textarea>' in response.text
    assert await cis_named(owner, "orders-db") == []


async def test_attributes_the_class_schema_refuses_are_the_apis_error_beside_the_field(owner):
    response = await owner.post("/console/cmdb/new", {**CI_FORM, "attributes": '{"port": "high"}'})

    assert response.status_code == 400
    assert beside(response.text, "ci-attributes") == ("Attribute port is invalid for class database: "
                                                      "&#39;high&#39; is not of type &#39;integer&#39;")
    assert await cis_named(owner, "orders-db") == []


async def test_a_name_already_taken_is_a_conflict_beside_the_name(owner, db):
    await shop(db, owner.tenant)

    response = await owner.post("/console/cmdb/new", {**CI_FORM, "class_key": "database", "name": "PAYMENTS-DB"})

    assert response.status_code == 409
    assert beside(response.text, "ci-name") == "A database named &#39;PAYMENTS-DB&#39; already exists."


async def test_an_edit_saves_the_next_version_and_the_history_shows_before_and_after(owner, db):
    ids = await shop(db, owner.tenant)
    form = {**CI_FORM, "name": "payments-db", "owner_team": "dba", "attributes": '{"port": 6432}', "version": "1"}

    saved = await owner.post(f"/console/cmdb/{ids['payments-db']}", form, htmx=True)

    assert saved.status_code == 200 and "payments-db saved as version 2." in saved.text
    assert await stored(db, owner.tenant, ids["payments-db"]) == {
        "name": "payments-db", "version": 2, "owner_team": "dba", "environment": "production",
        "attributes": {"port": 6432}}
    change = section(saved.text, "ci-history", "</tr>\n      <tr")
    assert '<span class="tag">updated</span>' in change
    assert ('<td><code>owner_team</code></td><td class="before"></td><td>→</td><td class="after">dba</td>'
            in change)
    assert '<td class="before">{}</td><td>→</td><td class="after">{&#34;port&#34;: 6432}</td>' in change
    assert '<input type="hidden" name="version" value="2">' in saved.text


async def test_a_stale_edit_shows_the_conflict_inline_and_saves_nothing(owner, db):
    ids = await shop(db, owner.tenant)
    page = await owner.get(f"/console/cmdb/{ids['payments']}")
    assert '<input type="hidden" name="version" value="1">' in page.text
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        await update_ci(tx, ci_id=uuid.UUID(ids["payments"]), changes={"owner_team": "someone-else"}, actor="other")
    form = {**CI_FORM, "class_key": "application_service", "name": "payments", "attributes": "{}",
            "owner_team": "mine", "version": "1"}

    response = await owner.post(f"/console/cmdb/{ids['payments']}", form, htmx=True)

    assert response.status_code == 409
    conflict = section(response.text, "ci-conflict", "</p>")
    assert "The CI changed since version 1 (now 2); reload and retry." in conflict
    assert f'<a href="/console/cmdb/{ids["payments"]}">Reload the current version</a>' in conflict
    assert section(response.text, "ci-edit").count('value="mine"') == 1  # what was typed is kept
    assert (await stored(db, owner.tenant, ids["payments"]))["owner_team"] == "someone-else"


async def test_a_relationship_added_from_the_picker_shows_on_both_ends(owner, db):
    ids = await shop(db, owner.tenant)
    picker = await owner.http.get(f"/console/cmdb/{ids['checkout']}?q=db",
                                  headers={"HX-Request": "true", "HX-Target": "ci-candidates"})
    assert picker.text.lstrip().startswith('<fieldset id="ci-candidates"')
    assert re.findall(r'name="other_id" value="([^"]+)"', picker.text) == [ids["payments-db"]]

    added = await owner.post(f"/console/cmdb/{ids['checkout']}/relationships",
                             {"direction": "outgoing", "type": "depends_on", "other_id": ids["payments-db"]}, htmx=True)

    assert added.status_code == 200 and "Related: checkout depends_on payments-db." in added.text
    outgoing = section(added.text, "relationships-outgoing", "</table>")
    assert f'<span class="rel-type">depends on</span> <a href="/console/cmdb/{ids["payments-db"]}">payments-db</a>' \
        in outgoing
    other_end = await owner.get(f"/console/cmdb/{ids['payments-db']}")
    incoming = section(other_end.text, "relationships-incoming", "</table>")
    assert f'<a href="/console/cmdb/{ids["checkout"]}">checkout</a>' in incoming
    assert "checkout depends on payments-db" in section(other_end.text, "ci-history")


async def test_an_incoming_relationship_the_types_refuse_is_shown_at_the_picker_and_saves_nothing(owner, db):
    ids = await shop(db, owner.tenant)

    response = await owner.post(f"/console/cmdb/{ids['checkout']}/relationships",
                                {"direction": "incoming", "type": "runs_on", "other_id": ids["payments-db"],
                                 "q": "pay"}, htmx=True)

    assert response.status_code == 400
    picker = section(response.text, "relate-form", "</form>")
    assert f"{FIELD_ERROR}A application_service cannot be the target of runs_on" in picker
    assert f'value="{ids["payments-db"]}" checked' in picker  # the search and the choice are kept
    assert '<option value="incoming" selected>' in picker
    assert "runs on" not in section(response.text, "relationships-incoming", "</table>")


async def test_adding_without_choosing_the_other_ci_asks_for_it(owner, db):
    ids = await shop(db, owner.tenant)

    response = await owner.post(f"/console/cmdb/{ids['checkout']}/relationships",
                                {"direction": "outgoing", "type": "depends_on"})

    assert response.status_code == 400
    assert f"{FIELD_ERROR}Choose the other CI: search by name, then pick one.</span>" in response.text


async def test_a_relationship_removed_is_gone_from_both_ends(owner, db):
    ids = await shop(db, owner.tenant)
    page = await owner.get(f"/console/cmdb/{ids['checkout']}")
    outgoing = section(page.text, "relationships-outgoing", "</table>")
    [remove] = re.findall(r'action="([^"]+/remove)"', outgoing)

    removed = await owner.post(remove, htmx=True)

    assert removed.status_code == 200 and "Relationship removed." in removed.text
    assert "No outgoing relationships." in section(removed.text, "relationships-outgoing", "</table>")
    assert "No incoming relationships." in section((await owner.get(f"/console/cmdb/{ids['payments']}")).text,
                                                   "relationships-incoming", "</table>")
    assert '<span class="tag">relationship removed</span>' in section(removed.text, "ci-history")


async def test_deleting_a_ci_goes_back_to_the_list_without_it_and_its_page_keeps_its_history(owner, db):
    ids = await shop(db, owner.tenant)

    deleted = await owner.post(f"/console/cmdb/{ids['payments-db']}/delete", htmx=True)
    gone = await owner.get(f"/console/cmdb/{ids['payments-db']}")

    assert deleted.headers["HX-Redirect"] == "/console/cmdb"
    assert await cis_named(owner, "payments-db") == []
    assert gone.status_code == 200 and 'id="ci-form"' not in gone.text and 'id="ci-delete"' not in gone.text
    assert "<h1>payments-db <span class=\"tag\">database</span> <span class=\"badge\">deleted</span></h1>" in gone.text
    history = re.findall(r'<span class="tag">([a-z ]+)</span>', section(gone.text, "ci-history"))
    assert history == ["deleted", "relationship removed", "relationship added", "created"]


async def test_an_unknown_ci_is_not_found(owner):
    response = await owner.get(f"/console/cmdb/{uuid.uuid4()}")

    assert response.status_code == 404 and "<code>NOT_FOUND</code>" in response.text
