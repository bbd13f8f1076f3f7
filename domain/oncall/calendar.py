"""iCalendar feeds behind secret URLs: a schedule's shifts (or one person's on it), or a person's own
shifts over every schedule."""

from __future__ import annotations

import hmac
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from icalendar import Calendar, Event

from domain import clock
from domain.errors import NotFound
from domain.oncall.models import OnCallUserFeed
from domain.oncall.rotation import Shift
from domain.oncall.service import get_schedule, shifts_of
from domain.paging.queries import emails, my_shifts

if TYPE_CHECKING:
    from domain.uow import Transaction

FEED_DAYS = 60


def _check(secret: str | None, token: str) -> None:
    if secret is None or not hmac.compare_digest(secret.encode(), token.encode()):
        raise NotFound("No such calendar.", field="token")


async def _ical(tx: Transaction, title: str, shifts: list[tuple[str, str, Shift]]) -> bytes:
    """(schedule id, schedule name, shift) as VEVENTs naming people by email."""
    names = {str(k): v for k, v in (await emails(tx, {uuid.UUID(s.user) for _, _, s in shifts})).items()}
    calendar = Calendar()
    calendar.add("prodid", "-//AtlasAI//On-call//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", title)
    for schedule_id, schedule_name, shift in shifts:
        event = Event()
        event.add("uid", f"{schedule_id}-{shift.user}-{int(shift.starts_at.timestamp())}@atlasai")
        event.add("summary", f"On call ({schedule_name}): {names.get(shift.user, shift.user)}")
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("dtstamp", clock.now())
        calendar.add_component(event)
    return calendar.to_ical()


async def schedule_feed(tx: Transaction, *, schedule_id: uuid.UUID, token: str,
                        user_id: uuid.UUID | None = None) -> bytes:
    """The schedule's shifts (only ``user_id``'s when given) as iCalendar; NotFound for a wrong token."""
    schedule = await get_schedule(tx, schedule_id)
    _check(schedule.feed_token, token)
    start = clock.now().replace(second=0, microsecond=0) - timedelta(days=7)
    window = await shifts_of(tx, schedule_id=schedule_id, start=start, end=start + timedelta(days=FEED_DAYS))
    shifts = [(str(schedule.id), schedule.name, s) for s in window if user_id is None or s.user == str(user_id)]
    return await _ical(tx, f"On call: {schedule.name}", shifts)


async def user_feed(tx: Transaction, *, user_id: uuid.UUID, token: str) -> bytes:
    """A person's shifts over every schedule for the next weeks; NotFound for a wrong token."""
    feed = await tx.session.get(OnCallUserFeed, (tx.tenant_id, user_id))
    _check(feed.token if feed else None, token)
    found = await my_shifts(tx, user_id=user_id, count=500, days=FEED_DAYS)
    return await _ical(tx, "My on-call shifts", [(str(s.id), s.name, shift) for s, shift in found])
