"""Maintenance windows: one-off or recurring (RFC 5545 RRULE), matching alerts by service or a CEL
condition over ``alert`` (``alert.rule``, ``alert.severity``, ``alert.service``, ``alert.labels.<k>``)."""

from __future__ import annotations

import functools
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from dateutil.rrule import rrule, rrulestr
from sqlalchemy import or_, select

from domain import clock
from domain.alerting.cel import compile_condition
from domain.alerting.models import Silence
from domain.audit import service as audit
from domain.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from domain.alerting.ruleset import CompiledRule
    from domain.uow import Transaction

log = logging.getLogger("atlas.alerting")


@dataclass
class SilenceDefinition:
    name: str
    starts_at: datetime
    ends_at: datetime | None = None
    recurrence: str | None = None
    duration_minutes: int | None = None
    matcher: str = ""
    service: str | None = None
    reason: str = ""


def check_silence(definition: SilenceDefinition) -> SilenceDefinition:
    """Raise ValidationFailed unless the window and its matcher make sense."""
    if not 1 <= len(definition.name.strip()) <= 200:
        raise ValidationFailed("Name must be 1-200 characters.", field="name")
    if definition.recurrence:
        recurrence_rule(definition.recurrence, definition.starts_at)
        if definition.starts_at < clock.now() - MAX_ANCHOR_AGE:
            raise ValidationFailed("startsAt of a recurring window must be within the last year: it anchors the "
                                   "recurrence.", field="startsAt")
        if not definition.duration_minutes or not 1 <= definition.duration_minutes <= 7 * 24 * 60:
            raise ValidationFailed("A recurring window needs durationMinutes (1 to 10080).", field="durationMinutes")
    elif definition.ends_at is None or definition.ends_at <= definition.starts_at:
        raise ValidationFailed("endsAt must be after startsAt.", field="endsAt")
    if definition.matcher.strip():
        try:
            compile_condition(definition.matcher, root="alert")
        except ValidationFailed as bad:
            raise ValidationFailed(bad.message, field="matcher") from None
    elif not definition.service:
        raise ValidationFailed("Give a service or a matcher: a window must say what it silences.", field="matcher")
    return definition


async def create_silence(tx: Transaction, *, definition: SilenceDefinition, actor: str) -> Silence:
    definition = check_silence(definition)
    silence = Silence(tenant_id=tx.tenant_id, created_by=actor, **definition.__dict__)
    tx.session.add(silence)
    await tx.session.flush()
    await audit.record(tx, actor=actor, action="silence.created", target_type="silence", target_id=str(silence.id))
    return silence


async def delete_silence(tx: Transaction, *, silence_id: uuid.UUID, actor: str) -> None:
    silence = await tx.session.scalar(select(Silence).where(Silence.tenant_id == tx.tenant_id,
                                                            Silence.id == silence_id))
    if silence is None:
        raise NotFound("No such maintenance window.", field="id")
    await tx.session.delete(silence)
    await audit.record(tx, actor=actor, action="silence.deleted", target_type="silence", target_id=str(silence_id))


RECURRING_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_ANCHOR_AGE = timedelta(days=366)
PROBE_YEAR = 9988  # a leap year, twelve years before dateutil's search ends
_RULE_PART = re.compile(r"[A-Z]+=[A-Z0-9,+-]+")
_NUMBER_RANGES = {"INTERVAL": (1, 1000), "COUNT": (1, 100_000), "BYWEEKNO": (1, 53), "BYYEARDAY": (1, 366),
                  "BYMONTHDAY": (1, 31), "BYMONTH": (1, 12), "BYHOUR": (0, 23), "BYMINUTE": (0, 59),
                  "BYSECOND": (0, 59), "BYSETPOS": (1, 366)}


