"""SLA timers on incidents: started, paused, resumed and stopped from the incident's state, and the
warnings and breaches they record, each once.

The SLA tick (workers/jobs/itsm.py, every minute) calls :func:`tick`. A timer counts business time
(domain/sla/calendar.py) while it runs; ``due_at`` and ``warn_at`` say when it will breach and warn if
it keeps running. Response stops when the incident is acknowledged (or resolved), resolution when it
is resolved, at those exact moments. A breach is recorded at its ``due_at`` even when the tick comes
late (a restart loses no breach) and only while ``breached_at`` is empty (a second tick records
nothing). A warning or breach writes a timeline entry (which sends the ``incident.sla_warning`` or
``incident.sla_breached`` signed webhooks to subscribed targets) and is published on the tenant's SLA
channel; a breach of an active incident also raises its priority one step (``incident.escalated``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import exists, select

from domain import clock
from domain.incidents import timeline
from domain.incidents.lifecycle import ACTIVE
from domain.incidents.models import PRIORITIES, Incident
from domain.incidents.service import set_triage
from domain.sla.calendar import BusinessCalendar, add_business_seconds, business_seconds, calendar_from
from domain.sla.models import SlaPolicy, SlaTimer
from domain.sla.policies import applies_to, paused

if TYPE_CHECKING:
    from domain.uow import Transaction

LOOKBACK = timedelta(days=30)  # incidents older than this when a policy appears get no timers


def channel_for(tenant_id) -> str:
    return f"atlas:sla:{tenant_id}"


@dataclass
class TickResult:
    started: int = 0
    warned: int = 0
    breached: int = 0


def _stop_moment(timer: SlaTimer, incident: Incident) -> datetime | None:
    if timer.metric == "response":
        moments = [m for m in (incident.acknowledged_at, incident.resolved_at) if m]
        return min(moments) if moments else None
    return incident.resolved_at


def _schedule(timer: SlaTimer, calendar: BusinessCalendar, policy: SlaPolicy, since: datetime) -> None:
    """Set when a running timer breaches and warns, from ``since`` on."""
    left = timer.target_seconds - timer.elapsed_seconds
    timer.due_at = add_business_seconds(calendar, since, left)
    warn_left = timer.target_seconds * policy.warn_percent // 100 - timer.elapsed_seconds
    timer.warn_at = add_business_seconds(calendar, since, warn_left) if timer.warned_at is None else None


def _new_timers(policy: SlaPolicy, incident: Incident, calendar: BusinessCalendar) -> list[SlaTimer]:
    made = []
    for metric, minutes in (("response", policy.response_minutes), ("resolution", policy.resolution_minutes)):
        if minutes:
            timer = SlaTimer(tenant_id=policy.tenant_id, policy_id=policy.id, record_id=incident.id, metric=metric,
                             target_seconds=minutes * 60, elapsed_seconds=0, started_at=incident.created_at,
                             running_since=incident.created_at)
            _schedule(timer, calendar, policy, incident.created_at)
            made.append(timer)
    return made


async def _start(tx: Transaction, policies: list[SlaPolicy], calendars: dict) -> int:
    """Timers for incidents raised since their policy that have none yet."""
    since = max(min(p.created_at for p in policies), clock.now() - LOOKBACK)
    incidents = await tx.session.scalars(select(Incident).where(
        Incident.tenant_id == tx.tenant_id, Incident.created_at >= since,
        ~exists().where(SlaTimer.tenant_id == tx.tenant_id, SlaTimer.record_id == Incident.id)))
    made = [timer for incident in incidents for policy in policies
            if incident.created_at >= policy.created_at and applies_to(policy, incident)
            for timer in _new_timers(policy, incident, calendars[policy.id])]
    tx.session.add_all(made)
    await tx.session.flush()
    return len(made)


def _run_to(timer: SlaTimer, calendar: BusinessCalendar, moment: datetime) -> None:
    """Add the business time run until ``moment`` and stop running."""
    timer.elapsed_seconds += business_seconds(calendar, timer.running_since, moment)
    timer.running_since = None


async def _sync(tx: Transaction, timer: SlaTimer, policy: SlaPolicy, incident: Incident, calendar, now) -> list:
    """Follow the incident's state; returns the deadlines passed as ``(kind, moment)``."""
    stop = _stop_moment(timer, incident)
    stopped_in_time = stop is not None and stop <= now  # stopping exactly at the deadline meets it
    passed = _passed(timer, stop if stopped_in_time else now, met_at_deadline=stopped_in_time)
    if stop is not None:
        if timer.running_since is not None:
            _run_to(timer, calendar, max(stop, timer.running_since))
        timer.stopped_at = stop
    elif timer.running_since is not None and paused(policy, incident):
        _run_to(timer, calendar, now)
        timer.due_at = timer.warn_at = None
    elif timer.running_since is None and not paused(policy, incident):
        timer.running_since = now
        _schedule(timer, calendar, policy, now)
    return passed


def _passed(timer: SlaTimer, until: datetime, *, met_at_deadline: bool) -> list[tuple[str, datetime]]:
    passed = []
    if timer.warn_at and timer.warned_at is None and timer.warn_at <= until:
        timer.warned_at = timer.warn_at
        passed.append(("sla_warning", timer.warn_at))
    late = timer.due_at is not None and (timer.due_at < until if met_at_deadline else timer.due_at <= until)
    if late and timer.breached_at is None:
        timer.breached_at = timer.due_at
        passed.append(("sla_breached", timer.due_at))
    return passed


async def _record(tx: Transaction, incident: Incident, timer: SlaTimer, policy: SlaPolicy, kind: str,
                  moment: datetime) -> None:
    data = {"policy": policy.name, "metric": timer.metric, "at": moment.isoformat(),
            "target_minutes": timer.target_seconds // 60}
    await timeline.append(tx, incident, kind=kind, actor="SLA", data=data)
    tx.emit(channel_for(tx.tenant_id), {"tenant_id": str(tx.tenant_id), "incident_id": str(incident.id),
                                        "kind": kind, **data})
    if kind == "sla_breached" and incident.status in ACTIVE and incident.priority != PRIORITIES[0]:
        higher = PRIORITIES[PRIORITIES.index(incident.priority) - 1]
        await set_triage(tx, incident_id=incident.id, priority=higher, actor="SLA")


async def tick(tx: Transaction) -> TickResult:
    """Start, follow and check the tenant's SLA timers once (safe to run again at any time)."""
    now = clock.now()
    policies = list(await tx.session.scalars(select(SlaPolicy).where(
        SlaPolicy.tenant_id == tx.tenant_id, SlaPolicy.enabled)))
    if not policies:
        return TickResult()
    calendars = {p.id: calendar_from(p.calendar) for p in policies}
    by_id = {p.id: p for p in policies}
    result = TickResult(started=await _start(tx, policies, calendars))
    rows = await tx.session.execute(select(SlaTimer, Incident).join(Incident, Incident.id == SlaTimer.record_id).where(
        SlaTimer.tenant_id == tx.tenant_id, SlaTimer.stopped_at.is_(None), SlaTimer.policy_id.in_(by_id),
    ).order_by(SlaTimer.created_at, SlaTimer.id).with_for_update(of=SlaTimer, skip_locked=True))
    for timer, incident in rows.all():
        policy = by_id[timer.policy_id]
        for kind, moment in await _sync(tx, timer, policy, incident, calendars[policy.id], now):
            await _record(tx, incident, timer, policy, kind, moment)
            result.warned += kind == "sla_warning"
            result.breached += kind == "sla_breached"
    return result
