"""Alert rules: the list, who may change them, the editor's form, inline errors, versions, deleting."""

from __future__ import annotations

from tests.console.alerting.helpers import EVENT_FORM, create_rule, rules
from tests.console.html import alerts, beside, cells, has, one, root, select, shown_codes, text, texts


async def test_the_list_shows_each_rule_with_its_kind_severity_service_and_version(owner, incident_api):
    api = await incident_api(owner.tenant)
    rule = await create_rule(api)
    await create_rule(api, name="Heartbeat missing", kind="ABSENCE", severity="SEV3", service="web", groupBy=[],
                      condition="", window={"source": "edge-agent", "minutes": 3}, enabled=False)

    page = await owner.get("/console/alerts/rules")

    assert page.status_code == 200
    row = one(page.text, f"#rule-{rule['id']}")
    name = one(row, "td:first-child a")
    assert text(name) == "Checkout failing" and name["href"] == f"/console/alerts/rules/{rule['id']}"
    assert texts(row, "td .tag") == ["event"] and texts(row, "td .sev.sev-sev2") == ["SEV2"]
    assert cells(row)[3] == "payments" and texts(row, "td .state-ok") == ["enabled"]
    assert texts(row, "td.count") == ["0"] and texts(row, "td .muted") == ["never"]
    assert texts(page.text, "#alert-rules td .tag") == ["event", "absence"] and "disabled" in page.text
    assert texts(page.text, 'a[href="/console/alerts/rules/new"]') == ["New rule"]
    assert has(row, f'form[action="/console/alerts/rules/{rule["id"]}/delete"]')


async def test_the_navigation_offers_alerts_to_those_with_alert_read_only(owner, make_tenant, add_member, signed_in):
    agent = await signed_in(await add_member(owner.tenant, ["agent"]))

    mine = await owner.get("/console/")
    theirs = await agent.get("/console/")
    refused = await agent.get("/console/alerts/rules")
    opened = await owner.get("/console/alerts")

    assert texts(mine.text, 'a[href="/console/alerts"]') == ["Alerts"]
    assert not has(theirs.text, 'a[href="/console/alerts"]')
    assert refused.status_code == 403 and alerts(refused.text)[0].startswith("You may not do this.") and "alert.read" in refused.text
    assert opened.status_code == 303 and opened.headers["location"] == "/console/alerts/rules"


async def test_a_viewer_sees_rules_but_no_controls_and_their_changes_are_refused(owner, incident_api, add_member,
                                                                                  signed_in):
    api = await incident_api(owner.tenant)
    rule = await create_rule(api)
    viewer = await signed_in(await add_member(owner.tenant, ["viewer"]))

    listed = await viewer.get("/console/alerts/rules")
    opened = await viewer.get(f"/console/alerts/rules/{rule['id']}")
    created = await viewer.post("/console/alerts/rules/new", {**EVENT_FORM, "name": "Sneaky"})
    edited = await viewer.post(f"/console/alerts/rules/{rule['id']}", {**EVENT_FORM, "severity": "SEV1"})
    deleted = await viewer.post(f"/console/alerts/rules/{rule['id']}/delete")

    assert listed.status_code == 200 and "Checkout failing" in listed.text
    assert "New rule" not in listed.text and "/delete" not in listed.text and ">Edit<" not in listed.text
    assert opened.status_code == 200 and not has(opened.text, "#rule-form") and "Dry run" not in opened.text
    assert "Changing alert rules needs the alert.manage permission." in opened.text
    assert "event.source == &#39;synthetic-monitor&#39;" in opened.text  # the definition, read-only
    for refused in (created, edited, deleted):
        assert refused.status_code == 403 and shown_codes(refused.text) == ["FORBIDDEN"]
    assert [(r["name"], r["severity"], r["version"]) for r in await rules(api)] == [("Checkout failing", "SEV2", 1)]


async def test_a_rule_created_with_the_form_is_saved_and_opened(owner, incident_api):
    api = await incident_api(owner.tenant)

    created = await owner.post("/console/alerts/rules/new", EVENT_FORM, htmx=True)

    saved = await rules(api)
    assert len(saved) == 1
    assert created.status_code == 200 and created.headers["HX-Redirect"] == f"/console/alerts/rules/{saved[0]['id']}"
    assert {key: saved[0][key] for key in ("name", "kind", "severity", "service", "groupBy", "thresholdCount",
                                           "enabled", "version")} == {
        "name": "Checkout failing", "kind": "EVENT", "severity": "SEV2", "service": "payments",
        "groupBy": ["service"], "thresholdCount": 2, "enabled": True, "version": 1}
    page = await owner.get(created.headers["HX-Redirect"])
    assert text(one(page.text, "h1")) == "Checkout failing version 1" and texts(page.text, "h1 .muted") == ["version 1"]
    assert "created" in text(one(page.text, "#rule-version-1"))


