"""The incident page: header, allowed transitions only, stale versions refused, work forms, viewers, fragments."""

from __future__ import annotations

import re

from console.views.incidents.timeline import Names, describe

TRANSITION_BUTTON = re.compile(r'<button type="submit" name="to" value="([a-z]+)"[^>]*>([^<]+)</button>')


def transitions(html: str) -> list[tuple[str, str]]:
    """The transition buttons on a page: (target status, label)."""
    return TRANSITION_BUTTON.findall(html)


def member_option(html: str, email: str) -> str:
    """The user id of a member in the page's member choices (shown by display name, the email's local part)."""
    return re.search(rf'<option value="([0-9a-f-]+)">{re.escape(email.split("@")[0])}</option>', html)[1]


def fact(html: str, name: str) -> str:
    return re.search(rf'<dd id="incident-{name}">(.*?)</dd>', html, re.DOTALL)[1]


async def test_the_header_shows_the_incident(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.move(await api.create("Payments down", severity="SEV1", services=["payments"],
                                               description="Card auth fails"), "OPEN", "RESOLVED")

    page = await owner.get(f"/console/incidents/{incident['id']}")

    assert page.status_code == 200
    assert f'<span class="ref">{incident["reference"]}</span> Payments down</h1>' in page.text
    assert fact(page.text, "status") == '<span class="lifecycle lifecycle-resolved">resolved</span>'
    assert fact(page.text, "severity") == '<span class="sev sev-sev1">SEV1</span>'
    assert fact(page.text, "priority") == "P1" and fact(page.text, "version") == "3"
    assert fact(page.text, "tta").endswith(" s") and fact(page.text, "ttr").endswith(" s")
    assert '<p class="description">Card auth fails</p>' in page.text
    assert '<span class="tag">payments</span>' in page.text
    assert f'sse-connect="/console/incidents/{incident["id"]}/stream"' in page.text


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
    assert response.text.lstrip().startswith('<div id="incident-screen">')
    assert f"{incident['reference']} is now open." in response.text
    assert fact(response.text, "status") == '<span class="lifecycle lifecycle-open">open</span>'
    timeline = response.text.split('id="incident-timeline"')[1]
    assert "Status triggered → open" in timeline and '<p class="note">on it</p>' in timeline
    assert f"owner@{owner.tenant.slug}.example.com" in timeline
    assert (await api.read(incident["id"]))["status"] == "OPEN"


async def test_a_transition_from_a_stale_page_shows_the_conflict_and_changes_nothing(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Contended")
    await api.move(incident, "OPEN")  # someone else acknowledged it: version 2

    response = await owner.post(f"/console/incidents/{incident['id']}/transition",
                                {"to": "resolved", "version": "1"}, htmx=True)

    assert response.status_code == 409
    form_area = response.text.split('id="transition-form"')[1].split("<h2>Responders</h2>")[0]
    assert ("<code>CONFLICT</code> The incident changed since you loaded it (you had version 1, it is now 2); "
            "reload and try again.") in form_area
    assert (await api.read(incident["id"]))["status"] == "OPEN"
    assert 'name="version" value="2"' in response.text  # the page shows the current state again


async def test_an_illegal_transition_shows_the_apis_message(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Not yet")

    response = await owner.post(f"/console/incidents/{incident['id']}/transition", {"to": "closed", "version": "1"})

    assert response.status_code == 409
    assert ("<code>ILLEGAL_TRANSITION</code> Cannot move an incident from triggered to closed; allowed from "
            "triggered: open, investigating, resolved.") in response.text
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
    assert after_assign["assignee"] == {"email": email} and email in fact(assigned.text, "assignee")
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

    assert "Commented" in said.text and '<p class="note">Rolled back v42</p>' in said.text
    comment_form = empty.text.split('id="comment-form"')[1].split("</form>")[0]
    assert empty.status_code == 400
    assert '<span class="field-error" role="alert">body must be 1-20000 characters.</span>' in comment_form


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
    responders = added.text.split('id="responders"')[1].split("</ul>")[0]
    assert email in responders and '<span class="tag">commander</span>' in responders
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
    links = related.text.split('id="links"')[1].split("</ul>")[0]
    assert f'<span class="tag">parent</span> <a href="/console/incidents/{parent["id"]}">{parent["reference"]}</a> ' \
           "Root cause: same deploy" in links
    assert f'<span class="tag">related</span> <a href="/console/incidents/{other["id"]}">' in links
    assert twice.status_code == 409 and "These incidents are already linked." in twice.text.split('id="link-form"')[1]
    assert f'<span class="tag">child</span> <a href="/console/incidents/{child["id"]}">{child["reference"]}</a>' \
           in parent_page.text
    assert f"Linked as child of <a href=\"/console/incidents/{parent['id']}\">{parent['reference']}</a>" in linked.text
    link_id = re.search(r"/links/([0-9a-f-]+)/remove", related.text)[1]
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
        assert f'id="{form}"' not in page, form
    assert "/remove" not in page.split('id="links"')[1].split("</ul>")[0]
    assert 'id="action-item-form"' in page
    assert commented.status_code == 409
    assert f"<code>INCIDENT_CLOSED</code> {incident['reference']} is closed, and closed incidents are read-only" \
        in commented.text
    assert [e["node"]["kind"] for e in (await api.read(incident["id"]))["timeline"]["edges"]][-1] == "status_changed"


async def test_merging_a_duplicate_resolves_it_into_the_other(owner, incident_api):
    api = await incident_api(owner.tenant)
    original, duplicate = await api.create("Checkout 500s"), await api.create("Checkout errors")

    page = await owner.get(f"/console/incidents/{duplicate['id']}")
    merged = await owner.post(f"/console/incidents/{duplicate['id']}/merge", {"target": original["id"]})

    assert f'<option value="{original["id"]}">{original["reference"]} Checkout 500s</option>' in page.text
    assert f"{duplicate['reference']} merged into {original['reference']}." in merged.text
    after = await api.read(duplicate["id"])
    assert after["status"] == "RESOLVED" and after["mergedIntoId"] == original["id"]
    assert 'id="merge-form"' not in merged.text
    assert f'Merged as a duplicate into <a href="/console/incidents/{original["id"]}">{original["reference"]}' \
           in merged.text


async def test_a_viewer_sees_no_actions_and_a_direct_post_is_forbidden(owner, incident_api, add_member, signed_in):
    viewer = await signed_in(await add_member(owner.tenant, ["viewer"]))
    api = await incident_api(owner.tenant)
    incident = await api.create("Look, don't touch")

    page = await viewer.get(f"/console/incidents/{incident['id']}")
    refused = await viewer.post(f"/console/incidents/{incident['id']}/transition", {"to": "resolved", "version": "1"})
    commented = await viewer.post(f"/console/incidents/{incident['id']}/comment", {"body": "sneaky"})

    assert page.status_code == 200 and "Look, don&#39;t touch" in page.text
    assert transitions(page.text) == [] and "<form" not in page.text.split('<main id="main">')[1]
    assert refused.status_code == 403 and commented.status_code == 403
    assert "<code>FORBIDDEN</code> You need the &#39;incident.write&#39; permission." in refused.text
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

    assert summary.text.lstrip().startswith('<section id="incident-summary"') and "Timeline" not in summary.text
    assert timeline.text.lstrip().startswith('<section id="incident-timeline"') and "Opened as SEV2/P2" in timeline.text
    assert live.text.lstrip().startswith('<div id="incident-live"') and 'hx-trigger="sse:changed"' in live.text
    assert screen.text.lstrip().startswith('<div id="incident-screen">') and "<html" not in screen.text


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
