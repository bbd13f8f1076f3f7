"""A person's own settings: the time zone the console shows times in, and its colour theme."""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.errors import NotFound, ValidationFailed
from domain.members.models import User

if TYPE_CHECKING:
    from domain.uow import Transaction

THEMES = ("system", "light", "dark")
DEFAULT_TIME_ZONE = "UTC"


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone name this machine knows, sorted (``UTC`` among them)."""
    return tuple(sorted(_known_zones()))


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() | {DEFAULT_TIME_ZONE})


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The zone called ``name``; UTC for none or a name this machine does not know."""
    if name and name in _known_zones():
        return zoneinfo.ZoneInfo(name)
    return zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)


@dataclass(frozen=True)
class UserSettings:
    time_zone: str
    theme: str


def _checked_time_zone(value: str) -> str:
    name = value.strip()
    if name not in _known_zones():
        raise ValidationFailed(f"Unknown time zone {name[:64]!r}: use an IANA name such as Europe/Berlin or "
                               "America/New_York.", field="timeZone")
    return name


def _checked_theme(value: str) -> str:
    theme = value.strip().lower()
    if theme not in THEMES:
        raise ValidationFailed(f"Unknown theme {value[:20]!r}: choose system, light or dark.", field="theme")
    return theme


async def update_user_settings(
    tx: Transaction, *, user_id: uuid.UUID, time_zone: str | None = None, theme: str | None = None
) -> UserSettings:
    """Change the user's own time zone and/or theme (None leaves one as it is)."""
    checked_zone = _checked_time_zone(time_zone) if time_zone is not None else None
    checked_theme = _checked_theme(theme) if theme is not None else None
    user = await tx.session.get(User, user_id)
    if user is None:
        raise NotFound("This user no longer exists.")
    if checked_zone is not None:
        user.time_zone = checked_zone
    if checked_theme is not None:
        user.theme = checked_theme
    await tx.session.flush()
    return UserSettings(time_zone=user.time_zone, theme=user.theme)
