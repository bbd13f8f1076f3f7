"""GraphQL types for SLA policies, timers, breaches and compliance."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.sla.compliance import Compliance
from domain.sla.models import SlaPolicy as PolicyModel
from domain.sla.models import SlaTimer as TimerModel


@strawberry.type(description="When business time counts: opening hours on working days in a time zone, minus "
                             "the public holidays of a country.")
class BusinessCalendar:
    timezone: str
    days: list[int] = strawberry.field(description="Weekdays, 0 = Monday.")
    opens: str
    closes: str | None = strawberry.field(description="null: until midnight.")
    country: str | None
    subdivision: str | None


@strawberry.type(description="Response and resolution targets for the incidents it matches.")
class SlaPolicy:
    id: strawberry.ID
    name: str
    priorities: list[str]
    services: list[str]
    response_minutes: int | None
    resolution_minutes: int | None
    pause_when: list[str]
    warn_percent: int
    calendar: BusinessCalendar
    created_at: datetime

    @classmethod
    def from_model(cls, p: PolicyModel) -> SlaPolicy:
        raw = p.calendar or {}
        return cls(id=strawberry.ID(str(p.id)), name=p.name, priorities=list(p.priorities), services=list(p.services),
                   response_minutes=p.response_minutes, resolution_minutes=p.resolution_minutes,
                   pause_when=list(p.pause_statuses), warn_percent=p.warn_percent, created_at=p.created_at,
                   calendar=BusinessCalendar(timezone=raw.get("timezone") or "UTC",
                                             days=list(raw.get("days", range(7))), opens=raw.get("opens") or "00:00",
                                             closes=raw.get("closes"), country=raw.get("country"),
                                             subdivision=raw.get("subdivision")))


@strawberry.type(description="One target on one incident.")
class SlaTimer:
    id: strawberry.ID
    policy: str
    incident_id: strawberry.ID
    metric: str = strawberry.field(description="`response` or `resolution`.")
    target_minutes: int
    elapsed_seconds: int = strawberry.field(description="Business time used, up to the last tick or pause.")
    running: bool
    due_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None
    stopped_at: datetime | None

    @classmethod
    def from_model(cls, t: TimerModel, policy: str) -> SlaTimer:
        return cls(id=strawberry.ID(str(t.id)), policy=policy, incident_id=strawberry.ID(str(t.record_id)),
                   metric=t.metric, target_minutes=t.target_seconds // 60, elapsed_seconds=t.elapsed_seconds,
                   running=t.running_since is not None, due_at=t.due_at, warned_at=t.warned_at,
                   breached_at=t.breached_at, stopped_at=t.stopped_at)


@strawberry.type(description="A breached target and the incident it belongs to.")
class SlaBreach:
    timer: SlaTimer
    incident_reference: str
    incident_title: str
    priority: str


@strawberry.type(description="Targets decided in the period for one policy, metric, priority and service.")
class SlaCompliance:
    policy: str
    metric: str
    priority: str
    service: str | None
    total: int
    met: int
    percent: float

    @classmethod
    def from_domain(cls, c: Compliance) -> SlaCompliance:
        return cls(policy=c.policy, metric=c.metric, priority=c.priority, service=c.service, total=c.total,
                   met=c.met, percent=c.percent)
