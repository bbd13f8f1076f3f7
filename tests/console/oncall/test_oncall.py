"""The on-call screen and the escalation panel of an incident, as a signed-in member sees them."""

from __future__ import annotations

from domain.oncall.service import create_schedule
from domain.paging.policies import create_policy, set_service_policy
from tests.console.html import one, select, text, texts
from tests.workers.paging_setup import open_incident


async def _setup(db, tenant) -> None:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        schedule = await create_schedule(tx, name="Primary", time_zone="Europe/London", layers=[
            {"rotation": "weekly", "start": "2026-01-05T09:00", "participants": [str(tenant.admin_user_id)]}])
        policy = await create_policy(tx, name="Checkout", levels=[
            {"timeout_seconds": 300, "targets": [{"kind": "schedule", "id": str(schedule.id)}]}])
        await set_service_policy(tx, service="checkout", policy_id=policy.id)


async def test_the_oncall_screen_shows_who_is_on_call_and_the_policies(db, owner):
    # given a weekly schedule with the owner alone on it, used by the checkout policy
    await _setup(db, owner.tenant)
    # when the owner opens /console/oncall
    page = await owner.get("/console/oncall")
    # then the schedule shows them on call now, with a feed, and the policy names the schedule
    assert page.status_code == 200
    assert text(one(page.text, "#schedules td.on-call-now")) == f"owner@{owner.tenant.slug}.example.com"
    assert one(page.text, "#schedules a.feed")["href"].endswith(".ics")
    assert texts(page.text, "#policies td")[:2] == ["Checkout", "checkout"]
    assert "on call on Primary, then wait 5 min" in text(one(page.text, "#policies ol"))
    assert "No rules: you are emailed at once." in texts(page.text, "#my-rules li")


async def test_the_incident_page_shows_its_escalation(db, owner):
    # given a checkout incident that the policy escalates (its first step not run yet)
    await _setup(db, owner.tenant)
    incident = await open_incident(db, owner.tenant)
    # when its page is opened
    page = await owner.get(f"/console/incidents/{incident.id}")
    # then the escalation panel names the policy and its state
    assert page.status_code == 200
    assert text(one(page.text, "#incident-escalation p")).startswith("Policy Checkout : active ; next step ")
    assert texts(page.text, "#escalation-pages td") == ["Nobody paged yet."]


async def test_a_schedules_calendar_shows_two_weeks_by_local_day(db, owner):
    # given the owner alone on a weekly London rotation
    await _setup(db, owner.tenant)
    listing = await owner.get("/console/oncall")
    calendar_url = select(listing.text, "#schedules td a")[0]["href"]
    # when its calendar is opened
    page = await owner.get(calendar_url)
    # then every day of the next two weeks shows the owner, whole days in the middle
    rows = texts(page.text, "#calendar tbody tr")
    assert page.status_code == 200 and 14 <= len(rows) <= 15
    assert rows[1].endswith(f"00:00–24:00 owner@{owner.tenant.slug}.example.com")


async def test_an_unknown_schedules_calendar_is_not_found(owner):
    page = await owner.get("/console/oncall/schedules/8d5e4c1e-0000-4000-8000-000000000000")
    assert page.status_code == 404
