"""SLA business-time arithmetic against a minute-stepping reference model: time zones, DST transitions
(including opening hours inside a DST gap or fold), holidays, weekends, and timers with pauses."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import ValidationFailed
from domain.sla.calendar import BusinessCalendar, add_business_seconds, business_seconds, calendar_from

MINUTE = timedelta(minutes=1)
ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "America/Santiago"]
# days around DST changes in 2026 (US: Mar 8 / Nov 1; EU: Mar 29 / Oct 25; Lord Howe: Apr 5 / Oct 4)
AROUND = [datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 10, 24, tzinfo=UTC),
          datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 4, 4, tzinfo=UTC), datetime(2026, 12, 24, tzinfo=UTC)]


def counts(calendar: BusinessCalendar, moment: datetime) -> bool:
    """The reference: does the minute starting at ``moment`` count, read off the wall clock?"""
    local = moment.astimezone(ZoneInfo(calendar.timezone))
    wall = local.time().replace(tzinfo=None)
    in_hours = calendar.opens <= wall and (calendar.closes is None or wall < calendar.closes)
    return calendar.is_working_day(local.date()) and in_hours


def reference_seconds(calendar, start, end) -> int:
    moment, total = start, 0
    while moment < end:
        total += 60 if counts(calendar, moment) else 0
        moment += MINUTE
    return total


def reference_add(calendar, start, minutes) -> datetime:
    moment = start
    while minutes:
        if counts(calendar, moment):
            minutes -= 1
        moment += MINUTE
    return moment


hours = st.integers(0, 23).flatmap(lambda h: st.sampled_from([0, 30]).map(lambda m: time(h, m)))
calendars = st.builds(
    lambda zone, days, opens, length, country: BusinessCalendar(
        timezone=zone, days=frozenset(days), opens=opens, country=country,
        closes=None if length is None else (datetime.combine(date(2026, 1, 1), opens) + length).time()
        if (datetime.combine(date(2026, 1, 1), opens) + length).date() == date(2026, 1, 1) else None),
    st.sampled_from(ZONES), st.sets(st.integers(0, 6), min_size=1),
    hours, st.one_of(st.none(), st.integers(1, 16).map(lambda h: timedelta(minutes=30 * h))),
    st.sampled_from([None, "US", "DE", "IN"]))
starts = st.builds(lambda base, minutes: base + timedelta(minutes=minutes), st.sampled_from(AROUND),
                   st.integers(0, 3 * 24 * 60))


@settings(max_examples=120, deadline=None)
@given(calendars, starts, st.integers(0, 3 * 24 * 60))
def test_business_seconds_match_the_minute_stepping_model(calendar, start, minutes):
    end = start + timedelta(minutes=minutes)

    assert business_seconds(calendar, start, end) == reference_seconds(calendar, start, end)


@settings(max_examples=80, deadline=None)
@given(calendars.filter(lambda c: c.days != {5, 6} or not c.country), starts, st.integers(0, 12 * 60))
def test_adding_business_time_matches_the_minute_stepping_model(calendar, start, minutes):
    assert add_business_seconds(calendar, start, minutes * 60) == reference_add(calendar, start, minutes)


@settings(max_examples=60, deadline=None)
@given(calendars, starts, st.lists(st.integers(1, 600), min_size=1, max_size=8))
def test_a_timer_paused_and_resumed_adds_up_exactly(calendar, start, gaps):
    """Running pieces between pauses add up to the business time of those pieces, no more."""
    marks = [start]
    for gap in gaps:
        marks.append(marks[-1] + timedelta(minutes=gap))
    running = list(zip(marks[::2], marks[1::2], strict=False))  # run, pause, run, pause, ...

    elapsed = sum(business_seconds(calendar, a, b) for a, b in running)

    assert elapsed == sum(reference_seconds(calendar, a, b) for a, b in running)


def test_a_friday_afternoon_target_lands_on_monday_across_the_us_dst_change():
    calendar = BusinessCalendar(timezone="America/New_York", days=frozenset(range(5)), opens=time(9),
                                closes=time(17), country="US")
    friday_3pm_est = datetime(2026, 3, 6, 20, 0, tzinfo=UTC)

    due = add_business_seconds(calendar, friday_3pm_est, 8 * 3600)

    assert due == datetime(2026, 3, 9, 19, 0, tzinfo=UTC)  # Monday 15:00 EDT: 2 h Friday + 6 h Monday


def test_a_public_holiday_does_not_count():
    calendar = BusinessCalendar(timezone="Europe/Berlin", days=frozenset(range(5)), opens=time(9),
                                closes=time(17), country="DE")
    christmas_eve_evening = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)

    due = add_business_seconds(calendar, christmas_eve_evening, 3600)

    assert due == datetime(2026, 12, 28, 9, 0, tzinfo=UTC)  # 25th and 26th are holidays, then the weekend


def test_a_bad_calendar_is_a_validation_error():
    with pytest.raises(ValidationFailed, match="Invalid business calendar"):
        calendar_from({"timezone": "Mars/Olympus"})
    with pytest.raises(ValidationFailed, match="Closing time must be after opening time"):
        calendar_from({"opens": "17:00", "closes": "09:00"})
