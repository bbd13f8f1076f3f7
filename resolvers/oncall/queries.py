"""On-call queries: schedules, who is on call, my shifts, policies, my rules, an incident's escalation."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from domain import clock
from domain.errors import DomainError
from domain.oncall import rotation
from domain.oncall.service import load_rotation, shifts_of
from domain.paging import queries
from resolvers.errors import PublicError
from resolvers.ids import parse_id
from resolvers.oncall.types import (
    EscalationPolicy,
    IncidentEscalation,
    NotificationRule,
    OnCallPerson,
    OnCallSchedule,
    OnCallShift,
)


def my_user_id(info: strawberry.Info) -> uuid.UUID:
    """The signed-in person (API keys have no on-call life)."""
    user_id = info.context.actor.user_id
    if user_id is None:
        raise PublicError("Only a signed-in person has notification rules and shifts.", code="FORBIDDEN")
    return user_id


async def resolve_schedules(info: strawberry.Info) -> list[OnCallSchedule]:
    """The tenant's schedules, each with who is on call now."""
    now = clock.now()
    async with info.context.transaction() as tx:
        schedules = await queries.list_schedules(tx)
        current = {s.id: rotation.on_call_at(await load_rotation(tx, s, since=now), now) for s in schedules}
        people = {uuid.UUID(p) for s in schedules for layer in s.layers for p in layer["participants"]}
        emails = await queries.emails(tx, people | {uuid.UUID(u) for u in current.values() if u})
    return [OnCallSchedule.of(s, current[s.id], emails) for s in schedules]


async def resolve_schedule_shifts(info: strawberry.Info, schedule_id: strawberry.ID, since: datetime,
                                  until: datetime) -> list[OnCallShift]:
    """A schedule's shifts between ``since`` and ``until`` (up to 93 days): its calendar."""
    async with info.context.transaction() as tx:
        try:
            shifts = await shifts_of(tx, schedule_id=parse_id(schedule_id, field="scheduleId"), start=since, end=until)
        except DomainError as bad:
            raise PublicError(bad.message, code=bad.code) from None
        schedule = next(s for s in await queries.list_schedules(tx) if str(s.id) == str(schedule_id))
        emails = await queries.emails(tx, {uuid.UUID(s.user) for s in shifts})
    return [OnCallShift.of(schedule, s, emails) for s in shifts]


async def resolve_who_is_on_call(info: strawberry.Info, service: str) -> list[OnCallPerson]:
    """Whom a new incident of ``service`` would page first, now."""
    async with info.context.transaction() as tx:
        people = await queries.who_is_on_call(tx, service=service)
        emails = await queries.emails(tx, set(people))
    return [OnCallPerson.of(p, emails) for p in people]


async def resolve_my_shifts(info: strawberry.Info, count: int = 5) -> list[OnCallShift]:
    """My next on-call shifts over every schedule (the current one first)."""
    me = my_user_id(info)
    async with info.context.transaction() as tx:
        found = await queries.my_shifts(tx, user_id=me, count=max(1, min(count, 50)))
        emails = await queries.emails(tx, {me})
    return [OnCallShift.of(schedule, shift, emails) for schedule, shift in found]


async def resolve_policies(info: strawberry.Info) -> list[EscalationPolicy]:
    """The tenant's escalation policies, with the services that use each."""
    async with info.context.transaction() as tx:
        return [EscalationPolicy.of(p, services) for p, services in await queries.list_policies(tx)]


async def resolve_my_rules(info: strawberry.Info) -> list[NotificationRule]:
    """How I am paged."""
    async with info.context.transaction() as tx:
        return [NotificationRule.of(r) for r in await queries.notification_rules(tx, user_id=my_user_id(info))]


async def resolve_incident_escalation(info: strawberry.Info, incident_id: strawberry.ID) -> IncidentEscalation | None:
    """Where an incident's escalation stands, with every page and its delivery (null: no policy applies)."""
    async with info.context.transaction() as tx:
        status = await queries.escalation_status(tx, incident_id=parse_id(incident_id, field="incidentId"))
        if status is None:
            return None
        emails = await queries.emails(tx, {p.user_id for p in status.pages})
    return IncidentEscalation.of(status, emails)
