"""/console/settings: a person picks their time zone and theme; every time on every screen follows."""

from tests.console.html import one, select, text


async def test_times_show_in_the_chosen_zone_with_utc_on_hover(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Disk full on db-1")
    detail = f"/console/incidents/{incident['id']}"
    before = select((await owner.get(detail)).text, ".facts time")[0]  # Opened

    saved = await owner.post("/console/settings", {"time_zone": "Asia/Kolkata", "theme": "dark"})
    after = select((await owner.get(detail)).text, ".facts time")[0]

    assert text(before).endswith("UTC")
    assert saved.status_code == 200
    assert "Saved: times are shown in Asia/Kolkata; theme dark." in saved.text
    assert text(after).endswith("IST")
    assert after["title"] == text(before)  # the UTC time, on hover
    assert after["datetime"] == before["datetime"]


async def test_the_theme_applies_to_every_page(owner):
    await owner.post("/console/settings", {"time_zone": "UTC", "theme": "dark"})

    home = await owner.get("/console/")

    assert one(home.text, "html")["data-theme"] == "dark"


async def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(owner):
    page = await owner.get("/console/settings")
    wrong = await owner.post("/console/settings", {"time_zone": "Mars/Base", "theme": "dark"})
    no_theme = await owner.post("/console/settings", {"time_zone": "Europe/Berlin", "theme": "neon"})
    still = await owner.get("/console/settings")

    assert one(page.text, "#time_zone")["value"] == "UTC"
    assert wrong.status_code == 400
    assert "Unknown time zone 'Mars/Base'" in text(one(wrong.text, "#settings-form .field-error"))
    assert one(wrong.text, "#time_zone")["value"] == "Mars/Base"
    assert no_theme.status_code == 400
    assert "choose system, light or dark" in wrong.text + no_theme.text
    assert one(still.text, "#time_zone")["value"] == "UTC"


async def test_settings_need_the_csrf_token(owner):
    refused = await owner.http.post("/console/settings", data={"time_zone": "Europe/Berlin", "theme": "dark"})

    assert refused.status_code == 403
    assert text(one(refused.text, "#error h1")) == "The form expired"  # a title for people, not only "CSRF"
    assert text(one(refused.text, "title")) == "The form expired · AtlasAI"
