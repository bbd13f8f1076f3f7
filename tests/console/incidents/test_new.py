"""Opening an incident from the console: inline errors that keep the input, a redirect on success."""

from __future__ import annotations

import re

from tests.console.html import alerts, has, one, selected, text, texts

FORM = {"title": "Login page blank", "description": "Since 14:02", "severity": "SEV2", "priority": "P1",
        "services": "auth, web , auth", "assignee": ""}


async def test_the_form_offers_severities_priorities_and_members(owner):
    page = await owner.get("/console/incidents/new")

    assert page.status_code == 200
    assert selected(page.text, "severity") == ["SEV3"] and texts(page.text, "#incident-severity option[selected]") == [
        "SEV3"]
    assert text(one(page.text, '#incident-priority option[value=""]')) == "from the severity"
    assert text(one(page.text, f'#incident-assignee option[value="{owner.tenant.admin_user_id}"]')) == "owner"


async def test_an_empty_title_is_shown_beside_the_title_and_the_rest_is_kept(owner, incident_api):
    response = await owner.post("/console/incidents/new", {**FORM, "title": "   "}, htmx=True)

    assert response.status_code == 400
    assert texts(one(response.text, "#incident-title").parent, ".field-error") == ["title must be 1-300 characters."]
    assert one(response.text, "textarea#incident-description").string == "Since 14:02"
    assert one(response.text, "#incident-services")["value"] == "auth, web , auth"
    assert selected(response.text, "priority") == ["P1"] and selected(response.text, "severity") == ["SEV2"]
    listed = await (await incident_api(owner.tenant)).call("{ incidents { edges { node { id } } } }", {})
    assert listed["incidents"]["edges"] == []


async def test_a_severity_the_form_never_offers_is_refused_beside_it(owner):
    response = await owner.post("/console/incidents/new", {**FORM, "severity": "SEV0"})

    assert response.status_code == 400
    assert texts(one(response.text, "#incident-severity").parent, ".field-error") == ["Choose a severity."]


async def test_creating_goes_to_the_new_incidents_page(owner, incident_api):
    response = await owner.post("/console/incidents/new", {**FORM, "assignee": str(owner.tenant.admin_user_id)})

    assert response.status_code == 303
    incident_id = re.fullmatch(r"/console/incidents/([0-9a-f-]+)", response.headers["location"])[1]
    incident = await (await incident_api(owner.tenant)).read(incident_id)
    assert (incident["title"], incident["severity"], incident["priority"]) == ("Login page blank", "SEV2", "P1")
    assert incident["assignee"] == {"email": f"owner@{owner.tenant.slug}.example.com"}
    page = await owner.get(response.headers["location"])
    assert texts(page.text, "#incident-summary .tag") == ["auth", "web"]


async def test_htmx_is_sent_to_the_new_page_with_hx_redirect(owner):
    response = await owner.post("/console/incidents/new", FORM, htmx=True)

    assert response.status_code == 200 and response.headers["hx-redirect"].startswith("/console/incidents/")


async def test_a_viewer_gets_no_form_and_a_direct_post_is_forbidden(make_tenant, add_member, signed_in, incident_api):
    tenant = await make_tenant()
    viewer = await signed_in(await add_member(tenant, ["viewer"]))

    page = await viewer.get("/console/incidents/new")
    refused = await viewer.post("/console/incidents/new", FORM)

    assert not has(page.text, "#new-incident-form") and "needs the incident.write permission" in page.text
    assert refused.status_code == 403
    assert "You may not do this. You need the 'incident.write' permission." in alerts(refused.text)
    listed = await (await incident_api(tenant)).call("{ incidents { edges { node { id } } } }", {})
    assert listed["incidents"]["edges"] == []


async def test_a_nul_character_is_refused_beside_its_field_and_nothing_is_created(owner, incident_api):
    response = await owner.post("/console/incidents/new", {**FORM, "title": "ok\x00nul"}, htmx=True)

    assert response.status_code == 400
    assert texts(one(response.text, "#incident-title").parent, ".field-error") == [
        "Text must not contain NUL characters (\\u0000) or unpaired surrogates."]
    listed = await (await incident_api(owner.tenant)).call("{ incidents { edges { node { id } } } }", {})
    assert listed["incidents"]["edges"] == []


async def test_searching_for_a_nul_character_is_a_clear_refusal(owner):
    for url in ("/console/incidents?q=%00", "/console/cmdb?q=%00", "/console/explore/logs?q=%00"):
        page = await owner.get(url)

        assert page.status_code == 400, url
        assert "Text must not contain NUL characters" in page.text, url
