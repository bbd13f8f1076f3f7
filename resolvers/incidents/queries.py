"""Incident queries."""

from __future__ import annotations

import strawberry

from domain.incidents import queries
from resolvers.ids import parse_id
from resolvers.incidents.inputs import IncidentFilterInput
from resolvers.incidents.types import Incident
from resolvers.pagination import Connection, connection


async def resolve_incident(info: strawberry.Info, id: strawberry.ID) -> Incident | None:
    """One incident by id; null if it does not exist in this tenant."""
    async with info.context.transaction() as tx:
        found = (await queries.incidents_by_ids(tx, [parse_id(id)]))[0]
    return Incident.from_model(found) if found else None


async def resolve_incidents(
    info: strawberry.Info, filter: IncidentFilterInput | None = None, first: int | None = 50, after: str | None = None
) -> Connection[Incident]:
    """Incidents matching the filter, newest first."""
    async with info.context.transaction() as tx:
        page = await queries.list_incidents(tx, filter=filter.to_domain() if filter else None, first=first,
                                            after=after)
    return connection(page, Incident.from_model)
