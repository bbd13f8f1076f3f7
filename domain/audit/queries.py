"""Reading the audit log: filtered pages, and exports as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Select, select

from domain.audit.models import AuditEvent
from domain.errors import ValidationFailed
from domain.pagination import Page, paginate

if TYPE_CHECKING:
    from domain.uow import Transaction

EXPORT_FORMATS = ("csv", "json")
EXPORT_LIMIT = 10_000
COLUMNS = ("occurred_at", "actor", "action", "target_type", "target_id", "data")


@dataclass(frozen=True)
class AuditFilter:
    """Which events: by actor, action (a prefix such as ``billing.``), target type and time range."""

    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: Select) -> Select:
        if self.since and self.until and self.since >= self.until:
            raise ValidationFailed("'since' must be before 'until'.", field="since")
        if self.actor:
            query = query.where(AuditEvent.actor == self.actor)
        if self.action:
            query = query.where(AuditEvent.action.startswith(self.action, autoescape=True))
        if self.target_type:
            query = query.where(AuditEvent.target_type == self.target_type)
        if self.since:
            query = query.where(AuditEvent.occurred_at >= self.since)
        if self.until:
            query = query.where(AuditEvent.occurred_at < self.until)
        return query


async def list_audit_events(tx: Transaction, *, where: AuditFilter, first: int | None = None,
                            after: str | None = None) -> Page[AuditEvent]:
    """The tenant's audit events matching ``where``, newest first."""
    query = where.apply(select(AuditEvent).where(AuditEvent.tenant_id == tx.tenant_id))
    return await paginate(tx.session, query, order=[AuditEvent.occurred_at, AuditEvent.id], first=first,
                          after=after, descending=True)


def _row(event: AuditEvent) -> dict:
    return {"occurred_at": event.occurred_at.isoformat(), "actor": event.actor, "action": event.action,
            "target_type": event.target_type, "target_id": event.target_id, "data": event.data}


async def export_audit_events(tx: Transaction, *, where: AuditFilter, format: str) -> tuple[str, int]:
    """The matching events (newest first, at most EXPORT_LIMIT) as CSV or JSON text, and how many."""
    if format not in EXPORT_FORMATS:
        raise ValidationFailed(f"Format must be one of {', '.join(EXPORT_FORMATS)}.", field="format")
    query = where.apply(select(AuditEvent).where(AuditEvent.tenant_id == tx.tenant_id))
    events = list(await tx.session.scalars(query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
                                           .limit(EXPORT_LIMIT)))
    rows = [_row(event) for event in events]
    if format == "json":
        return json.dumps(rows, separators=(",", ":"), sort_keys=True), len(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "data": json.dumps(row["data"], sort_keys=True)})
    return out.getvalue(), len(rows)
