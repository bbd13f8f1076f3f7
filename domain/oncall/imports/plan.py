"""What an export of another on-call tool says, in our terms: the neutral plan the importers build.

Each vendor module reads its product's REST API responses into a :class:`Plan`; ``apply.py`` turns a
plan into schedules, overrides, escalation policies and service policies. Whatever cannot be mapped is
an :class:`Unmapped` entry naming the field and why, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.errors import ValidationFailed

SOURCES = ("pagerduty", "opsgenie", "grafana-oncall")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Unmapped:
    """A field of the export that has no counterpart here (``path`` names it) and what that means."""

    path: str
    reason: str


@dataclass(frozen=True)
class ExtUser:
    external_id: str
    email: str
    name: str


@dataclass(frozen=True)
class ExtWindow:
    """On ``days`` (0 = Monday), local minutes ``[start, end)`` of the day (end <= 1440)."""

    days: tuple[int, ...]
    start: int
    end: int


@dataclass(frozen=True)
class ExtLayer:
    external_id: str
    start: datetime  # naive local wall-clock time of the first handoff
    length: timedelta
    participants: tuple[str, ...]  # external user ids
    restrictions: tuple[ExtWindow, ...] = ()


@dataclass(frozen=True)
class ExtOverride:
    external_id: str
    user: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ExtSchedule:
    external_id: str
    name: str
    time_zone: str
    layers: tuple[ExtLayer, ...]  # lowest precedence first
    overrides: tuple[ExtOverride, ...] = ()


@dataclass(frozen=True)
class ExtLevel:
    timeout_seconds: int
    targets: tuple[tuple[str, str], ...]  # ("user" | "schedule", external id)


@dataclass(frozen=True)
class ExtPolicy:
    external_id: str
    name: str
    repeat: int
    levels: tuple[ExtLevel, ...]


@dataclass(frozen=True)
class ExtService:
    external_id: str
    name: str
    policy: str | None  # external policy id


@dataclass
class Plan:
    source: str
    users: list[ExtUser] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    schedules: list[ExtSchedule] = field(default_factory=list)
    policies: list[ExtPolicy] = field(default_factory=list)
    services: list[ExtService] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)

    def skip(self, path: str, reason: str) -> None:
        self.unmapped.append(Unmapped(path, reason))


def items(document: dict[str, Any], key: str, *envelopes: str) -> list[dict[str, Any]]:
    """The list under ``key``: a bare list, or a response body with it under one of ``envelopes``."""
    raw = document.get(key)
    if raw is None:
        return []
    if isinstance(raw, dict):
        for envelope in envelopes:
            if isinstance(raw.get(envelope), list):
                raw = raw[envelope]
                break
    if not isinstance(raw, list) or not all(isinstance(row, dict) for row in raw):
        raise ValidationFailed(f"{key!r} is not a list of objects (nor a response body holding one).", field="document")
    return raw


def text(row: dict[str, Any], key: str, where: str) -> str:
    """A required string field; a typed error naming it when missing."""
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise ValidationFailed(f"{where}: {key!r} is missing or not a string.", field="document")
    return value


def instant(value: Any, where: str) -> datetime:
    """An ISO-8601 instant with an offset."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(f"{where}: {value!r} is not an ISO-8601 date-time.", field="document") from None
    if parsed.tzinfo is None:
        raise ValidationFailed(f"{where}: {value!r} has no UTC offset.", field="document")
    return parsed


def span_windows(days: tuple[int, ...] | range, start: int, length: int) -> list[ExtWindow]:
    """Windows for a span of ``length`` minutes from local minute ``start`` on each of ``days``, split at
    midnights (a span may reach into the following days)."""
    windows: list[ExtWindow] = []
    for day in days:
        offset, left = start, length
        day_index = day
        while left > 0:
            end = min(1440, offset + left)
            windows.append(ExtWindow((day_index % 7,), offset, end))
            left -= end - offset
            offset, day_index = 0, day_index + 1
    return merge_windows(windows)


def merge_windows(windows: list[ExtWindow]) -> list[ExtWindow]:
    """Windows of the same minutes over several days as one window."""
    by_minutes: dict[tuple[int, int], set[int]] = {}
    for window in windows:
        by_minutes.setdefault((window.start, window.end), set()).update(window.days)
    return [ExtWindow(tuple(sorted(days)), start, end) for (start, end), days in sorted(by_minutes.items())]
