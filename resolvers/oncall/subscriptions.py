"""youArePaged: the escalation steps that page the signed-in person, live."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from resolvers.oncall.queries import my_user_id
from resolvers.oncall.types import Paged


async def you_are_paged(info: strawberry.Info) -> AsyncGenerator[Paged, None]:
    """Every page of mine from now on (from the tenant's incident feed: its ``paged`` entries naming me)."""
    me = str(my_user_id(info))
    async for event in info.context.runtime.incident_feed.subscribe(info.context.tenant_id):
        data = event.entry.data or {}
        if event.entry.kind == "paged" and me in data.get("users", ()):
            yield Paged(incident_id=strawberry.ID(str(event.incident.id)), reference=event.incident.reference,
                        title=event.incident.title, severity=event.incident.severity, level=data.get("level", 0),
                        round=data.get("round", 0))
