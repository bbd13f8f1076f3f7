"""The change screens: raising a change shows its risk reasons and collisions; the CAB queue lists what
awaits review; a CAB member approves from the change's page; a requester cannot approve their own change;
the calendar groups planned changes by day; the SLA screen adds a policy and refuses a bad one in place."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.console.html import has, one, select, text, texts
from tests.domain.changes.helpers import SHOP, move, raise_change, user_id
from tests.domain.cmdb.helpers import build


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


async def _shop(db, tenant):
    return {name: str(ci) for name, ci in (await build(db, tenant, *SHOP)).items()}


async def test_raising_a_change_opens_it_with_its_risk_reasons_and_collisions(owner, db):
    ids = await _shop(db, owner.tenant)
    start = datetime.now(UTC) + timedelta(days=2)
    earlier = await raise_change(db, owner.tenant, ci_ids=[uuid.UUID(ids["payments-db"])], title="Patch the database",
                                 start_end=(start, start + timedelta(hours=2)))
    await move(db, owner.tenant, earlier.id, "submitted")
    form = {"title": "Deploy checkout", "type": "normal", "ci_ids": [ids["checkout"]], "backout_plan": "",
            "planned_start": _local(start), "planned_end": _local(start + timedelta(hours=1))}

    created = await owner.post("/console/changes/new", form)
    opened = await owner.get(created.headers["location"])

    assert created.status_code == 303
    assert text(one(opened.text, "h1")).endswith("Deploy checkout")
    assert "+15: no backout plan" in texts(opened.text, "#change-risk li")
    assert texts(opened.text, "#change-collisions li") == [
        f"{earlier.reference} (submitted) touches a dependent CI (payments-db) in an overlapping window"]
    listed = await owner.get("/console/changes")
    assert len(select(listed.text, 'tr[id^="change-"]')) == 2


async def test_a_bad_window_is_refused_beside_its_field_and_nothing_is_raised(owner, db):
    start = datetime.now(UTC) + timedelta(days=2)

    refused = await owner.post("/console/changes/new", {"title": "Backwards", "type": "normal",
                                                         "planned_start": _local(start),
                                                         "planned_end": _local(start - timedelta(hours=1))})

    assert refused.status_code == 400
    assert "The planned window must end after it starts." in refused.text
    assert one(refused.text, "#change-title")["value"] == "Backwards"
    listed = await owner.get("/console/changes")
    assert select(listed.text, 'tr[id^="change-"]') == []


async def test_a_cab_member_approves_from_the_queue_and_the_requester_cannot(owner, db, add_member, signed_in):
    ids = await _shop(db, owner.tenant)
    manager_email = await add_member(owner.tenant, ["change-manager"])
    manager = await signed_in(manager_email)
    change = await raise_change(db, owner.tenant, ci_ids=[uuid.UUID(ids["web"])], type="emergency")
    await move(db, owner.tenant, change.id, "submitted", "assessment", "cab_review")

    queue = await manager.get("/console/changes?view=cab")
    own = await owner.get(f"/console/changes/{change.id}")
    refused = await owner.post(f"/console/changes/{change.id}/vote", {"decision": "approve", "comment": "mine"})
    empty = await manager.post(f"/console/changes/{change.id}/vote", {"decision": "approve", "comment": ""})
    approved = await manager.post(f"/console/changes/{change.id}/vote",
                                  {"decision": "approve", "comment": "rollback rehearsed"})

    assert has(queue.text, f"#change-{change.id}")
    assert not has(own.text, "#vote-form") and "nobody approves their own change" in own.text
    assert refused.status_code == 403 and "SELF_APPROVAL" in refused.text
    assert empty.status_code == 400 and "Every vote needs a comment" in empty.text
    assert approved.status_code == 200
    assert text(one(approved.text, "#change-state")) == "approved"
    assert texts(approved.text, "#change-votes li") == [f"approve by {manager_email}: rollback rehearsed"]
    assert await user_id(db, owner.tenant, manager_email) is not None


async def test_moves_run_from_the_change_page_and_the_calendar_shows_the_window(owner, db):
    ids = await _shop(db, owner.tenant)
    start = datetime.now(UTC) + timedelta(days=1)
    change = await raise_change(db, owner.tenant, ci_ids=[uuid.UUID(ids["search"])], type="standard",
                                start_end=(start, start + timedelta(hours=1)))

    moved = await owner.post(f"/console/changes/{change.id}/move", {"to": "submitted", "version": "1"})
    stale = await owner.post(f"/console/changes/{change.id}/move", {"to": "assessment", "version": "1"})
    calendar = await owner.get("/console/changes?view=calendar")

    assert f"{change.reference} is now submitted." in moved.text
    assert stale.status_code == 409 and "moved on since you loaded it" in stale.text
    assert has(calendar.text, f"#cal-{change.id}")
    assert start.strftime("%Y-%m-%d") in texts(calendar.text, "#change-calendar h3")


async def test_the_sla_screen_adds_a_policy_and_refuses_a_bad_calendar_in_place(owner):
    added = await owner.post("/console/sla/policies", {"name": "Gold", "response": "30", "resolution": "240",
                                                      "timezone": "Europe/Berlin", "days": ["0", "1", "2", "3", "4"],
                                                      "opens": "09:00", "closes": "17:00", "country": "de",
                                                      "warn": "80"})
    bad = await owner.post("/console/sla/policies", {"name": "Mars", "response": "30", "timezone": "Mars/Olympus",
                                                    "warn": "75"})

    assert added.status_code == 200 and "SLA policy Gold added." in added.text
    assert "Europe/Berlin 09:00-17:00, DE holidays" in text(one(added.text, "#sla-policies"))
    assert bad.status_code == 400 and "Invalid business calendar" in bad.text
    assert one(bad.text, "#sla-name")["value"] == "Mars"


async def test_planned_times_are_typed_and_shown_in_the_requesters_time_zone(owner):
    await owner.post("/console/settings", {"time_zone": "Asia/Kolkata", "theme": "system"})
    form = {"title": "Rotate certificates", "type": "normal", "backout_plan": "restore the old ones",
            "planned_start": "2030-03-04T10:00", "planned_end": "2030-03-04T11:30"}

    page = await owner.get("/console/changes/new")
    created = await owner.post("/console/changes/new", form)
    opened = await owner.get(created.headers["location"])

    assert text(one(page.text, 'label[for="change-start"]')) == "Planned start (Asia/Kolkata)"
    planned = [time for time in select(opened.text, "time") if time["datetime"].startswith("2030-03-04")]
    assert [time["datetime"] for time in planned] == ["2030-03-04T04:30:00+00:00", "2030-03-04T06:00:00+00:00"]
    assert [text(time) for time in planned] == ["2030-03-04 10:00 IST", "2030-03-04 11:30 IST"]
