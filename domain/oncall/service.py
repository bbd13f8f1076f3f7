"""On-call use cases: schedules (layers validated here), overrides, the feed secret, who is on call."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from domain import clock
from domain.errors import NotFound, ValidationFailed
from domain.incidents.service import check_member
from domain.oncall import rotation
from domain.oncall.models import OnCallOverride, OnCallSchedule, OnCallUserFeed

if TYPE_CHECKING:
    from domain.uow import Transaction

ROTATIONS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
MAX_LAYERS, MAX_PARTICIPANTS = 10, 100
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"Unknown time zone {name!r}; use an IANA name such as Europe/London.",
                               field="timeZone") from None
    return name


def _minute(value: str, field: str) -> int:
    match = _CLOCK.match(value or "")
    if not match or int(match[1]) * 60 + int(match[2]) > 1440:
        raise ValidationFailed("Times of day are HH:MM, from 00:00 to 24:00.", field=field)
    return int(match[1]) * 60 + int(match[2])


def _restriction(raw: dict[str, Any]) -> dict[str, Any]:
    days = sorted({int(d) for d in raw.get("days", ())})
    if not days or not all(0 <= d <= 6 for d in days):
        raise ValidationFailed("A restriction names days 0 (Monday) to 6 (Sunday).", field="layers")
    start, end = _minute(raw.get("start", ""), "layers"), _minute(raw.get("end", ""), "layers")
    if end <= start:
        raise ValidationFailed("A restriction ends after it starts (split one over midnight in two).",
                               field="layers")
    return {"days": days, "start": raw["start"], "end": raw["end"]}


def _layer(raw: dict[str, Any]) -> dict[str, Any]:
    kind = raw.get("rotation")
    if kind not in (*ROTATIONS, "custom"):
        raise ValidationFailed("A layer rotates daily, weekly or custom.", field="layers")
    hours = float(raw.get("length_hours") or 0)
    if kind == "custom" and not 1 <= hours <= 24 * 28:
        raise ValidationFailed("A custom rotation lasts 1 to 672 hours.", field="layers")
    try:
        start = datetime.fromisoformat(str(raw.get("start"))).replace(tzinfo=None, second=0, microsecond=0)
    except ValueError:
        raise ValidationFailed("A layer starts at a local date and time (YYYY-MM-DDTHH:MM).", field="layers") from None
    people = [str(uuid.UUID(str(p))) for p in raw.get("participants", ())]
    if not 1 <= len(people) <= MAX_PARTICIPANTS:
        raise ValidationFailed(f"A layer has 1 to {MAX_PARTICIPANTS} participants.", field="layers")
    return {"rotation": kind, "length_hours": hours if kind == "custom" else None, "start": start.isoformat(),
            "participants": people, "restrictions": [_restriction(r) for r in raw.get("restrictions", ())]}


async def _layers(tx: Transaction, raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not 1 <= len(raw) <= MAX_LAYERS:
        raise ValidationFailed(f"A schedule has 1 to {MAX_LAYERS} layers.", field="layers")
    try:
        layers = [_layer(layer) for layer in raw]
    except (TypeError, ValueError) as bad:
        raise ValidationFailed(f"A layer is malformed: {bad}.", field="layers") from None
    for person in {p for layer in layers for p in layer["participants"]}:
        await check_member(tx, uuid.UUID(person), field_name="layers")
    return layers


async def create_schedule(tx: Transaction, *, name: str, time_zone: str,
                          layers: list[dict[str, Any]]) -> OnCallSchedule:
    """Create a schedule of rotation layers in one time zone."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("A schedule needs a name of 1 to 200 characters.", field="name")
    if await tx.session.scalar(select(OnCallSchedule.id).where(OnCallSchedule.tenant_id == tx.tenant_id,
                                                               OnCallSchedule.name == name)):
        raise ValidationFailed(f"A schedule named {name!r} exists already.", field="name")
    schedule = OnCallSchedule(tenant_id=tx.tenant_id, name=name, time_zone=_zone(time_zone),
                              layers=await _layers(tx, layers), feed_token=secrets.token_urlsafe(32))
    tx.session.add(schedule)
    await tx.session.flush()
    return schedule


async def update_schedule(tx: Transaction, *, schedule_id: uuid.UUID, name: str, time_zone: str,
                          layers: list[dict[str, Any]]) -> OnCallSchedule:
    """Replace a schedule's name, time zone and layers (validated as on creation)."""
    schedule = await get_schedule(tx, schedule_id)
    name = (name or "").strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("A schedule needs a name of 1 to 200 characters.", field="name")
    if await tx.session.scalar(select(OnCallSchedule.id).where(
            OnCallSchedule.tenant_id == tx.tenant_id, OnCallSchedule.name == name, OnCallSchedule.id != schedule_id)):
        raise ValidationFailed(f"A schedule named {name!r} exists already.", field="name")
    schedule.name, schedule.time_zone, schedule.layers = name, _zone(time_zone), await _layers(tx, layers)
    await tx.session.flush()
    return schedule


