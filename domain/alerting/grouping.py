"""Where a firing alert goes: which incident it joins, reopens, or recurs after.

In order, as Alertmanager and PagerDuty group:
  1. the active incident already holding its fingerprint (the same alert again);
  2. the active incident of its group key (the service, or its CMDB CI, per the tenant's policy) that
     saw an alert within the group window: alerts of several rules for one service become one incident;
  3. the last incident that held its fingerprint, if it was resolved within the reopen window: it is
     reopened ("reopened: alert recurred");
  4. otherwise a new incident, which names that last incident (resolved long ago, or closed: closed is
     final) as the one it is a recurrence of.
Nothing here ever counts into an incident that is not active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select, text

from domain.alerting.models import Alert
from domain.alerting.settings import AlertingPolicy
from domain.cmdb.impact import cis_named
from domain.incidents.lifecycle import ACTIVE
from domain.incidents.models import Incident

if TYPE_CHECKING:
    from domain.uow import Transaction

REOPEN_NOTE = "reopened: alert recurred"
MAX_MERGE_HOPS = 5


@dataclass(frozen=True)
class Home:
    """The incident an alert joins (``how``: fingerprint, group or reopened), or, for a new incident,
    the earlier one it is a recurrence of."""

    incident: Incident | None = None
    how: str = ""
    previous: Incident | None = None


def _holds(tx: Transaction, fingerprint: str):
    """Incidents that held an alert with this fingerprint (by their own fingerprint or their alerts')."""
    alerts = select(Alert.incident_id).where(Alert.tenant_id == tx.tenant_id, Alert.fingerprint == fingerprint,
                                             Alert.incident_id.is_not(None))
    return or_(Incident.fingerprint == fingerprint[:200], Incident.id.in_(alerts))


async def _active_with_fingerprint(tx: Transaction, fingerprint: str) -> Incident | None:
    return await tx.session.scalar(select(Incident).where(
        Incident.tenant_id == tx.tenant_id, Incident.status.in_(ACTIVE), Incident.merged_into_id.is_(None),
        _holds(tx, fingerprint)).order_by(Incident.created_at).limit(1).with_for_update())


async def _active_in_group(tx: Transaction, group_key: str, *, since: datetime) -> Incident | None:
    return await tx.session.scalar(select(Incident).where(
        Incident.tenant_id == tx.tenant_id, Incident.group_key == group_key, Incident.status.in_(ACTIVE),
        Incident.merged_into_id.is_(None), func.coalesce(Incident.last_seen_at, Incident.created_at) >= since,
    ).order_by(Incident.created_at).limit(1).with_for_update())


async def _last_with_fingerprint(tx: Transaction, fingerprint: str) -> Incident | None:
    """The newest incident that held the fingerprint, followed through merges to the one that survived."""
    incident = await tx.session.scalar(select(Incident).where(
        Incident.tenant_id == tx.tenant_id, _holds(tx, fingerprint)).order_by(Incident.created_at.desc()).limit(1))
    for _ in range(MAX_MERGE_HOPS):
        if incident is None or incident.merged_into_id is None:
            break
        incident = await tx.session.get(Incident, incident.merged_into_id)
    return incident


async def lock_group(tx: Transaction, group_key: str) -> None:
    """Serialise alerts of one group key (two rules firing at once for one service open one incident)."""
    await tx.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                             {"k": f"{tx.tenant_id}|group|{group_key}"})


async def find_home(tx: Transaction, *, fingerprint: str, group_key: str | None, policy: AlertingPolicy,
                    now: datetime) -> Home:
    """Where an alert that starts firing now belongs (the caller holds its fingerprint's lock)."""
    found = await _active_with_fingerprint(tx, fingerprint)
    if found is not None:
        return Home(found, "fingerprint")
    if group_key is not None and policy.group_window_minutes > 0:
        await lock_group(tx, group_key)
        found = await _active_in_group(tx, group_key, since=now - timedelta(minutes=policy.group_window_minutes))
        if found is not None:
            return Home(found, "group")
    previous = await _last_with_fingerprint(tx, fingerprint)
    if previous is None:
        return Home()
    if previous.status in ACTIVE:  # merged into an incident that is still active
        return Home(previous, "fingerprint")
    window = timedelta(minutes=policy.reopen_window_minutes)
    if previous.status == "resolved" and window and previous.resolved_at and previous.resolved_at >= now - window:
        return Home(previous, "reopened")
    return Home(previous=previous)


async def group_key_for(tx: Transaction, policy: AlertingPolicy, service: str | None) -> str | None:
    """The key alerts of several rules share: ``service:<name>``, or ``ci:<id>`` of the CMDB CI named like
    the service (the service key when no CI has its name); None when grouping is off or there is no service."""
    if policy.group_by == "off" or not service:
        return None
    if policy.group_by == "ci":
        found = await cis_named(tx, [service])
        if found:
            return f"ci:{found[0]}"
    return f"service:{service.lower()}"[:300]
