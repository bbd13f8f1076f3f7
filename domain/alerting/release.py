"""Alerts and incidents agree: an incident counts exactly its alerts, and only while it is active.

An incident's ``alert_count`` is the sum of its alerts' counts, recomputed whenever one of them
counts; an incident that is resolved or closed is never touched by a count. Resolving or closing an
incident resolves the alerts it holds, so a later match opens a new alert (which then reopens the
incident or opens a new one; see domain/alerting/grouping.py).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from domain import clock
from domain.alerting.models import Alert
from domain.incidents.lifecycle import ACTIVE
from domain.incidents.models import Incident

if TYPE_CHECKING:
    from domain.uow import Transaction

COUNTING = ("pending", "firing")


async def release_alerts(tx: Transaction, *, incident_id: uuid.UUID) -> int:
    """Resolve the open alerts an incident holds (it was just resolved or closed); returns how many."""
    result = await tx.session.execute(
        update(Alert).where(Alert.tenant_id == tx.tenant_id, Alert.incident_id == incident_id,
                            Alert.status.in_(COUNTING))
        .values(status="resolved", resolved_at=clock.now(), clear_since=None)
        .execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


async def sync_alert_count(tx: Transaction, incident_id: uuid.UUID, *, inactive_too: bool = False) -> None:
    """Set an active incident's alert count to the sum of its alerts (and its last-seen time to theirs);
    an incident that is no longer active is left alone unless ``inactive_too`` (a merge moving alerts)."""
    await tx.session.flush()  # the counts just changed in this session (autoflush is off)
    totals = select(func.coalesce(func.sum(Alert.count), 0), func.max(Alert.last_seen)).where(
        Alert.tenant_id == tx.tenant_id, Alert.incident_id == incident_id)
    count, last_seen = (await tx.session.execute(totals)).one()
    values = {"alert_count": int(count)}
    if last_seen is not None:
        values["last_seen_at"] = func.greatest(func.coalesce(Incident.last_seen_at, last_seen), last_seen)
    statement = update(Incident).where(Incident.tenant_id == tx.tenant_id, Incident.id == incident_id)
    if not inactive_too:
        statement = statement.where(Incident.status.in_(ACTIVE))
    await tx.session.execute(statement.values(**values).execution_options(synchronize_session="fetch"))


async def move_open_alerts(tx: Transaction, *, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
    """A merged duplicate's open alerts go on counting in the incident it was merged into; both counts
    are recomputed (the duplicate keeps its resolved alerts and their count)."""
    await tx.session.execute(
        update(Alert).where(Alert.tenant_id == tx.tenant_id, Alert.incident_id == from_id,
                            Alert.status.in_(COUNTING))
        .values(incident_id=to_id).execution_options(synchronize_session="fetch"))
    await sync_alert_count(tx, to_id)
    await sync_alert_count(tx, from_id, inactive_too=True)