async def get_schedule(tx: Transaction, schedule_id: uuid.UUID, *, field: str = "scheduleId") -> OnCallSchedule:
    """The schedule, or NotFound."""
    schedule = await tx.session.scalar(select(OnCallSchedule).where(
        OnCallSchedule.tenant_id == tx.tenant_id, OnCallSchedule.id == schedule_id))
    if schedule is None:
        raise NotFound("No such schedule.", field=field)
    return schedule


async def add_override(tx: Transaction, *, schedule_id: uuid.UUID, user_id: uuid.UUID, starts_at: datetime,
                       ends_at: datetime) -> OnCallOverride:
    """Let ``user_id`` cover the schedule from ``starts_at`` to ``ends_at``."""
    await get_schedule(tx, schedule_id)
    await check_member(tx, user_id, field_name="userId")
    if starts_at.tzinfo is None or ends_at.tzinfo is None or ends_at <= starts_at:
        raise ValidationFailed("An override ends after it starts (times with a zone).", field="endsAt")
    override = OnCallOverride(tenant_id=tx.tenant_id, schedule_id=schedule_id, user_id=user_id,
                              starts_at=starts_at, ends_at=ends_at)
    tx.session.add(override)
    await tx.session.flush()
    return override


async def rotate_feed_token(tx: Transaction, *, schedule_id: uuid.UUID) -> OnCallSchedule:
    """Give the schedule's calendar feed a new secret URL; the old one stops working."""
    schedule = await get_schedule(tx, schedule_id)
    schedule.feed_token = secrets.token_urlsafe(32)
    return schedule


def to_rotation(schedule: OnCallSchedule, overrides: list[OnCallOverride]) -> rotation.Schedule:
    """The stored schedule as schedule arithmetic (domain/oncall/rotation.py) takes it."""
    layers = tuple(rotation.Layer(
        start=datetime.fromisoformat(layer["start"]),
        length=ROTATIONS.get(layer["rotation"]) or timedelta(hours=layer["length_hours"]),
        participants=tuple(layer["participants"]),
        restrictions=tuple(rotation.Window(frozenset(r["days"]), _minute(r["start"], "layers"),
                                           _minute(r["end"], "layers")) for r in layer["restrictions"]),
    ) for layer in schedule.layers)
    covers = tuple(rotation.Override(str(o.user_id), o.starts_at, o.ends_at)
                   for o in sorted(overrides, key=lambda o: o.created_at or clock.now()))
    return rotation.Schedule(time_zone=schedule.time_zone, layers=layers, overrides=covers)


async def load_rotation(tx: Transaction, schedule: OnCallSchedule, *, since: datetime) -> rotation.Schedule:
    """The schedule with its overrides still running at or after ``since``."""
    overrides = list(await tx.session.scalars(select(OnCallOverride).where(
        OnCallOverride.tenant_id == tx.tenant_id, OnCallOverride.schedule_id == schedule.id,
        OnCallOverride.ends_at > since)))
    return to_rotation(schedule, overrides)


async def on_call_now(tx: Transaction, *, schedule_id: uuid.UUID, at: datetime | None = None) -> uuid.UUID | None:
    """Who is on call on the schedule at ``at`` (default: now)."""
    at = at or clock.now()
    schedule = await get_schedule(tx, schedule_id)
    user = rotation.on_call_at(await load_rotation(tx, schedule, since=at), at)
    return uuid.UUID(user) if user else None


async def shifts_of(tx: Transaction, *, schedule_id: uuid.UUID, start: datetime, end: datetime) -> list[rotation.Shift]:
    """The schedule's shifts between ``start`` and ``end`` (at most 93 days)."""
    if end <= start or end - start > timedelta(days=93):
        raise ValidationFailed("Ask for a period of up to 93 days.", field="until")
    schedule = await get_schedule(tx, schedule_id)
    return rotation.shifts(await load_rotation(tx, schedule, since=start), start, end)


async def rotate_user_feed(tx: Transaction, *, user_id: uuid.UUID) -> str:
    """A new secret for the person's own calendar feed (the old URL stops working); returns it."""
    feed = await tx.session.get(OnCallUserFeed, (tx.tenant_id, user_id))
    if feed is None:
        feed = OnCallUserFeed(tenant_id=tx.tenant_id, user_id=user_id)
        tx.session.add(feed)
    feed.token = secrets.token_urlsafe(32)
    await tx.session.flush()
    return feed.token
