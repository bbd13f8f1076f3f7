from __future__ import annotations

from dataclasses import replace

import strawberry

from domain.incidents import queries
from resolvers.ids import parse_id
from resolvers.incidents.inputs import IncidentFilterInput
from resolvers.incidents.types import Incident, incident_columns, incident_nodes
from resolvers.pagination import Connection, connection, edge_cursors_selected
from resolvers.selection import selected_names, selects


async def resolve_incident(info: strawberry.Info, id: strawberry.ID) -> Incident | None:
    """One incident by id; null if it does not exist in this tenant."""
    async with info.context.transaction() as tx:
        found = (await queries.incidents_by_ids(tx, [parse_id(id)]))[0]
        return (await incident_nodes(tx, [found]))[0] if found else None


async def resolve_incidents(
    info: strawberry.Info, filter: IncidentFilterInput | None = None, first: int | None = 50, after: str | None = None
) -> Connection[Incident]:
    """Incidents matching the filter, newest first."""
    async with info.context.transaction() as tx:
        page = await queries.list_incidents(tx, filter=filter.to_domain() if filter else None, first=first,
                                            after=after, columns=incident_columns(selected_names(info, "edges.node")))
        nodes = await incident_nodes(tx, page.items, with_assignee=selects(info, "edges.node.assignee"))
    return connection(replace(page, items=nodes), lambda node: node, edge_cursors=edge_cursors_selected(info))
