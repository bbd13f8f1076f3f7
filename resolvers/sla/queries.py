"""SLA queries: thin wrappers over domain/sla."""

from __future__ import annotations

from datetime import datetime, timedelta

import strawberry

from domain import clock
from domain.errors import ValidationFailed
from domain.sla import compliance
from domain.sla.policies import list_sla_policies
from resolvers.ids import parse_id
from resolvers.sla.types import SlaBreach, SlaCompliance, SlaPolicy, SlaTimer


async def resolve_sla_policies(info: strawberry.Info) -> list[SlaPolicy]:
    """The tenant's SLA policies by name."""
    async with info.context.transaction() as tx:
        return [SlaPolicy.from_model(p) for p in await list_sla_policies(tx)]


async def resolve_sla_timers(info: strawberry.Info, incident_id: strawberry.ID) -> list[SlaTimer]:
    """An incident's SLA timers (none for another tenant's incident)."""
    async with info.context.transaction() as tx:
        rows = await compliance.sla_timers_of(tx, parse_id(incident_id, field="incidentId"))
    return [SlaTimer.from_model(timer, name) for timer, name in rows]


async def resolve_sla_breaches(info: strawberry.Info, limit: int = 100) -> list[SlaBreach]:
    """The latest breaches, newest first (the breach dashboard)."""
    if not 1 <= limit <= 500:
        raise ValidationFailed("limit must be 1-500.", field="limit")
    async with info.context.transaction() as tx:
        rows = await compliance.recent_breaches(tx, limit=limit)
    return [SlaBreach(timer=SlaTimer.from_model(timer, name), incident_reference=incident.reference,
                      incident_title=incident.title, priority=incident.priority) for timer, name, incident in rows]


async def resolve_sla_compliance(info: strawberry.Info, since: datetime | None = None,
                                 until: datetime | None = None) -> list[SlaCompliance]:
    """Targets met per policy, metric, priority and service in ``[since, until)`` (default: the last 30 days)."""
    until = until or clock.now()
    since = since or until - timedelta(days=30)
    if since >= until or until - since > timedelta(days=400):
        raise ValidationFailed("Give a period of up to 400 days, since before until.", field="since")
    async with info.context.transaction() as tx:
        return [SlaCompliance.from_domain(c) for c in await compliance.sla_compliance(tx, since=since, until=until)]
