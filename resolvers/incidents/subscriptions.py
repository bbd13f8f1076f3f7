"""incidentChanged: the tenant's incident changes, live, in commit order."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from domain.incidents.feed import IncidentChangeEvent
from resolvers.incidents.inputs import IncidentChangeFilter
from resolvers.incidents.types import Incident, IncidentChange, TimelineEntry
from resolvers.members.person import Person


async def incident_changed(
    info: strawberry.Info, filter: IncidentChangeFilter | None = None
) -> AsyncGenerator[IncidentChange, None]:
    """Every change of the tenant's incidents committed after subscribing, in commit order."""
    wanted = (filter or IncidentChangeFilter()).to_domain()
    async for event in info.context.runtime.incident_feed.subscribe(info.context.tenant_id):
        if wanted.matches(event.incident):
            yield _change(event)


def _change(event: IncidentChangeEvent) -> IncidentChange:
    """The GraphQL object of an event, built once and shared by every subscriber of this process."""
    cached = getattr(event, "_graphql", None)
    if cached is None:
        assignee = Person.from_model(event.assignee) if event.assignee else None
        cached = IncidentChange(seq=event.seq, kind=event.entry.kind,
                                incident=Incident.from_model(event.incident, assignee),
                                entry=TimelineEntry.from_model(event.entry))
        object.__setattr__(event, "_graphql", cached)
    return cached
