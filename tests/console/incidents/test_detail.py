"""The incident page: header, allowed transitions only, stale versions refused, work forms, viewers, fragments."""

from __future__ import annotations

from bs4 import Tag

from console.views.incidents.timeline import Names, describe
from tests.console.html import alerts, has, href, one, root, select, text, texts


def transitions(html: str) -> list[tuple[str, str]]:
    """The transition buttons on a page: (target status, label)."""
    return [(button["value"], text(button)) for button in select(html, 'button[type="submit"][name="to"]')]


def member_option(html: str, email: str) -> str:
    """The user id of a member in the page's member choices (shown by display name, the email's local part)."""
    return next(option["value"] for option in select(html, "#assign-to option") if text(option) == email.split("@")[0])


def fact(html: str, name: str) -> Tag:
    """The summary's fact ``name`` (its ``dd``)."""
    return one(html, f"dd#incident-{name}")


def badge(fact: Tag) -> tuple[list[str], str]:
    """A fact shown as one badge: (its classes, its text)."""
    [shown] = fact.find_all(True, recursive=False)
    assert text(fact) == text(shown)
    return shown["class"], text(shown)


def links_of(html: str) -> list[tuple[str, str, str, str]]:
    """The incident's links: (relation, the other incident's page, its reference, what follows it)."""
    return [(text(item.select_one(".tag")), item.a["href"], text(item.a), item.a.next_sibling.strip())
            for item in select(html, "ul#links > li")]