async def test_a_metric_rule_from_the_form_carries_its_window(owner, incident_api):
    api = await incident_api(owner.tenant)
    form = {"name": "Error rate high", "kind": "metric", "severity": "SEV3", "metric": "http.server.error_rate",
            "aggregation": "avg", "minutes": "5", "operator": ">", "threshold": "0.2", "for_minutes": "2",
            "labels": "env=prod", "group_by": "service", "condition": "ignored for metrics",
            "log_service": "ignored", "fingerprint_template": "{rule}:{service}", "threshold_count": "1"}

    created = await owner.post("/console/alerts/rules/new", form)

    assert created.status_code == 303
    [saved] = await rules(api)
    assert saved["kind"] == "METRIC" and saved["window"] == {
        "metric": "http.server.error_rate", "aggregation": "avg", "minutes": 5, "operator": ">", "threshold": 0.2,
        "for_minutes": 2, "labels": {"env": "prod"}}


async def test_bad_cel_is_shown_beside_the_condition_and_nothing_is_saved(owner, incident_api):
    api = await incident_api(owner.tenant)

    response = await owner.post("/console/alerts/rules/new", {**EVENT_FORM, "condition": "event.severity =="},
                                htmx=True)

    assert response.status_code == 400
    assert root(response.text)["id"] == "rule-editor-screen"
    assert beside(response.text, "rule-condition").startswith("The condition is not valid CEL")
    assert one(response.text, "textarea#rule-condition").string == "event.severity =="  # what was typed is kept
    assert await rules(api) == []


async def test_a_threshold_that_is_not_a_number_is_refused_before_the_api(owner, incident_api):
    api = await incident_api(owner.tenant)
    form = {**EVENT_FORM, "kind": "log", "minutes": "5", "operator": ">", "threshold": "lots"}

    response = await owner.post("/console/alerts/rules/new", form)

    assert response.status_code == 400
    assert beside(response.text, "rule-threshold") == "Threshold must be a number."
    assert await rules(api) == []


async def test_a_severity_the_form_never_offers_is_refused_before_the_api(owner, incident_api):
    api = await incident_api(owner.tenant)

    response = await owner.post("/console/alerts/rules/new", {**EVENT_FORM, "severity": "SEV9"})

    assert response.status_code == 400
    assert beside(response.text, "rule-severity") == "Choose a severity: SEV1, SEV2, SEV3, SEV4."
    assert await rules(api) == []


async def test_saving_an_edit_makes_the_next_version_and_the_history_names_what_changed(owner, incident_api):
    api = await incident_api(owner.tenant)
    rule = await create_rule(api)
    editor = await owner.get(f"/console/alerts/rules/{rule['id']}")
    assert one(editor.text, "#rule-name")["value"] == "Checkout failing"
    assert texts(editor.text, "#rule-severity option[selected]") == ["SEV2"]

    saved = await owner.post(f"/console/alerts/rules/{rule['id']}", {**EVENT_FORM, "threshold_count": "5"},
                             htmx=True)

    assert saved.status_code == 200 and "Rule Checkout failing saved as version 2." in saved.text
    assert [r["thresholdCount"] for r in await rules(api)] == [5]
    history = one(saved.text, "#rule-history")
    assert [row["id"] for row in select(history, "[id^=\"rule-version-\"]")] == ["rule-version-2", "rule-version-1"]
    assert texts(one(history, "#rule-version-2"), "code") == ["threshold_count"]
    assert f"owner@{owner.tenant.slug}.example.com" in text(history)


async def test_a_rule_deleted_from_the_list_is_gone(owner, incident_api):
    api = await incident_api(owner.tenant)
    rule = await create_rule(api)

    response = await owner.http.post(f"/console/alerts/rules/{rule['id']}/delete",
                                     headers={"HX-Request": "true", "HX-Target": "rules-screen",
                                              "X-CSRF-Token": await owner.csrf()})

    assert response.status_code == 200 and "Rule deleted." in response.text
    assert not has(response.text, f"#rule-{rule['id']}") and "No alert rules yet." in response.text
    assert await rules(api) == []


async def test_another_tenants_rule_is_not_found(owner, incident_api, make_tenant):
    other = await make_tenant()
    theirs = await create_rule(await incident_api(other))

    page = await owner.get(f"/console/alerts/rules/{theirs['id']}")
    deleted = await owner.post(f"/console/alerts/rules/{theirs['id']}/delete")

    assert page.status_code == 404 and "No such alert rule in this tenant." in page.text
    assert "Checkout failing" not in page.text
    assert deleted.status_code == 404
    assert len(await rules(await incident_api(other))) == 1
