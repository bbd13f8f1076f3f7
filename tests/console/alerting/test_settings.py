"""Alerting settings screen: the defaults, saving, a value out of range shown beside its field, viewers read."""

from __future__ import annotations

from tests.console.html import beside, has, one, select

READ = "{ alertingSettings { reopenWindowMinutes groupBy groupWindowMinutes correlationHops correlationWindowMinutes } }"
FORM = {"group_by": "CI", "group_window_minutes": "5", "reopen_window_minutes": "0", "correlation_hops": "2",
        "correlation_window_minutes": "45"}


async def test_the_settings_start_at_the_defaults_and_save(owner, incident_api):
    api = await incident_api(owner.tenant)

    first = await owner.get("/console/alerts/settings")
    saved = await owner.post("/console/alerts/settings", FORM, htmx=True)

    assert first.status_code == 200 and "The defaults: nobody changed them yet." in first.text
    assert one(first.text, 'input[name="reopen_window_minutes"]')["value"] == "60"
    assert [(o["value"], o.string) for o in select(first.text, "#group-by option[selected]")] == [
        ("SERVICE", "the service")]
    assert "Alerting settings saved." in saved.text and f"Last changed by owner@{owner.tenant.slug}" in saved.text
    assert (await api.call(READ, {}))["alertingSettings"] == {
        "reopenWindowMinutes": 0, "groupBy": "CI", "groupWindowMinutes": 5, "correlationHops": 2,
        "correlationWindowMinutes": 45}


async def test_a_value_out_of_range_is_shown_beside_its_field_and_nothing_is_saved(owner, incident_api):
    api = await incident_api(owner.tenant)

    too_far = await owner.post("/console/alerts/settings", {**FORM, "correlation_hops": "9"})
    not_a_number = await owner.post("/console/alerts/settings", {**FORM, "group_window_minutes": "soon"})

    assert too_far.status_code == 400
    assert beside(too_far.text, "correlation-hops") == "correlationHops must be a whole number from 1 to 6."
    assert one(too_far.text, 'input[name="correlation_hops"]')["value"] == "9"
    assert not_a_number.status_code == 400
    assert beside(not_a_number.text, "group-window") == "groupWindowMinutes must be a whole number."
    assert (await api.call(READ, {}))["alertingSettings"]["correlationHops"] == 3


async def test_a_viewer_reads_the_settings_but_cannot_save_them(owner, add_member, signed_in):
    viewer = await signed_in(await add_member(owner.tenant, ["viewer"]))

    page = await viewer.get("/console/alerts/settings")
    refused = await viewer.post("/console/alerts/settings", FORM)

    assert page.status_code == 200 and has(page.text, "fieldset[disabled]")
    assert "Save settings" not in page.text and refused.status_code == 403
