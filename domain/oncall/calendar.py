"""iCalendar feeds of schedules: every shift of the next weeks, or one person's, behind a secret URL."""

from __future__ import annotations

import hmac
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from icalendar import Calendar, Event

from domain import clock
from domain.errors import NotFound
from domain.oncall.service import get_schedule, shifts_of
from domain.paging.queries import emails

if TYPE_CHECKING:
    from domain.uow import Transaction

FEED_DAYS = 60


async def schedule_feed(tx: Transaction, *, schedule_id: uuid.UUID, token: str,
                        user_id: uuid.UUID | None = None) -> bytes:
    """The schedule's shifts (only ``user_id``'s when given) as an iCalendar file; NotFound for a wrong token."""
    schedule = await get_schedule(tx, schedule_id)
    if not hmac.compare_digest(schedule.feed_token.encode(), token.encode()):
        raise NotFound("No such calendar.", field="token")
    start = clock.now().replace(second=0, microsecond=0) - timedelta(days=7)
    calendar = Calendar()
    calendar.add("prodid", "-//AtlasAI//On-call//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"On call: {schedule.name}")
    window = await shifts_of(tx, schedule_id=schedule_id, start=start, end=start + timedelta(days=FEED_DAYS))
    shifts = [s for s in window if user_id is None or s.user == str(user_id)]
    names = {str(k): v for k, v in (await emails(tx, {uuid.UUID(s.user) for s in shifts})).items()}
    for shift in shifts:
        event = Event()
        event.add("uid", f"{schedule.id}-{shift.user}-{int(shift.starts_at.timestamp())}@atlasai")
        event.add("summary", f"On call ({schedule.name}): {names.get(shift.user, shift.user)}")
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("dtstamp", clock.now())
        calendar.add_component(event)
    return calendar.to_ical()
