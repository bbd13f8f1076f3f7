"""Maintenance windows: schedule one-off and recurring windows, inline errors, delete, who may."""

from __future__ import annotations

from tests.console.html import beside, cells, has, one, texts

SILENCES = "{ silences { id name service matcher startsAt endsAt recurrence durationMinutes reason } }"
ONE_OFF = {"name": "DB upgrade", "service": "db", "matcher": "", "starts_at": "2030-01-05T22:00",
           "ends_at": "2030-01-06T02:00", "recurrence": "", "duration_minutes": "", "reason": "CHG-42"}


async def _silences(api) -> list[dict]:
    return (await api.call(SILENCES, {}))["silences"]


async def test_a_one_off_window_is_scheduled_listed_and_deleted(owner, incident_api):
    api = await incident_api(owner.tenant)

    created = await owner.post("/console/alerts/silences", ONE_OFF, htmx=True)

    [saved] = await _silences(api)
    assert created.status_code == 200 and "Maintenance window DB upgrade scheduled." in created.text
    assert saved["startsAt"] == "2030-01-05T22:00:00+00:00" and saved["endsAt"] == "2030-01-06T02:00:00+00:00"
    row = one(created.text, f"#silence-{saved['id']}")
    assert cells(row)[1:5] == ["service db", "2030-01-05 22:00 UTC → 2030-01-06 02:00 UTC", "upcoming", "CHG-42"]
    assert texts(row, "td .tag") == ["db"] and texts(row, "td .silence-state.silence-upcoming") == ["upcoming"]

    deleted = await owner.post(f"/console/alerts/silences/{saved['id']}/delete", htmx=True)

    assert deleted.status_code == 200 and "Maintenance window deleted." in deleted.text
    assert not has(deleted.text, f"#silence-{saved['id']}") and await _silences(api) == []


async def test_a_recurring_window_takes_an_rrule_and_a_duration(owner, incident_api):
    api = await incident_api(owner.tenant)
    form = {**ONE_OFF, "name": "Sunday backups", "service": "", "matcher": "alert.severity == 'SEV4'",
            "ends_at": "", "recurrence": "FREQ=WEEKLY;BYDAY=SU", "duration_minutes": "90"}

    created = await owner.post("/console/alerts/silences", form)

    [saved] = await _silences(api)
    assert saved["recurrence"] == "FREQ=WEEKLY;BYDAY=SU" and saved["durationMinutes"] == 90
    row = one(created.text, f"#silence-{saved['id']}")
    assert cells(row)[2].startswith("FREQ=WEEKLY;BYDAY=SU for 1 h 30 min") and cells(row)[3] == "recurring"
    assert texts(row, "td code") == ["alert.severity == 'SEV4'", "FREQ=WEEKLY;BYDAY=SU"]


async def test_a_bad_rrule_is_shown_beside_the_recurrence_and_nothing_is_saved(owner, incident_api):
    api = await incident_api(owner.tenant)
    form = {**ONE_OFF, "ends_at": "", "recurrence": "EVERY SUNDAY", "duration_minutes": "60"}

    response = await owner.post("/console/alerts/silences", form, htmx=True)

    assert response.status_code == 400
    assert beside(response.text, "silence-recurrence").startswith("recurrence is not a valid RRULE")
    assert one(response.text, "#silence-recurrence")["value"] == "EVERY SUNDAY" and await _silences(api) == []


async def test_a_recurring_window_without_a_duration_is_refused(owner, incident_api):
    api = await incident_api(owner.tenant)

    response = await owner.post("/console/alerts/silences",
                                {**ONE_OFF, "ends_at": "", "recurrence": "FREQ=DAILY"})

    assert response.status_code == 400
    assert beside(response.text, "silence-duration") == "A recurring window needs durationMinutes (1 to 10080)."
    assert await _silences(api) == []


async def test_a_bad_matcher_is_shown_beside_the_matcher(owner, incident_api):
    api = await incident_api(owner.tenant)

    response = await owner.post("/console/alerts/silences", {**ONE_OFF, "matcher": "alert.severity =="})

    assert response.status_code == 400
    assert beside(response.text, "silence-matcher").startswith("The condition is not valid CEL")
    assert await _silences(api) == []


async def test_an_end_before_the_start_and_a_date_that_is_not_one_are_refused(owner, incident_api):
    api = await incident_api(owner.tenant)

    backwards = await owner.post("/console/alerts/silences", {**ONE_OFF, "ends_at": "2030-01-04T00:00"})
    garbled = await owner.post("/console/alerts/silences", {**ONE_OFF, "starts_at": "next tuesday"})

    assert backwards.status_code == 400 and beside(backwards.text, "silence-ends") == "endsAt must be after startsAt."
    assert garbled.status_code == 400
    assert beside(garbled.text, "silence-starts") == "Start must be a date and time (YYYY-MM-DDTHH:MM)."
    assert await _silences(api) == []


async def test_a_duration_too_large_for_the_api_is_a_clear_refusal(owner, incident_api):
    api = await incident_api(owner.tenant)

    response = await owner.post("/console/alerts/silences", {**ONE_OFF, "ends_at": "", "recurrence": "FREQ=DAILY",
                                                             "duration_minutes": "99999999999999999999"})

    assert response.status_code == 400 and "Int cannot represent non 32-bit signed integer value" in response.text
    assert await _silences(api) == []


async def test_a_viewer_sees_windows_but_cannot_schedule_or_delete(owner, incident_api, add_member, signed_in):
    api = await incident_api(owner.tenant)
    await owner.post("/console/alerts/silences", ONE_OFF)
    [saved] = await _silences(api)
    viewer = await signed_in(await add_member(owner.tenant, ["viewer"]))

    page = await viewer.get("/console/alerts/silences")
    created = await viewer.post("/console/alerts/silences", {**ONE_OFF, "name": "Mine"})
    deleted = await viewer.post(f"/console/alerts/silences/{saved['id']}/delete")

    assert page.status_code == 200 and "DB upgrade" in page.text
    assert not has(page.text, "#silence-form") and "/delete" not in page.text
    assert created.status_code == 403 and deleted.status_code == 403
    assert [s["name"] for s in await _silences(api)] == ["DB upgrade"]
