"""The dry run: the editor's draft against stored telemetry, shown in a panel, nothing saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.console.alerting.helpers import EVENT_FORM, checks, create_rule, rules
from tests.console.html import beside, cells, has, one, root, select, shown_codes, text, texts
from tests.console.telemetry.helpers import store


async def test_a_dry_run_shows_which_groups_would_have_fired_against_stored_events(owner, db, incident_api):
    api = await incident_api(owner.tenant)
    await store(db, owner.tenant, {"events": checks([50, 40, 30]) + checks([20], service="search")
                                   + checks([10], severity="info")})

    response = await owner.post("/console/alerts/rules/dry-run", {**EVENT_FORM, "hours": "1"}, htmx=True)

    assert response.status_code == 200
    assert root(response.text).name == "section" and root(response.text)["id"] == "dry-run"
    assert ("Over the last 1 h this draft would have fired for 1 of 2 groups, raising 1 incident."
            in response.text)
    assert "5 events evaluated" in response.text and "Nothing was saved." in response.text
    fired, quiet = one(response.text, "#dry-run-groups tr.fires"), one(response.text, "#dry-run-groups tr.quiet")
    assert texts(fired, "td .tag") == ["service=payments"] and cells(fired)[2] == "3"
    assert "checkout check 30 min ago" in text(fired) and "checkout check 50 min ago" in text(fired)
    assert texts(quiet, "td .tag") == ["service=search"] and cells(quiet)[5] == "no (below threshold)"
    assert texts(quiet, "td code") == ["Checkout failing:service=search"]
    assert await rules(api) == []


async def test_the_look_back_is_the_one_chosen(owner, db):
    await store(db, owner.tenant, {"events": checks([120, 110, 100])})

    last_hour = await owner.post("/console/alerts/rules/dry-run", {**EVENT_FORM, "hours": "1"}, htmx=True)
    last_six = await owner.post("/console/alerts/rules/dry-run", {**EVENT_FORM, "hours": "6"}, htmx=True)

    assert "would have fired for 0 of 0 groups" in last_hour.text and "Nothing matched." in last_hour.text
    assert "Over the last 6 h this draft would have fired for 1 of 1 groups" in last_six.text


async def test_a_metric_draft_is_evaluated_window_by_window(owner, db):
    now = datetime.now(UTC)
    points = [{"name": "queue.depth", "value": value, "labels": {"service": "billing"},
               "time": (now - timedelta(minutes=minutes)).isoformat()}
              for minutes, value in ((50, 10.0), (35, 900.0), (20, 950.0))]
    await store(db, owner.tenant, {"metrics": points})
    form = {"name": "Queue backed up", "kind": "metric", "severity": "SEV3", "metric": "queue.depth",
            "aggregation": "max", "minutes": "10", "operator": ">", "threshold": "500", "group_by": "service",
            "fingerprint_template": "{rule}:{group}", "hours": "1"}

    response = await owner.post("/console/alerts/rules/dry-run", form, htmx=True)

    assert response.status_code == 200
    assert "would have fired for 1 of 1 groups, raising 1 incident." in response.text
    assert "6 windows evaluated" in response.text
    assert texts(response.text, "#dry-run-groups td .tag") == ["service=billing"] and "value 950.0" in response.text


async def test_a_draft_with_bad_cel_comes_back_as_the_editor_with_the_error_beside_the_condition(owner, incident_api):
    api = await incident_api(owner.tenant)
    rule = await create_rule(api)

    response = await owner.post("/console/alerts/rules/dry-run",
                                {**EVENT_FORM, "condition": "event.nope(", "rule_id": rule["id"], "hours": "24"},
                                htmx=True)

    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#rule-editor-screen" and response.headers["HX-Reswap"] == "outerHTML"
    assert root(response.text)["id"] == "rule-editor-screen"
    assert beside(response.text, "rule-condition").startswith("The condition is not valid CEL")
    assert has(response.text, "#rule-version-1")  # still the saved rule's editor
    assert [option["value"] for option in select(response.text, "#dry-run-hours option[selected]")] == ["24"]
    assert [r["condition"] for r in await rules(api)] == [EVENT_FORM["condition"]]


async def test_without_htmx_the_dry_run_shows_the_whole_editor_with_the_preview(owner, db):
    await store(db, owner.tenant, {"events": checks([5, 4])})

    response = await owner.post("/console/alerts/rules/dry-run", {**EVENT_FORM, "hours": "1"})

    assert response.status_code == 200 and response.text.startswith("<!doctype html>")
    assert one(response.text, "#rule-name")["value"] == "Checkout failing"
    assert "would have fired for 1 of 1 groups" in response.text


async def test_a_viewer_may_not_dry_run(owner, add_member, signed_in):
    viewer = await signed_in(await add_member(owner.tenant, ["viewer"]))

    response = await viewer.post("/console/alerts/rules/dry-run", {**EVENT_FORM, "hours": "1"}, htmx=True)

    assert response.status_code == 403 and shown_codes(response.text) == ["FORBIDDEN"]
