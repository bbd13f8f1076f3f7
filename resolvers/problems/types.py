"""GraphQL types for problems."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from domain.problems import service
from domain.problems.models import Problem as ProblemModel
from resolvers.loaders import loader


@strawberry.type(description="A root cause shared by incidents, its known error, workaround and fixing change.")
class Problem:
    id: strawberry.ID
    reference: str
    title: str
    description: str
    state: str = strawberry.field(description="open, known_error, resolved or closed.")
    root_cause: str
    workaround: str
    fix_change_id: strawberry.ID | None
    created_by: str
    created_at: datetime
    resolved_at: datetime | None
    version: int

    @classmethod
    def from_model(cls, p: ProblemModel) -> Problem:
        return cls(id=strawberry.ID(str(p.id)), reference=p.reference, title=p.title, description=p.description,
                   state=p.state, root_cause=p.root_cause, workaround=p.workaround, created_by=p.created_by,
                   fix_change_id=strawberry.ID(str(p.fix_change_id)) if p.fix_change_id else None,
                   created_at=p.created_at, resolved_at=p.resolved_at, version=p.version)

    @strawberry.field(description="The incidents it groups.")
    async def incident_ids(self, info: strawberry.Info) -> list[strawberry.ID]:
        found = await loader(info, service.incident_ids_by_problem).load(uuid.UUID(str(self.id)))
        return [strawberry.ID(str(i)) for i in found]
