"""Postmortems in the console: refused before resolution, edited after, with action items."""

from __future__ import annotations

from tests.console.html import cells, has, one, select, text

POSTMORTEM = {"summary": "Checkout failed for 20 min", "impact": "4% of orders", "root_cause": "Bad config push",
              "lessons": "Canary config", "status": "draft"}


async def test_before_resolution_the_page_says_when_and_a_post_shows_the_apis_refusal(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Still burning")

    page = await owner.get(f"/console/incidents/{incident['id']}")
    refused = await owner.post(f"/console/incidents/{incident['id']}/postmortem", POSTMORTEM)

    section = one(page.text, "section#postmortem")
    assert "The postmortem becomes available once the incident is resolved." in text(section)
    assert not has(section, "#postmortem-form")
    assert refused.status_code == 409
    assert "Changed or already done. Write the postmortem once the incident is resolved." in [
        text(error) for error in select(refused.text, "section#postmortem p.error")]
    assert (await api.read(incident["id"]))["postmortem"] is None


async def test_after_resolution_the_postmortem_is_saved_and_published(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.move(await api.create("Checkout outage"), "RESOLVED")

    saved = await owner.post(f"/console/incidents/{incident['id']}/postmortem", POSTMORTEM, htmx=True)
    published = await owner.post(f"/console/incidents/{incident['id']}/postmortem",
                                 {**POSTMORTEM, "lessons": "Canary every config", "status": "published"})

    assert saved.status_code == 200 and "Postmortem saved (draft)." in saved.text
    assert one(saved.text, "textarea#postmortem-root_cause").string == "Bad config push"
    assert "Postmortem saved (published)." in published.text
    assert one(published.text, "strong#postmortem-status").string == "published"
    after = (await api.read(incident["id"]))["postmortem"]
    assert (after["summary"], after["status"]) == ("Checkout failed for 20 min", "published")
    assert "Postmortem updated (summary, impact, root_cause, lessons, status), status published" in published.text


async def test_action_items_are_added_and_their_status_changed(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.move(await api.create("Needs follow-up"), "RESOLVED")
    without_postmortem = await owner.get(f"/console/incidents/{incident['id']}")
    await owner.post(f"/console/incidents/{incident['id']}/postmortem", POSTMORTEM)
    await api.move(incident, "CLOSED")  # closed: the action items still change

    added = await owner.post(f"/console/incidents/{incident['id']}/action-items",
                             {"title": "Add config canary", "owner": str(owner.tenant.admin_user_id),
                              "due": "2031-01-15"})
    [item] = select(added.text, 'tr[id^="item-"]')
    item_id = item["id"].removeprefix("item-")
    done = await owner.post(f"/console/incidents/{incident['id']}/action-items/{item_id}", {"status": "done"})
    bad_date = await owner.post(f"/console/incidents/{incident['id']}/action-items", {"title": "x", "due": "soon"})

    assert not has(without_postmortem.text, "#action-item-form")
    assert "Save the postmortem first" in without_postmortem.text
    assert "Action item added: Add config canary." in added.text
    assert cells(item)[:3] == ["Add config canary", "owner", "2031-01-15"]
    assert text(one(item, "td:nth-of-type(2) > span")) == "owner"
    assert "Action item &#39;Add config canary&#39; is done." in done.text
    assert (await api.read(incident["id"]))["postmortem"]["actionItems"] == [
        {"title": "Add config canary", "status": "done"}]
    assert bad_date.status_code == 400 and "Due date must be a date (YYYY-MM-DD)." in bad_date.text
    assert one(bad_date.text, 'input[name="due"][type="date"]')["value"] == "soon"


async def test_a_viewer_reads_the_postmortem_without_forms(owner, incident_api, add_member, signed_in):
    api = await incident_api(owner.tenant)
    incident = await api.move(await api.create("Learned from"), "RESOLVED")
    await owner.post(f"/console/incidents/{incident['id']}/postmortem", POSTMORTEM)
    viewer = await signed_in(await add_member(owner.tenant, ["viewer"]))

    page = await viewer.get(f"/console/incidents/{incident['id']}")
    refused = await viewer.post(f"/console/incidents/{incident['id']}/postmortem", {**POSTMORTEM, "summary": "x"})

    section = one(page.text, "section#postmortem")
    assert "Bad config push" in text(section) and not has(section, "form")
    assert refused.status_code == 403
    assert (await api.read(incident["id"]))["postmortem"]["summary"] == "Checkout failed for 20 min"
