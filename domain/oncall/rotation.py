"""Schedule arithmetic: who is on call at an instant, and the shifts of a period, exact across DST.

A schedule has a time zone, layers and overrides. A layer hands off in local wall-clock time: its
first shift starts at ``start`` (a naive local time) and every shift lasts ``length`` of wall-clock
time, so a daily 09:00 handoff stays at 09:00 through DST changes. A handoff (or a restriction edge)
happens at the first instant whose local time reaches it: in a spring-forward gap that is the
moment of the change; in a fall-back repeated hour it is the first of the two occurrences, and the
rotation never steps back. Restrictions (e.g. weekdays 09:00-17:00) read the local wall clock.
Higher layers win where they have someone; an override (one person covers another) wins over all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Window:
    """Local times when a layer may page: ``days`` (0 = Monday), minutes of day ``[start, end)``."""

    days: frozenset[int]
    start: int
    end: int

    def allows(self, local: datetime) -> bool:
        minute = local.hour * 60 + local.minute
        return local.weekday() in self.days and self.start <= minute < self.end


@dataclass(frozen=True)
class Layer:
    """A rotation: ``participants`` in order, shifts of ``length`` from ``start`` (naive local time)."""

    start: datetime
    length: timedelta
    participants: tuple[str, ...]
    restrictions: tuple[Window, ...] = ()

    def allows(self, local: datetime) -> bool:
        return not self.restrictions or any(window.allows(local) for window in self.restrictions)


@dataclass(frozen=True)
class Override:
    """``user`` is on call from ``starts_at`` to ``ends_at`` (UTC instants), whatever the layers say."""

    user: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Schedule:
    time_zone: str
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True)
class Shift:
    user: str
    starts_at: datetime
    ends_at: datetime


def local_time(at: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock time of the instant ``at``."""
    return at.astimezone(zone).replace(tzinfo=None)


def first_instant(naive: datetime, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) whose local wall-clock time is at or after ``naive``."""
    instant = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if local_time(instant, zone) == naive:
        return instant
    probe = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)  # in a gap: an instant before it
    while local_time(probe, zone) < naive:
        probe += MINUTE
    return probe


def shift_index(layer: Layer, at: datetime, zone: ZoneInfo) -> int:
    """How many handoffs of ``layer`` have happened by ``at`` minus one (-1: not started yet)."""
    index = (local_time(at, zone) - layer.start) // layer.length
    while first_instant(layer.start + (index + 1) * layer.length, zone) <= at:
        index += 1  # the repeated hour of a fall-back: local time went back, the rotation does not
    while index >= 0 and first_instant(layer.start + index * layer.length, zone) > at:
        index -= 1
    return max(index, -1)


def layer_user(layer: Layer, at: datetime, zone: ZoneInfo) -> str | None:
    """Who ``layer`` puts on call at ``at`` (None: not started, no one, or outside its restrictions)."""
    index = shift_index(layer, at, zone)
    if index < 0 or not layer.participants or not layer.allows(local_time(at, zone)):
        return None
    return layer.participants[index % len(layer.participants)]


def on_call_at(schedule: Schedule, at: datetime) -> str | None:
    """Who is on call at the instant ``at``: the latest override, else the highest layer with someone."""
    for override in reversed(schedule.overrides):
        if override.starts_at <= at < override.ends_at:
            return override.user
    zone = schedule.zone
    for layer in reversed(schedule.layers):
        user = layer_user(layer, at, zone)
        if user is not None:
            return user
    return None


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The shifts (who, from, to) between ``start`` and ``end``, merged where one person goes on."""
    found: list[Shift] = []
    points = [p for p in sorted(change_points(schedule, start, end)) if start <= p < end]
    for point, following in zip(points, [*points[1:], end], strict=True):
        user = on_call_at(schedule, point)
        if found and found[-1].user == user and found[-1].ends_at == point:
            found[-1] = Shift(user, found[-1].starts_at, following)
        elif user is not None:
            found.append(Shift(user, point, following))
    return found


def next_shifts(schedule: Schedule, *, user: str, after: datetime, count: int,
                horizon: timedelta = timedelta(days=90)) -> list[Shift]:
    """The next ``count`` shifts of ``user`` (the current one included) within ``horizon``."""
    return [s for s in shifts(schedule, after, after + horizon) if s.user == user][:count]


def change_points(schedule: Schedule, start: datetime, end: datetime) -> set[datetime]:
    """Every instant in [start, end) at which who is on call may change (and ``start``)."""
    zone = schedule.zone
    points = {start, *zone_transitions(zone, start, end)}
    for override in schedule.overrides:
        points.update((override.starts_at, override.ends_at))
    for layer in schedule.layers:
        first, last = shift_index(layer, start, zone), shift_index(layer, end, zone) + 1
        points.update(first_instant(layer.start + k * layer.length, zone) for k in range(max(first, 0), last + 1))
        points.update(_restriction_edges(layer, zone, start, end))
    return points


def _restriction_edges(layer: Layer, zone: ZoneInfo, start: datetime, end: datetime) -> set[datetime]:
    edges: set[datetime] = set()
    day = local_time(start, zone).date() - timedelta(days=1)
    while day <= local_time(end, zone).date() + timedelta(days=1):
        midnight = datetime(day.year, day.month, day.day)
        for window in layer.restrictions:
            for minute in (window.start, window.end):
                naive = midnight + timedelta(minutes=minute)
                edges.add(first_instant(naive, zone))
                edges.add(naive.replace(tzinfo=zone, fold=1).astimezone(UTC))  # a repeated hour's second time
        day += timedelta(days=1)
    return edges


def zone_transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants in [start, end) at which ``zone`` changes its UTC offset (to the minute)."""
    found, hour = [], start
    while hour < end:
        after = min(hour + timedelta(hours=1), end)
        if hour.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            low, high = hour, after
            while high - low > MINUTE:
                middle = low + (high - low) / 2
                middle -= timedelta(seconds=middle.second, microseconds=middle.microsecond)
                if middle <= low:
                    break
                low, high = (middle, high) if middle.astimezone(zone).utcoffset() == low.astimezone(
                    zone).utcoffset() else (low, middle)
            found.append(high)
        hour = after
    return found