def _check_parts(text: str) -> None:
    """One RRULE line of bounded parts (no DTSTART: startsAt anchors it); at most one occurrence a day."""
    body = text.removeprefix("RRULE:")
    parts = body.split(";")
    if not all(_RULE_PART.fullmatch(part) for part in parts):
        raise ValueError("write one RRULE line such as FREQ=WEEKLY;BYDAY=SU")
    values = dict(part.split("=", 1) for part in parts)
    if values.get("FREQ") not in RECURRING_FREQUENCIES:
        raise ValueError(f"FREQ must be one of {', '.join(RECURRING_FREQUENCIES)}")
    for key, (low, high) in _NUMBER_RANGES.items():
        for number in filter(None, values.get(key, "").split(",")):
            if not number.lstrip("+-").isdigit() or not low <= abs(int(number)) <= high:
                raise ValueError(f"{key} values must be whole numbers from {low} to {high}")


@functools.lru_cache(maxsize=1024)
def recurrence_rule(text: str, starts_at: datetime) -> rrule:
    """The checked rule of a recurring window (cached with its occurrences, so checks stay cheap)."""
    try:
        _check_parts(text.strip().upper())
        rule = rrulestr(text, dtstart=starts_at, cache=True)
    except (ValueError, TypeError) as bad:
        raise ValidationFailed(f"recurrence is not a valid RRULE: {bad}", field="recurrence") from None
    if not _ever_occurs(rule, starts_at):
        raise ValidationFailed("recurrence never occurs (check BYMONTH, BYMONTHDAY and the other parts).",
                               field="recurrence")
    return rule


def _ever_occurs(rule: rrule, starts_at: datetime) -> bool:
    """Whether the rule has occurrences at all, found in bounded time.

    dateutil searches up to year 9999 for a rule whose parts never match (FREQ=DAILY;BYMONTH=2;
    BYMONTHDAY=30 takes seconds), so probe the same rule anchored in the last years it can reach:
    about 4,000 days at most. The calendar repeats well within those twelve years.
    """
    probe = rule.replace(dtstart=starts_at.replace(year=PROBE_YEAR), until=None, count=None)
    return next(iter(probe), None) is not None


@functools.lru_cache(maxsize=1024)
def _stored_rule(text: str, starts_at: datetime) -> rrule | None:
    """A stored window's rule, or None (once, logged) when it fails today's checks."""
    try:
        return recurrence_rule(text, starts_at)
    except ValidationFailed:
        log.warning("a maintenance window has an unusable recurrence %r; it silences nothing", text)
        return None


def is_active(silence: Silence, at: datetime) -> bool:
    """True if ``at`` falls in the window (or in an occurrence of a recurring one)."""
    if not silence.recurrence:
        return silence.starts_at <= at < (silence.ends_at or at)
    if silence.ends_at is not None and at >= silence.ends_at:
        return False
    length = timedelta(minutes=silence.duration_minutes or 0)
    rule = _stored_rule(silence.recurrence, silence.starts_at)
    if rule is None:  # saved before the rules were this strict: it silences nothing
        return False
    began = rule.before(at, inc=True)
    return began is not None and at < began + length


def matches(silence: Silence, alert: dict[str, Any]) -> bool:
    if silence.service and alert.get("service") != silence.service:
        return False
    return not silence.matcher.strip() or compile_condition(silence.matcher, root="alert").matches(alert)


async def active_silence(tx: Transaction, *, rule: CompiledRule, labels: dict[str, Any],
                         at: datetime) -> uuid.UUID | None:
    """The first window silencing this rule's alert for ``labels`` at ``at``, if any."""
    candidates = await tx.session.scalars(select(Silence).where(
        Silence.tenant_id == tx.tenant_id, Silence.starts_at <= at,
        or_(Silence.ends_at.is_(None), Silence.ends_at > at)))
    alert = {"rule": rule.name, "severity": rule.severity, "labels": labels,
             "service": labels.get("service") or rule.service}
    for silence in candidates:
        if is_active(silence, at) and matches(silence, alert):
            return silence.id
    return None
