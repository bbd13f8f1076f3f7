"""SLA compliance: how many targets were met, per policy, metric, priority and service, in a period."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.incidents.models import Incident
from domain.sla.models import SlaPolicy, SlaTimer

if TYPE_CHECKING:
    from domain.uow import Transaction


@dataclass(frozen=True)
class Compliance:
    policy: str
    metric: str
    priority: str
    service: str | None
    total: int
    met: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.met / self.total, 1) if self.total else 100.0


async def sla_compliance(tx: Transaction, *, since: datetime, until: datetime) -> list[Compliance]:
    """Targets decided in ``[since, until)`` (stopped, or breached and still running), met or not."""
    rows = await tx.session.execute(
        select(SlaPolicy.name, SlaTimer.metric, SlaTimer.breached_at, SlaTimer.stopped_at, Incident.priority,
               Incident.services)
        .join(SlaPolicy, SlaPolicy.id == SlaTimer.policy_id).join(Incident, Incident.id == SlaTimer.record_id)
        .where(SlaTimer.tenant_id == tx.tenant_id,
               ((SlaTimer.stopped_at >= since) & (SlaTimer.stopped_at < until))
               | (SlaTimer.stopped_at.is_(None) & (SlaTimer.breached_at >= since) & (SlaTimer.breached_at < until))))
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for name, metric, breached_at, _stopped, priority, services in rows.all():
        for service in services or [None]:
            tally = counts[(name, metric, priority, service)]
            tally[0] += 1
            tally[1] += breached_at is None
    return [Compliance(*key, total=total, met=met) for key, (total, met) in sorted(
        counts.items(), key=lambda item: tuple(str(v) for v in item[0]))]


async def sla_timers_of(tx: Transaction, incident_id) -> list[tuple[SlaTimer, str]]:
    """An incident's timers and their policy names."""
    rows = await tx.session.execute(select(SlaTimer, SlaPolicy.name).join(SlaPolicy, SlaPolicy.id == SlaTimer.policy_id)
                                    .where(SlaTimer.tenant_id == tx.tenant_id, SlaTimer.record_id == incident_id)
                                    .order_by(SlaPolicy.name, SlaTimer.metric))
    return [(timer, name) for timer, name in rows.all()]


async def recent_breaches(tx: Transaction, *, limit: int = 100) -> list[tuple[SlaTimer, str, Incident]]:
    """The latest breaches, newest first, with their policy and incident (the breach dashboard)."""
    rows = await tx.session.execute(
        select(SlaTimer, SlaPolicy.name, Incident).join(SlaPolicy, SlaPolicy.id == SlaTimer.policy_id)
        .join(Incident, Incident.id == SlaTimer.record_id)
        .where(SlaTimer.tenant_id == tx.tenant_id, SlaTimer.breached_at.is_not(None))
        .order_by(SlaTimer.breached_at.desc()).limit(limit))
    return [tuple(row) for row in rows.all()]
