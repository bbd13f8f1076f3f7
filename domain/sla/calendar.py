"""Business time: which moments count towards an SLA, exactly, across time zones, DST and holidays.

A moment counts when, on the calendar's wall clock, its date is a working day (a listed weekday and
not a public holiday of the calendar's country, from the maintained ``holidays`` package) and its time
of day is within opening hours. The UTC timeline is cut where the zone's offset changes (DST); within
a piece the offset is constant, so each day's opening hours are one exact interval there. A day that
is 23 or 25 hours long, an opening time inside a DST gap or fold: all follow from the wall clock.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from domain.errors import ValidationFailed

DAY = timedelta(days=1)
MAX_SPAN = timedelta(days=3 * 366)  # an SLA target further away than this is a mistake, not a plan


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours on working days in one time zone (default: around the clock, every day, UTC)."""

    timezone: str = "UTC"
    days: frozenset[int] = field(default_factory=lambda: frozenset(range(7)))  # Monday = 0
    opens: time = time(0)
    closes: time | None = None  # None: until midnight
    country: str | None = None
    subdivision: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and not (self.country and day in _holidays(self.country, self.subdivision))

    def hours_on(self, day: date) -> tuple[datetime, datetime]:
        """The day's opening hours as naive wall-clock datetimes."""
        end = datetime.combine(day, self.closes) if self.closes else datetime.combine(day + DAY, time(0))
        return datetime.combine(day, self.opens), end


@functools.lru_cache(maxsize=64)
def _holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision)


def calendar_from(raw: dict[str, Any] | None) -> BusinessCalendar:
    """A calendar from its stored form (``{"timezone", "days", "opens", "closes", "country", "subdivision"}``)."""
    raw = raw or {}
    try:
        calendar = BusinessCalendar(
            timezone=raw.get("timezone") or "UTC", days=frozenset(int(d) for d in raw.get("days", range(7))),
            opens=time.fromisoformat(raw.get("opens") or "00:00"),
            closes=time.fromisoformat(raw["closes"]) if raw.get("closes") else None,
            country=raw.get("country") or None, subdivision=raw.get("subdivision") or None)
        calendar.zone  # noqa: B018 - an unknown zone raises here
        if calendar.country:
            _holidays(calendar.country, calendar.subdivision)
    except (ValueError, TypeError, ZoneInfoNotFoundError, NotImplementedError, KeyError) as exc:
        raise ValidationFailed(f"Invalid business calendar: {exc}", field="calendar") from None
    if not calendar.days or not calendar.days <= set(range(7)):
        raise ValidationFailed("Working days are weekday numbers 0 (Monday) to 6.", field="calendar")
    if calendar.closes is not None and calendar.closes <= calendar.opens:
        raise ValidationFailed("Closing time must be after opening time.", field="calendar")
    return calendar


def _offset_change(zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The first instant in (low, high] with a different UTC offset than ``low`` (to the second)."""
    before = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0) if middle.microsecond else middle
        if middle <= low:
            break
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high


def _pieces(zone: ZoneInfo, start: datetime) -> Iterator[tuple[datetime, datetime, timedelta]]:
    """Consecutive UTC pieces ``[a, b)`` from ``start`` on, each with one constant offset (forever)."""
    a = start
    while True:
        offset, probe = a.astimezone(zone).utcoffset(), a
        while probe.astimezone(zone).utcoffset() == offset and probe - a < 60 * DAY:
            probe += DAY
        b = probe if probe.astimezone(zone).utcoffset() == offset else _offset_change(zone, probe - DAY, probe)
        yield a, b, offset
        a = b


def _open_intervals(calendar: BusinessCalendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Every UTC interval of opening hours from ``start`` on, in order."""
    for a, b, offset in _pieces(calendar.zone, start):
        day = (a + offset).date() - DAY
        while datetime.combine(day, time(0)) - offset < b.replace(tzinfo=None):
            if calendar.is_working_day(day):
                opens, closes = calendar.hours_on(day)
                low = max(a, (opens - offset).replace(tzinfo=UTC))
                high = min(b, (closes - offset).replace(tzinfo=UTC))
                if low < high:
                    yield low, high
            day += DAY


def business_seconds(calendar: BusinessCalendar, start: datetime, end: datetime) -> int:
    """Business seconds in ``[start, end)`` (0 when end is not after start)."""
    if end <= start:
        return 0
    if end - start > MAX_SPAN:
        raise ValidationFailed("That span is too long for business time.", field="calendar")
    total = timedelta(0)
    for low, high in _open_intervals(calendar, start.astimezone(UTC)):
        if low >= end:
            break
        total += min(high, end) - low
    return int(total.total_seconds())


def add_business_seconds(calendar: BusinessCalendar, start: datetime, seconds: int) -> datetime:
    """The instant at which ``seconds`` of business time have passed since ``start``."""
    left = timedelta(seconds=max(0, seconds))
    if not left:
        return start.astimezone(UTC)
    for low, high in _open_intervals(calendar, start.astimezone(UTC)):
        if high - low >= left:
            return low + left
        left -= high - low
        if low - start > MAX_SPAN:
            break
    raise ValidationFailed("The calendar has no business time within three years.", field="calendar")
