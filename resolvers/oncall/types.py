"""GraphQL types of on-call schedules, escalation policies, notification rules and escalations."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from domain.oncall.models import OnCallSchedule as ScheduleModel
from domain.oncall.rotation import Shift
from domain.paging.models import EscalationPolicy as PolicyModel
from domain.paging.models import NotificationRule as RuleModel
from domain.paging.models import Page as PageModel
from domain.paging.queries import EscalationStatus


@strawberry.type(description="A person on call (or paged).")
class OnCallPerson:
    user_id: strawberry.ID
    email: str

    @classmethod
    def of(cls, user_id: uuid.UUID | str, emails: dict) -> OnCallPerson:
        return cls(user_id=strawberry.ID(str(user_id)), email=emails.get(uuid.UUID(str(user_id)), ""))


@strawberry.type(description="Local times a layer may page: days 0 (Monday) to 6, from start to end (HH:MM).")
class Restriction:
    days: list[int]
    start: str
    end: str


@strawberry.type(description="A rotation: participants in order, handing off in the schedule's time zone.")
class Layer:
    rotation: str = strawberry.field(description="daily, weekly or custom (lengthHours).")
    length_hours: float | None
    start: str = strawberry.field(description="The first handoff, local date and time (YYYY-MM-DDTHH:MM).")
    participants: list[OnCallPerson]
    restrictions: list[Restriction]


@strawberry.type
class OnCallShift:
    schedule_id: strawberry.ID
    schedule_name: str
    person: OnCallPerson
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, schedule: ScheduleModel, shift: Shift, emails: dict) -> OnCallShift:
        return cls(schedule_id=strawberry.ID(str(schedule.id)), schedule_name=schedule.name,
                   person=OnCallPerson.of(shift.user, emails), starts_at=shift.starts_at, ends_at=shift.ends_at)


@strawberry.type(description="A rotation of people in one time zone, with layers and overrides.")
class OnCallSchedule:
    id: strawberry.ID
    name: str
    time_zone: str
    layers: list[Layer]
    on_call_now: OnCallPerson | None
    feed_path: str = strawberry.field(description="The secret path of its iCalendar feed (add ?user=<id> for one "
                                                  "person's shifts); rotateScheduleFeed revokes it.")

    @classmethod
    def of(cls, schedule: ScheduleModel, now: str | None, emails: dict) -> OnCallSchedule:
        layers = [Layer(rotation=layer["rotation"], length_hours=layer["length_hours"], start=layer["start"][:16],
                        participants=[OnCallPerson.of(p, emails) for p in layer["participants"]],
                        restrictions=[Restriction(**r) for r in layer["restrictions"]]) for layer in schedule.layers]
        return cls(id=strawberry.ID(str(schedule.id)), name=schedule.name, time_zone=schedule.time_zone,
                   layers=layers, on_call_now=OnCallPerson.of(now, emails) if now else None,
                   feed_path=f"/calendar/{schedule.tenant_id}/{schedule.id}/{schedule.feed_token}.ics")


@strawberry.type(description="Who or what a level pages: a user, or whoever is on call on a schedule.")
class EscalationTarget:
    kind: str
    id: strawberry.ID


@strawberry.type
class EscalationLevel:
    timeout_seconds: int
    targets: list[EscalationTarget]


@strawberry.type(description="Ordered levels, repeated while nobody acknowledges.")
class EscalationPolicy:
    id: strawberry.ID
    name: str
    repeat: int
    levels: list[EscalationLevel]
    services: list[str]

    @classmethod
    def of(cls, policy: PolicyModel, services: list[str]) -> EscalationPolicy:
        levels = [EscalationLevel(timeout_seconds=level["timeout_seconds"], targets=[
            EscalationTarget(kind=t["kind"], id=strawberry.ID(t["id"])) for t in level["targets"]])
            for level in policy.levels]
        return cls(id=strawberry.ID(str(policy.id)), name=policy.name, repeat=policy.repeat, levels=levels,
                   services=services)


@strawberry.type(description="How a person is paged: a channel, an address and a delay, per urgency.")
class NotificationRule:
    id: strawberry.ID
    urgency: str
    channel: str
    address: str
    delay_seconds: int

    @classmethod
    def of(cls, rule: RuleModel) -> NotificationRule:
        return cls(id=strawberry.ID(str(rule.id)), urgency=rule.urgency, channel=rule.channel, address=rule.address,
                   delay_seconds=rule.delay_seconds)


@strawberry.type(description="One notification and how its delivery went.")
class PageDelivery:
    id: strawberry.ID
    person: OnCallPerson
    level: int
    round: int
    channel: str
    status: str
    attempts: int
    provider_answer: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, page: PageModel, emails: dict) -> PageDelivery:
        return cls(id=strawberry.ID(str(page.id)), person=OnCallPerson.of(page.user_id, emails), level=page.level,
                   round=page.round, channel=page.channel, status=page.status, attempts=page.attempts,
                   provider_answer=page.provider_answer, created_at=page.created_at, sent_at=page.sent_at)


@strawberry.type(description="Where an incident's escalation stands, with its delivery log.")
class IncidentEscalation:
    policy_name: str
    status: str
    level: int
    round: int
    next_step_at: datetime | None
    pages: list[PageDelivery]

    @classmethod
    def of(cls, status: EscalationStatus, emails: dict) -> IncidentEscalation:
        row = status.escalation
        return cls(policy_name=status.policy.name, status=row.status, level=row.level, round=row.round,
                   next_step_at=row.next_step_at, pages=[PageDelivery.of(p, emails) for p in status.pages])


@strawberry.type(description="You were paged for an incident.")
class Paged:
    incident_id: strawberry.ID
    reference: str
    title: str
    severity: str
    level: int
    round: int


@strawberry.type(description="Objects of one kind an import created or updated, by name.")
class ImportedObjects:
    kind: str
    names: list[str]


@strawberry.type(description="A field of the export with no counterpart here, and what that means.")
class UnmappedField:
    path: str
    reason: str


@strawberry.type(description="An invitation the import sent; its token is shown once.")
class ImportInvitation:
    email: str
    token: str


@strawberry.type(description="What an import did (or, in a dry run, would do).")
class OnCallImported:
    source: str
    dry_run: bool
    created: list[ImportedObjects]
    updated: list[ImportedObjects]
    matched_users: list[str]
    invited: list[str]
    invitations: list[ImportInvitation]
    unmapped: list[UnmappedField]

    @classmethod
    def of(cls, report) -> OnCallImported:
        return cls(source=report.source, dry_run=report.dry_run,
                   created=[ImportedObjects(kind=k, names=v) for k, v in report.created.items()],
                   updated=[ImportedObjects(kind=k, names=v) for k, v in report.updated.items()],
                   matched_users=report.matched_users, invited=report.invited,
                   invitations=[ImportInvitation(email=e, token=t) for e, t in report.invitation_tokens.items()],
                   unmapped=[UnmappedField(path=u.path, reason=u.reason) for u in report.unmapped])