async def test_the_header_shows_the_incident(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.move(await api.create("Payments down", severity="SEV1", services=["payments"],
                                               description="Card auth fails"), "OPEN", "RESOLVED")

    page = await owner.get(f"/console/incidents/{incident['id']}")

    assert page.status_code == 200
    heading = one(page.text, "#incident-summary h1")
    assert text(heading) == f"{incident['reference']} Payments down" and texts(heading, ".ref") == [incident["reference"]]
    assert badge(fact(page.text, "status")) == (["lifecycle", "lifecycle-resolved"], "resolved")
    assert badge(fact(page.text, "severity")) == (["sev", "sev-sev1"], "SEV1")
    assert fact(page.text, "priority").string == "P1" and fact(page.text, "version").string == "3"
    assert text(fact(page.text, "tta")).endswith(" s") and text(fact(page.text, "ttr")).endswith(" s")
    assert texts(page.text, "p.description") == ["Card auth fails"]
    assert texts(page.text, "#incident-summary .tag") == ["payments"]
    assert one(page.text, "#incident-live")["sse-connect"] == f"/console/incidents/{incident['id']}/stream"


async def test_only_the_allowed_transitions_are_offered(owner, incident_api):
    api = await incident_api(owner.tenant)
    triggered = await api.create("New")
    resolved = await api.move(await api.create("Fixed"), "RESOLVED")
    closed = await api.move(await api.create("Over"), "RESOLVED", "CLOSED")

    assert transitions((await owner.get(f"/console/incidents/{triggered['id']}")).text) == [
        ("open", "Acknowledge"), ("investigating", "Start investigating"), ("resolved", "Resolve")]
    assert transitions((await owner.get(f"/console/incidents/{resolved['id']}")).text) == [
        ("open", "Reopen"), ("closed", "Close")]
    closed_page = (await owner.get(f"/console/incidents/{closed['id']}")).text
    assert transitions(closed_page) == [] and "Closed is final: no further transitions." in closed_page


async def test_a_transition_moves_the_incident_and_the_timeline_says_so(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Move me")

    response = await owner.post(f"/console/incidents/{incident['id']}/transition",
                                {"to": "open", "version": "1", "note": "on it"}, htmx=True)

    assert response.status_code == 200
    assert root(response.text)["id"] == "incident-screen"
    assert f"{incident['reference']} is now open." in response.text
    assert badge(fact(response.text, "status")) == (["lifecycle", "lifecycle-open"], "open")
    [moved] = select(response.text, "#incident-timeline li.entry.kind-status_changed")
    assert texts(moved, ".what") == ["Status triggered → open"] and texts(moved, "p.note") == ["on it"]
    assert texts(moved, ".actor") == [f"owner@{owner.tenant.slug}.example.com"]
    assert (await api.read(incident["id"]))["status"] == "OPEN"


async def test_a_transition_from_a_stale_page_shows_the_conflict_and_changes_nothing(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Contended")
    await api.move(incident, "OPEN")  # someone else acknowledged it: version 2

    response = await owner.post(f"/console/incidents/{incident['id']}/transition",
                                {"to": "resolved", "version": "1"}, htmx=True)

    assert response.status_code == 409
    shown = one(response.text, "#transition-form").find_next_sibling()  # the error right below the buttons
    assert (shown.name, shown["class"], shown["data-code"]) == ("p", ["error"], "CONFLICT")
    assert text(shown) == ("Changed or already done. The incident changed since you loaded it (you had version 1, it is now 2); "
                           "reload and try again.")
    assert (await api.read(incident["id"]))["status"] == "OPEN"
    assert one(response.text, '#transition-form input[name="version"]')["value"] == "2"  # the current state again


async def test_an_illegal_transition_shows_the_apis_message(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Not yet")

    response = await owner.post(f"/console/incidents/{incident['id']}/transition", {"to": "closed", "version": "1"})

    assert response.status_code == 409
    assert ("Not possible from this state. Cannot move an incident from triggered to closed; allowed from "
            "triggered: open, investigating, resolved.") in alerts(response.text)
    assert (await api.read(incident["id"]))["status"] == "TRIGGERED"


async def test_assign_and_unassign(owner, incident_api, add_member):
    email = await add_member(owner.tenant, ["responder"])
    api = await incident_api(owner.tenant)
    incident = await api.create("Who takes it")
    page = await owner.get(f"/console/incidents/{incident['id']}")
    user_id = member_option(page.text, email)

    assigned = await owner.post(f"/console/incidents/{incident['id']}/assign", {"assignee": user_id, "version": "1"})
    after_assign = await api.read(incident["id"])
    unassigned = await owner.post(f"/console/incidents/{incident['id']}/assign", {"assignee": "", "version": "2"})

    assert assigned.status_code == 200 and f"{incident['reference']}: assigned." in assigned.text
    assert after_assign["assignee"] == {"email": email} and email in str(fact(assigned.text, "assignee"))
    assert unassigned.status_code == 200 and (await api.read(incident["id"]))["assignee"] is None
    assert f"Unassigned (was {email.split('@')[0]})" in unassigned.text


async def test_severity_and_priority(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Worse than thought", severity="SEV3")

    response = await owner.post(f"/console/incidents/{incident['id']}/triage",
                                {"severity": "SEV1", "priority": "P2", "version": "1"})
    bad = await owner.post(f"/console/incidents/{incident['id']}/triage", {"severity": "SEV9", "version": "3"})

    after = await api.read(incident["id"])
    assert (after["severity"], after["priority"]) == ("SEV1", "P2")
    assert "Severity SEV3 → SEV1" in response.text and "Priority P3 → P2" in response.text
    assert bad.status_code == 400 and "Unknown severity &#39;SEV9&#39;." in bad.text


async def test_comments_join_the_timeline_and_an_empty_one_is_refused_inline(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Chatty")

    said = await owner.post(f"/console/incidents/{incident['id']}/comment", {"body": "Rolled back v42"})
    empty = await owner.post(f"/console/incidents/{incident['id']}/comment", {"body": "  "})

    [comment] = select(said.text, "#incident-timeline li.entry.kind-comment")
    assert texts(comment, ".what") == ["Commented"] and texts(comment, "p.note") == ["Rolled back v42"]
    assert empty.status_code == 400
    assert texts(one(empty.text, "#comment-form"), ".field-error") == ["body must be 1-20000 characters."]


async def test_responders_are_added_with_a_role_and_removed(owner, incident_api, add_member):
    email = await add_member(owner.tenant, ["responder"])
    api = await incident_api(owner.tenant)
    incident = await api.create("All hands")
    page = await owner.get(f"/console/incidents/{incident['id']}")
    user_id = member_option(page.text, email)

    added = await owner.post(f"/console/incidents/{incident['id']}/responders",
                             {"user_id": user_id, "role": "commander"})
    with_responder = await api.read(incident["id"])
    removed = await owner.post(f"/console/incidents/{incident['id']}/responders/{user_id}/remove")

    assert with_responder["responders"] == [{"role": "COMMANDER", "person": {"email": email}}]
    [responder] = select(added.text, "ul#responders > li")
    assert email in str(responder) and texts(responder, ".tag") == ["commander"]
    assert removed.status_code == 200 and (await api.read(incident["id"]))["responders"] == []
    assert f"{email.split('@')[0]} no longer responds (was commander)" in removed.text


async def test_links_show_their_relation_and_reason_and_can_be_removed(owner, incident_api):
    api = await incident_api(owner.tenant)
    parent, child, other = await api.create("Root cause"), await api.create("Symptom"), await api.create("Nearby")

    linked = await owner.post(f"/console/incidents/{child['id']}/links",
                              {"relation": "parent", "target": parent["id"], "reason": "same deploy"})
    related = await owner.post(f"/console/incidents/{child['id']}/links",
                               {"relation": "related", "target_id": other["id"], "reason": "same host"})
    twice = await owner.post(f"/console/incidents/{child['id']}/links", {"relation": "related", "target": other["id"]})
    parent_page = await owner.get(f"/console/incidents/{parent['id']}")

    assert linked.status_code == 200 and "Incidents linked." in linked.text
    links = links_of(related.text)
    assert links[0] == ("parent", f"/console/incidents/{parent['id']}", parent["reference"], "Root cause: same deploy")
    assert links[1][:3] == ("related", f"/console/incidents/{other['id']}", other["reference"])
    assert twice.status_code == 409
    assert texts(one(twice.text, "#link-form"), "p.error") == ["Changed or already done. These incidents are already linked."]
    assert links_of(parent_page.text)[0][:3] == ("child", f"/console/incidents/{child['id']}", child["reference"])
    [entry] = [what for what in select(linked.text, "#incident-timeline .what") if "Linked as" in text(what)]
    assert text(entry) == f"Linked as child of {parent['reference']}"
    assert href(entry, "a") == f"/console/incidents/{parent['id']}"
    link_id = select(related.text, 'ul#links form[action$="/remove"]')[0]["action"].split("/links/")[1].split("/")[0]
    unlinked = await owner.post(f"/console/incidents/{child['id']}/links/{link_id}/remove")
    assert "Link removed." in unlinked.text and len((await api.read(child["id"]))["links"]) == 1


async def test_a_closed_incident_is_read_only_except_its_action_items(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.move(await api.create("Done and dusted"), "RESOLVED")
    await owner.post(f"/console/incidents/{incident['id']}/postmortem", {"summary": "a bad deploy", "status": "draft"})
    other = await api.create("Elsewhere")
    await api.link(incident, other, "RELATED")
    await api.move(incident, "CLOSED")

    page = (await owner.get(f"/console/incidents/{incident['id']}")).text
    commented = await owner.post(f"/console/incidents/{incident['id']}/comment", {"body": "one more thing"})

    assert "Closed is final: this incident is read-only. Only its postmortem's action items can still change." in page
    for form in ("assign-form", "triage-form", "responder-form", "comment-form", "link-form", "merge-form",
                 "postmortem-form", "transition-form"):
        assert not has(page, f"#{form}"), form
    assert links_of(page) and "/remove" not in str(one(page, "ul#links"))
    assert has(page, "form#action-item-form")
    assert commented.status_code == 409
    assert alerts(commented.text)[0].startswith(
        f"The incident is closed. {incident['reference']} is closed, and closed incidents are read-only")
    assert [e["node"]["kind"] for e in (await api.read(incident["id"]))["timeline"]["edges"]][-1] == "status_changed"


async def test_merging_a_duplicate_resolves_it_into_the_other(owner, incident_api):
    api = await incident_api(owner.tenant)
    original, duplicate = await api.create("Checkout 500s"), await api.create("Checkout errors")

    page = await owner.get(f"/console/incidents/{duplicate['id']}")
    merged = await owner.post(f"/console/incidents/{duplicate['id']}/merge", {"target": original["id"]})

    assert [(option["value"], text(option)) for option in select(page.text, "#merge-form option")
            if option["value"] == original["id"]] == [(original["id"], f"{original['reference']} Checkout 500s")]
    assert f"{duplicate['reference']} merged into {original['reference']}." in merged.text
    after = await api.read(duplicate["id"])
    assert after["status"] == "RESOLVED" and after["mergedIntoId"] == original["id"]
    assert not has(merged.text, "#merge-form")
    [entry] = [what for what in select(merged.text, "#incident-timeline .what") if "Merged" in text(what)]
    assert text(entry).startswith(f"Merged as a duplicate into {original['reference']}")
    assert href(entry, "a") == f"/console/incidents/{original['id']}"


async def test_a_viewer_sees_no_actions_and_a_direct_post_is_forbidden(owner, incident_api, add_member, signed_in):
    viewer = await signed_in(await add_member(owner.tenant, ["viewer"]))
    api = await incident_api(owner.tenant)
    incident = await api.create("Look, don't touch")

    page = await viewer.get(f"/console/incidents/{incident['id']}")
    refused = await viewer.post(f"/console/incidents/{incident['id']}/transition", {"to": "resolved", "version": "1"})
    commented = await viewer.post(f"/console/incidents/{incident['id']}/comment", {"body": "sneaky"})

    assert page.status_code == 200 and "Look, don&#39;t touch" in page.text
    assert transitions(page.text) == [] and not has(one(page.text, "main#main"), "form")
    assert refused.status_code == 403 and commented.status_code == 403
    assert "You may not do this. You need the 'incident.write' permission." in alerts(refused.text)
    after = await api.read(incident["id"])
    assert after["status"] == "TRIGGERED" and [e["node"]["kind"] for e in after["timeline"]["edges"]] == ["created"]


async def test_an_unknown_or_malformed_incident_is_a_clear_error(owner, make_tenant, incident_api):
    elsewhere = await (await incident_api(await make_tenant())).create("Another tenant's")

    missing = await owner.get(f"/console/incidents/{elsewhere['id']}")
    malformed = await owner.get("/console/incidents/not-an-id")

    assert missing.status_code == 404 and "No such incident in this tenant." in missing.text
    assert "Another tenant" not in missing.text
    assert malformed.status_code == 400 and "&#39;not-an-id&#39; is not a valid ID." in malformed.text


async def test_htmx_gets_the_block_its_target_names(owner, incident_api):
    incident = await (await incident_api(owner.tenant)).create("Blocks")
    url = f"/console/incidents/{incident['id']}"

    def get(target: str):
        return owner.http.get(url, headers={"HX-Request": "true", "HX-Target": target})

    summary, timeline, live = await get("incident-summary"), await get("incident-timeline"), await get("incident-live")
    screen = await owner.get(url, htmx=True)

    assert (root(summary.text).name, root(summary.text)["id"]) == ("section", "incident-summary")
    assert "Timeline" not in summary.text
    assert (root(timeline.text).name, root(timeline.text)["id"]) == ("section", "incident-timeline")
    assert "Opened as SEV2/P2" in timeline.text
    assert (root(live.text).name, root(live.text)["id"]) == ("div", "incident-live")
    assert has(live.text, '[hx-trigger="sse:changed"]')
    assert root(screen.text)["id"] == "incident-screen" and not has(screen.text, "html")


def test_timeline_entries_read_as_sentences_about_people_and_incidents():
    names = Names(incident_id="this", path=lambda incident_id: f"/i/{incident_id}", people={"u1": "Sam"},
                  references={"other": "INC-2"})

    def entry(kind: str, data: dict) -> dict:
        return describe({"id": "e", "seq": 7, "kind": kind, "actor": "ops@x", "occurredAt": "", "data": data}, names)

    assert entry("assigned", {"from": None, "to": "u1"})["text"] == "Assigned to Sam"
    assert entry("assigned", {"from": "u2-gone-long", "to": None})["text"] == "Unassigned (was a former member (u2-gone-))"
    linked = entry("linked", {"kind": "parent", "from": "other", "to": "this", "reason": "same deploy"})
    assert (linked["text"], linked["link"], linked["note"]) == (
        "Linked as child of", {"href": "/i/other", "label": "INC-2"}, "same deploy")
    assert entry("merged_into", {"incident_id": "x", "number": 9})["link"] == {"href": "/i/x", "label": "INC-9"}
    assert entry("status_changed", {"from": "open", "to": "resolved", "note": ""})["text"] == "Status open → resolved"
    assert entry("escalated", {"level": 2, "by": "rule"})["text"] == "by: rule, level: 2"
    assert entry("escalated", {})["label"] == "escalated"
