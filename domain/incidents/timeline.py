"""Appending to an incident's timeline, in commit order, and announcing the change after commit.

Every change of an incident is one immutable timeline entry, and each goes to the notification
targets subscribed to what it is (domain/alerting/notify.py). Entries take the next ``stream_seq``
of their tenant from ``incident_streams`` under that row's lock, so a tenant's sequence numbers
follow commit order; subscribers use them to deliver changes in order and fill any gap from here.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from domain import clock
from domain.alerting.notify import notify_incident_change
from domain.automation.triggers import request_workflows
from domain.incidents.models import Incident, TimelineEntry
from domain.paging.hooks import on_incident_change

if TYPE_CHECKING:
    from domain.uow import Transaction


def channel_for(tenant_id: uuid.UUID) -> str:
    """The pub/sub channel of a tenant's incident changes."""
    return f"atlas:incidents:{tenant_id}"


async def _advance_stream(tx: Transaction, *, seqs: int = 1, numbers: int = 0) -> tuple[int, int]:
    """Take ``seqs`` stream numbers and ``numbers`` incident numbers; return the last of each."""
    row = (await tx.session.execute(text(
        "INSERT INTO incident_streams AS s (tenant_id, last_seq, last_number) VALUES (:t, :s, :n) "
        "ON CONFLICT (tenant_id) DO UPDATE SET last_seq = s.last_seq + :s, last_number = s.last_number + :n "
        "RETURNING last_seq, last_number"
    ), {"t": tx.tenant_id, "s": seqs, "n": numbers})).one()
    return row.last_seq, row.last_number


async def next_incident_number(tx: Transaction) -> int:
    """The tenant's next human incident number (INC-<n>)."""
    _, number = await _advance_stream(tx, seqs=0, numbers=1)
    return number


async def append(
    tx: Transaction, incident: Incident, *, kind: str, actor: str, data: dict[str, Any] | None = None
) -> TimelineEntry:
    """Record one change of ``incident``, notify the targets subscribed to it, and announce it after commit."""
    seq, _ = await _advance_stream(tx)
    entry = TimelineEntry(tenant_id=tx.tenant_id, incident_id=incident.id, stream_seq=seq, actor=actor,
                          kind=kind, data=data or {}, occurred_at=clock.now())
    tx.session.add(entry)
    await tx.session.flush()
    tx.emit(channel_for(tx.tenant_id), {
        "tenant_id": str(tx.tenant_id), "seq": seq, "incident_id": str(incident.id), "kind": kind,
        "entry_id": str(entry.id), "version": incident.version,
    })
    await notify_incident_change(tx, incident, entry)
    await on_incident_change(tx, incident, entry)
    await request_workflows(tx, event="incident.created" if kind == "created" else "incident.changed",
                            subject_id=incident.id)
    return entry
