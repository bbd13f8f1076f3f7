"""Schedule arithmetic against a minute-stepping reference model (layers, restrictions, overrides, DST)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.oncall.rotation import Layer, Override, Schedule, Window, next_shifts, on_call_at, shifts

ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC", "America/Santiago")
# windows of ten days around DST changes: US spring (8 Mar 2026), EU autumn (25 Oct 2026), Lord Howe (5 Apr 2026)
BASES = (datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 10, 22, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC),
         datetime(2026, 10, 30, tzinfo=UTC))
PEOPLE = ("ana", "bo", "cy", "di")
MINUTE = timedelta(minutes=1)


def reference(schedule: Schedule, start: datetime, end: datetime) -> list[str | None]:
    """Who is on call at every minute of [start, end), stepping minute by minute from a day before."""
    zone = ZoneInfo(schedule.time_zone)
    at = start - timedelta(days=1)
    high = max((at - m * MINUTE).astimezone(zone).replace(tzinfo=None) for m in range(240))
    handoffs = [-1] * len(schedule.layers)
    answers: list[str | None] = []
    while at < end:
        local = at.astimezone(zone).replace(tzinfo=None)
        high = max(high, local)  # the furthest the wall clock has reached: handoffs never step back
        for i, layer in enumerate(schedule.layers):
            while layer.start + (handoffs[i] + 1) * layer.length <= high:
                handoffs[i] += 1
        if at >= start:
            answers.append(_who(schedule, at, local, handoffs))
        at += MINUTE
    return answers


def _who(schedule: Schedule, at: datetime, local: datetime, handoffs: list[int]) -> str | None:
    for override in reversed(schedule.overrides):
        if override.starts_at <= at < override.ends_at:
            return override.user
    for layer, handoff in reversed(list(zip(schedule.layers, handoffs, strict=True))):
        minute = local.hour * 60 + local.minute
        allowed = not layer.restrictions or any(
            local.weekday() in w.days and w.start <= minute < w.end for w in layer.restrictions)
        if handoff >= 0 and allowed:
            return layer.participants[handoff % len(layer.participants)]
    return None


windows = st.builds(lambda days, a, b: Window(frozenset(days), min(a, b) * 30, max(a, b) * 30 + 30),
                    st.sets(st.integers(0, 6), min_size=1), st.integers(0, 47), st.integers(0, 47))


@st.composite
def schedules(draw) -> tuple[Schedule, datetime]:
    base = draw(st.sampled_from(BASES))
    zone = draw(st.sampled_from(ZONES))
    layers = tuple(Layer(
        start=base.replace(tzinfo=None) + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60))),
        length=draw(st.sampled_from([timedelta(days=1), timedelta(days=7), timedelta(hours=8),
                                     timedelta(minutes=draw(st.integers(30, 3000)))])),
        participants=tuple(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4))),
        restrictions=tuple(draw(st.lists(windows, max_size=2))),
    ) for _ in range(draw(st.integers(1, 3))))
    overrides = tuple(Override(user=draw(st.sampled_from(PEOPLE)), starts_at=(s := base + draw(
        st.integers(0, 8 * 24 * 60)) * MINUTE), ends_at=s + draw(st.integers(1, 2 * 24 * 60)) * MINUTE)
        for _ in range(draw(st.integers(0, 2))))
    return Schedule(time_zone=zone, layers=layers, overrides=overrides), base


@settings(max_examples=40, deadline=None)
@given(schedules())
def test_shifts_match_a_minute_by_minute_reference(case):
    # given a schedule with layers, restrictions and overrides in some time zone, around a DST change
    schedule, base = case
    start, end = base + timedelta(days=1), base + timedelta(days=8)
    # when its shifts are listed
    listed = shifts(schedule, start, end)
    # then every minute agrees with the reference model, and shifts neither overlap nor repeat a person
    expected = reference(schedule, start, end)
    expanded: list[str | None] = [None] * len(expected)
    for shift in listed:
        first, last = (shift.starts_at - start) // MINUTE, (shift.ends_at - start) // MINUTE
        expanded[first:last] = [shift.user] * (last - first)
    assert expanded == expected
    assert all(a.ends_at <= b.starts_at for a, b in itertools.pairwise(listed))
    assert all(a.user != b.user or a.ends_at != b.starts_at for a, b in itertools.pairwise(listed))


@settings(max_examples=25, deadline=None)
@given(schedules(), st.lists(st.integers(0, 7 * 24 * 60 - 1), min_size=1, max_size=20))
def test_who_is_on_call_at_an_instant_matches_the_reference(case, minutes):
    schedule, base = case
    start = base + timedelta(days=1)
    expected = reference(schedule, start, start + timedelta(days=7))
    assert [on_call_at(schedule, start + m * MINUTE) for m in minutes] == [expected[m] for m in minutes]


def test_a_daily_handoff_stays_at_nine_local_across_the_spring_change():
    # given a daily rotation handing off at 09:00 New York time over the 8 March 2026 change
    schedule = Schedule("America/New_York", (Layer(datetime(2026, 3, 6, 9), timedelta(days=1), ("ana", "bo")),))
    # when the shifts of four days are listed
    listed = shifts(schedule, datetime(2026, 3, 6, 14, tzinfo=UTC), datetime(2026, 3, 10, 13, tzinfo=UTC))
    # then each starts at 09:00 local: 14:00 UTC before the change, 13:00 UTC after it
    assert [(s.user, s.starts_at.astimezone(ZoneInfo("America/New_York")).hour) for s in listed[1:]] == [
        ("bo", 9), ("ana", 9), ("bo", 9)]
    assert listed[-1].starts_at == datetime(2026, 3, 9, 13, tzinfo=UTC)


def test_a_handoff_in_the_repeated_hour_happens_once_and_never_steps_back():
    # given a handoff at 01:30 London time on the night clocks go back (25 October 2026)
    schedule = Schedule("Europe/London", (Layer(datetime(2026, 10, 24, 1, 30), timedelta(days=1), ("ana", "bo")),))
    # then bo takes over at the first 01:30 (00:30 UTC) and is still on at the second (01:30 UTC)
    assert on_call_at(schedule, datetime(2026, 10, 25, 0, 29, tzinfo=UTC)) == "ana"
    assert on_call_at(schedule, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "bo"
    assert on_call_at(schedule, datetime(2026, 10, 25, 1, 10, tzinfo=UTC)) == "bo"


def test_an_override_covers_a_period_and_next_shifts_list_a_persons_turns():
    # given a weekly rotation and an override where cy covers one afternoon
    start = datetime(2026, 6, 1, 9)
    cover = Override("cy", datetime(2026, 6, 2, 12, tzinfo=UTC), datetime(2026, 6, 2, 18, tzinfo=UTC))
    schedule = Schedule("UTC", (Layer(start, timedelta(days=7), ("ana", "bo")),), (cover,))
    # when
    turns = next_shifts(schedule, user="ana", after=datetime(2026, 6, 1, 9, tzinfo=UTC), count=3)
    # then ana's first week is split around the override, and her next turn is two weeks on
    assert [(t.starts_at.day, t.ends_at.day) for t in turns] == [(1, 2), (2, 8), (15, 22)]
    assert on_call_at(schedule, datetime(2026, 6, 2, 13, tzinfo=UTC)) == "cy"
