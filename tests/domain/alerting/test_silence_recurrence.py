"""Recurring maintenance windows: checked when saved, and harmless if an unusable one is stored."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.alerting.models import Silence
from domain.alerting.silences import is_active

NOW = datetime.now(UTC).replace(microsecond=0)


def _window(recurrence: str, starts_at: datetime = NOW - timedelta(days=3)) -> Silence:
    return Silence(id=uuid.uuid4(), tenant_id=uuid.uuid4(), name="w", starts_at=starts_at, ends_at=None,
                   recurrence=recurrence, duration_minutes=60, matcher="", service="db", reason="", created_by="t")


def test_a_daily_window_is_active_for_its_duration_after_each_start():
    window = _window("FREQ=DAILY", starts_at=NOW - timedelta(days=3, minutes=30))

    assert is_active(window, NOW)
    assert not is_active(window, NOW + timedelta(minutes=31))


@pytest.mark.timeout(30)  # unchecked, these rules run for seconds, hours (SECONDLY) or forever (INTERVAL=0)
def test_windows_stored_with_a_recurrence_that_would_never_end_silence_nothing():
    for recurrence in ("FREQ=DAILY;INTERVAL=0", "FREQ=SECONDLY", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"):
        assert not is_active(_window(recurrence), NOW)
