"""Audit log reads: the filtered connection and the export."""

from __future__ import annotations

import strawberry

from domain.audit.queries import export_audit_events, list_audit_events
from domain.errors import ValidationFailed
from resolvers.audit.types import AuditEvent, AuditEventFilter, AuditExport, AuditExportFormat
from resolvers.errors import PublicError
from resolvers.pagination import Connection, connection


async def resolve_audit_events(info: strawberry.Info, filter: AuditEventFilter | None = None,
                               first: int | None = 50, after: str | None = None) -> Connection[AuditEvent]:
    """The tenant's audit events, newest first."""
    where = (filter or AuditEventFilter()).to_domain()
    try:
        async with info.context.transaction() as tx:
            page = await list_audit_events(tx, where=where, first=first, after=after)
    except ValidationFailed as exc:
        raise PublicError(exc.message, code=exc.code) from None
    return connection(page, AuditEvent.from_model)


async def resolve_audit_export(info: strawberry.Info, format: AuditExportFormat,
                               filter: AuditEventFilter | None = None) -> AuditExport:
    """The matching audit events as CSV or JSON."""
    where = (filter or AuditEventFilter()).to_domain()
    try:
        async with info.context.transaction() as tx:
            content, count = await export_audit_events(tx, where=where, format=format.value)
    except ValidationFailed as exc:
        raise PublicError(exc.message, code=exc.code) from None
    return AuditExport(format=format, count=count, content=content)
