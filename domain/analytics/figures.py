"""Operations analytics of one tenant over a period: incidents (MTTA, MTTR, volume), SLA compliance,
change success, alert noise and AI usage. Each section is computed only for a caller who may see its
source (the same permission and plan feature as the source's own queries); others get None."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, literal, or_, select

from domain.ai.models import AiCall
from domain.ai.queries import usage
from domain.alerting.models import Alert, AlertRule
from domain.changes.lifecycle import FAILED_STATES
from domain.changes.models import ChangeRequest
from domain.errors import ValidationFailed
from domain.incidents.models import Incident
from domain.sla.models import SlaPolicy, SlaTimer
from domain.uow import Transaction

BUCKETS = ("day", "week", "month")
MAX_SPAN = timedelta(days=400)
FLAPPING_AT = 3  # alerts of one rule and group re-opened this often in the period: the rule flaps


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime
    bucket: str = "day"

    def check(self) -> Period:
        if self.bucket not in BUCKETS:
            raise ValidationFailed(f"bucket must be one of {', '.join(BUCKETS)}.", field="bucket")
        if self.until <= self.since or self.until - self.since > MAX_SPAN:
            raise ValidationFailed("The period must end after it starts and span at most 400 days.", field="until")
        return self


@dataclass(frozen=True)
class Count:
    key: str
    count: int


@dataclass(frozen=True)
class IncidentFigures:
    total: int
    acknowledged: int
    resolved: int
    mtta_seconds: float | None
    mttr_seconds: float | None
    by_severity: list[Count]
    by_service: list[Count]
    by_period: list[Count]


@dataclass(frozen=True)
class SlaFigures:
    total: int
    met: int
    by_policy: list[tuple[str, str, int, int]]  # policy, metric, total, met

    @property
    def percent(self) -> float:
        return round(100.0 * self.met / self.total, 1) if self.total else 100.0


@dataclass(frozen=True)
class ChangeFigures:
    finished: int
    succeeded: int
    failed: int

    @property
    def success_rate(self) -> float | None:
        return round(self.succeeded / self.finished, 4) if self.finished else None


@dataclass(frozen=True)
class NoiseFigures:
    alerts: int
    with_incident: int
    incidents: int
    silenced: int
    flapping_rules: list[Count]

    @property
    def alerts_per_incident(self) -> float | None:
        return round(self.with_incident / self.incidents, 2) if self.incidents else None

    @property
    def silenced_share(self) -> float | None:
        return round(self.silenced / self.alerts, 4) if self.alerts else None


@dataclass(frozen=True)
class AiFigures:
    calls: int
    failed: int
    credits: int
    input_tokens: int
    output_tokens: int
    balance: int
    by_task: list[Count] = field(default_factory=list)


@dataclass(frozen=True)
class Analytics:
    period: Period
    incidents: IncidentFigures
    sla: SlaFigures | None
    changes: ChangeFigures | None
    noise: NoiseFigures | None
    ai: AiFigures | None


def _may(permissions: frozenset[str], features: frozenset[str], permission: str, feature: str) -> bool:
    return permission in permissions and feature in features


async def analytics(tx: Transaction, *, period: Period, permissions: frozenset[str],
                    features: frozenset[str]) -> Analytics:
    """Every section the caller may see, for ``period``."""
    period = period.check()
    return Analytics(
        period=period, incidents=await incident_figures(tx, period),
        sla=await sla_figures(tx, period) if _may(permissions, features, "catalog.read", "sla") else None,
        changes=await change_figures(tx, period) if _may(permissions, features, "change.read", "changes") else None,
        noise=await noise_figures(tx, period) if _may(permissions, features, "alert.read", "alerting") else None,
        ai=await ai_figures(tx, period) if _may(permissions, features, "ai.use", "ai") else None)


def _in(column, period: Period):
    return (column >= period.since) & (column < period.until)


def _seconds(later, earlier):
    return func.avg(func.extract("epoch", later - earlier))


async def incident_figures(tx: Transaction, period: Period) -> IncidentFigures:
    """MTTA and MTTR (mean seconds from creation), and volume by severity, service and bucket."""
    scope = (Incident.tenant_id == tx.tenant_id, _in(Incident.created_at, period), Incident.merged_into_id.is_(None))
    row = (await tx.session.execute(select(
        func.count(), func.count(Incident.acknowledged_at), func.count(Incident.resolved_at),
        _seconds(Incident.acknowledged_at, Incident.created_at), _seconds(Incident.resolved_at, Incident.created_at),
    ).where(*scope))).one()
    severity = await tx.session.execute(select(Incident.severity, func.count()).where(*scope)
                                        .group_by(Incident.severity).order_by(Incident.severity))
    service = func.unnest(func.coalesce(func.nullif(Incident.services, literal([], Incident.services.type)),
                                        literal(["(none)"], Incident.services.type))).label("service")
    inner = select(service).where(*scope).subquery()
    services = await tx.session.execute(select(inner.c.service, func.count()).group_by(inner.c.service)
                                        .order_by(func.count().desc(), inner.c.service).limit(20))
    bucket = func.date_trunc(period.bucket, Incident.created_at, "UTC").label("bucket")
    buckets = await tx.session.execute(select(bucket, func.count()).where(*scope).group_by(bucket).order_by(bucket))
    return IncidentFigures(
        total=row[0], acknowledged=row[1], resolved=row[2],
        mtta_seconds=_round(row[3]), mttr_seconds=_round(row[4]),
        by_severity=[Count(k, n) for k, n in severity.all()], by_service=[Count(k, n) for k, n in services.all()],
        by_period=[Count(b.date().isoformat(), n) for b, n in buckets.all()])


def _round(value) -> float | None:
    return None if value is None else round(float(value), 1)


async def sla_figures(tx: Transaction, period: Period) -> SlaFigures:
    """SLA targets decided in the period (stopped, or breached and still running), each counted once."""
    decided = (_in(SlaTimer.stopped_at, period)
               | (SlaTimer.stopped_at.is_(None) & _in(SlaTimer.breached_at, period)))
    rows = await tx.session.execute(
        select(SlaPolicy.name, SlaTimer.metric, func.count(), func.count().filter(SlaTimer.breached_at.is_(None)))
        .join(SlaPolicy, SlaPolicy.id == SlaTimer.policy_id).where(SlaTimer.tenant_id == tx.tenant_id, decided)
        .group_by(SlaPolicy.name, SlaTimer.metric).order_by(SlaPolicy.name, SlaTimer.metric))
    per = [(name, metric, total, met) for name, metric, total, met in rows.all()]
    return SlaFigures(total=sum(r[2] for r in per), met=sum(r[3] for r in per), by_policy=per)


async def change_figures(tx: Transaction, period: Period) -> ChangeFigures:
    """Changes that finished in the period: implemented without failing, or failed / rolled back."""
    failed = or_(ChangeRequest.state.in_(FAILED_STATES), ChangeRequest.history.contains([{"to": "failed"}]),
                 ChangeRequest.history.contains([{"to": "rolled_back"}]))
    done = or_(ChangeRequest.implemented_at.is_not(None), failed)
    row = (await tx.session.execute(select(func.count(), func.count().filter(failed)).where(
        ChangeRequest.tenant_id == tx.tenant_id, done,
        _in(func.coalesce(ChangeRequest.implemented_at, ChangeRequest.updated_at), period)))).one()
    return ChangeFigures(finished=row[0], succeeded=row[0] - row[1], failed=row[1])


async def noise_figures(tx: Transaction, period: Period) -> NoiseFigures:
    """Alerts opened in the period: per incident, the share silenced, and the rules that flap."""
    scope = (Alert.tenant_id == tx.tenant_id, _in(Alert.first_seen, period))
    row = (await tx.session.execute(select(
        func.count(), func.count(Alert.incident_id), func.count(func.distinct(Alert.incident_id)),
        func.count(Alert.silence_id)).where(*scope))).one()
    groups = (select(Alert.rule_id, Alert.group_key, func.count().label("n")).where(*scope)
              .group_by(Alert.rule_id, Alert.group_key).having(func.count() >= FLAPPING_AT).subquery())
    flapping = await tx.session.execute(
        select(AlertRule.name, func.sum(groups.c.n)).join(AlertRule, AlertRule.id == groups.c.rule_id)
        .group_by(AlertRule.name).order_by(func.sum(groups.c.n).desc(), AlertRule.name))
    return NoiseFigures(alerts=row[0], with_incident=row[1], incidents=row[2], silenced=row[3],
                        flapping_rules=[Count(name, int(n)) for name, n in flapping.all()])


async def ai_figures(tx: Transaction, period: Period) -> AiFigures:
    """Gateway calls of the period: how many, failures, credits and tokens, by task; the balance now."""
    scope = (AiCall.tenant_id == tx.tenant_id, _in(AiCall.started_at, period))
    row = (await tx.session.execute(select(
        func.count(), func.count().filter(AiCall.outcome != "ok"), func.coalesce(func.sum(AiCall.credits), 0),
        func.coalesce(func.sum(AiCall.input_tokens), 0), func.coalesce(func.sum(AiCall.output_tokens), 0),
    ).where(*scope))).one()
    tasks = await tx.session.execute(select(AiCall.task, func.count()).where(*scope).group_by(AiCall.task)
                                     .order_by(AiCall.task))
    balance = (await usage(tx)).balance
    return AiFigures(calls=row[0], failed=row[1], credits=int(row[2]), input_tokens=int(row[3]),
                     output_tokens=int(row[4]), balance=balance, by_task=[Count(t, n) for t, n in tasks.all()])

