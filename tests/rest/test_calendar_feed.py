"""A schedule's iCalendar feed: its shifts behind a secret URL, one person's with ?user=, revoked by rotation."""

from __future__ import annotations

from icalendar import Calendar

from domain.oncall.service import create_schedule, rotate_feed_token
from tests.conftest import auth_headers, gql
from tests.workers.paging_setup import add_people


async def test_the_feed_lists_shifts_and_stops_working_once_rotated(db, client, make_tenant):
    # given a daily rotation of ana and bo
    tenant = await make_tenant()
    (ana, ana_mail), (bo, _) = await add_people(db, tenant, 2)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        schedule = await create_schedule(tx, name="Primary", time_zone="America/New_York", layers=[
            {"rotation": "daily", "start": "2026-01-01T09:00", "participants": [str(ana), str(bo)]}])
    url = f"/calendar/{tenant.tenant_id}/{schedule.id}/{schedule.feed_token}.ics"
    # when the feed is fetched, whole and for ana
    whole, mine = await client.get(url), await client.get(f"{url}?user={ana}")
    # then it holds a shift a day (67 days: a week back, 60 ahead), alternating, ana's alone on hers
    events = Calendar.from_ical(whole.content).walk("VEVENT")
    ana_events = Calendar.from_ical(mine.content).walk("VEVENT")
    assert whole.status_code == 200 and whole.headers["content-type"].startswith("text/calendar")
    assert 59 <= len(events) <= 61 and abs(len(ana_events) * 2 - len(events)) <= 1
    assert {str(e["summary"]) for e in ana_events} == {f"On call (Primary): {ana_mail}"}
    # and once rotated, the old URL is gone while a wrong secret never worked
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await rotate_feed_token(tx, schedule_id=schedule.id)
    assert (await client.get(url)).status_code == 404
    assert (await client.get(url.replace(schedule.feed_token, "nope"))).status_code == 404


ROTATE = "mutation { rotateMyOnCallFeed { __typename ... on MyFeedRotated { feedPath } } }"


async def test_my_own_feed_holds_my_shifts_over_every_schedule_and_rotates(db, client, make_tenant, sign_in):
    # given the owner on two schedules (alone on one, sharing the other)
    tenant = await make_tenant()
    [(bo, _)] = await add_people(db, tenant, 1)
    me = str(tenant.admin_user_id)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await create_schedule(tx, name="Primary", time_zone="UTC", layers=[
            {"rotation": "weekly", "start": "2026-01-05T09:00", "participants": [me]}])
        await create_schedule(tx, name="Secondary", time_zone="UTC", layers=[
            {"rotation": "daily", "start": "2026-01-01T09:00", "participants": [me, str(bo)]}])
    headers = auth_headers(await sign_in(tenant))
    # when they ask for their feed URL and fetch it
    first = (await gql(client, ROTATE, headers=headers))["data"]["rotateMyOnCallFeed"]["feedPath"]
    feed = await client.get(first)
    # then it lists their shifts on both schedules, and a new URL retires the old one
    summaries = {str(e["summary"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")}
    owner = f"owner@{tenant.slug}.example.com"
    assert summaries == {f"On call (Primary): {owner}", f"On call (Secondary): {owner}"}
    second = (await gql(client, ROTATE, headers=headers))["data"]["rotateMyOnCallFeed"]["feedPath"]
    assert second != first
    assert ((await client.get(first)).status_code, (await client.get(second)).status_code) == (404, 200)
