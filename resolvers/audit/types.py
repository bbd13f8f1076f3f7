"""GraphQL types of the audit log."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from domain.audit.models import AuditEvent as AuditEventModel
from domain.audit.queries import AuditFilter


@strawberry.type(description="One recorded action: who did what to which object.")
class AuditEvent:
    id: strawberry.ID
    occurred_at: datetime
    actor: str
    action: str
    target_type: str | None
    target_id: str | None
    data: strawberry.scalars.JSON

    @classmethod
    def from_model(cls, event: AuditEventModel) -> AuditEvent:
        return cls(id=strawberry.ID(str(event.id)), occurred_at=event.occurred_at, actor=event.actor,
                   action=event.action, target_type=event.target_type, target_id=event.target_id, data=event.data)


@strawberry.input(description="Which audit events: all given conditions hold.")
class AuditEventFilter:
    actor: str | None = None
    action: str | None = strawberry.field(default=None, description="An action or its prefix, e.g. `billing.`.")
    target_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def to_domain(self) -> AuditFilter:
        return AuditFilter(actor=self.actor, action=self.action, target_type=self.target_type, since=self.since,
                           until=self.until)


@strawberry.enum(description="Export formats of the audit log.")
class AuditExportFormat(Enum):
    CSV = "csv"
    JSON = "json"


@strawberry.type(description="Audit events as a file's content (newest first, at most 10 000).")
class AuditExport:
    format: AuditExportFormat
    count: int
    content: str
