"""Problem queries and mutations: thin wrappers over domain/problems."""

from __future__ import annotations

import strawberry
from sqlalchemy import select

from domain.problems import service
from domain.problems.models import Problem as ProblemModel
from resolvers.errors import mutate, payload_union
from resolvers.ids import parse_id
from resolvers.pagination import Connection, connection
from resolvers.problems.types import Problem


@strawberry.type
class ProblemSaved:
    problem: Problem


ProblemPayload = payload_union("ProblemPayload", ProblemSaved)


def _saved(problem) -> ProblemSaved:
    return ProblemSaved(problem=Problem.from_model(problem))


async def resolve_problems(info: strawberry.Info, first: int | None = 50,
                           after: str | None = None) -> Connection[Problem]:
    """Problems, newest first."""
    async with info.context.transaction() as tx:
        return connection(await service.list_problems(tx, first=first, after=after), Problem.from_model)


async def resolve_problem(info: strawberry.Info, id: strawberry.ID) -> Problem | None:
    async with info.context.transaction() as tx:
        found = await tx.session.scalar(select(ProblemModel).where(
            ProblemModel.tenant_id == tx.tenant_id, ProblemModel.id == parse_id(id)))
        return Problem.from_model(found) if found else None


async def resolve_known_errors(info: strawberry.Info, search: str) -> list[Problem]:
    """Known errors and resolved problems mentioning every word of ``search`` (knowledge to reuse)."""
    async with info.context.transaction() as tx:
        return [Problem.from_model(p) for p in await service.known_errors(tx, search=search)]


async def create_problem(info: strawberry.Info, title: str, description: str = "") -> ProblemPayload:
    return await mutate(info, lambda tx: service.create_problem(tx, title=title, description=description,
                                                                actor=info.context.actor.actor), _saved)


async def update_problem(info: strawberry.Info, id: strawberry.ID, root_cause: str | None = None,
                         workaround: str | None = None, fix_change_id: strawberry.ID | None = None,
                         state: str | None = None) -> ProblemPayload:
    """Record the root cause, workaround or fixing change, or move the problem."""
    return await mutate(info, lambda tx: service.update_problem(
        tx, problem_id=parse_id(id), root_cause=root_cause, workaround=workaround, state=state,
        fix_change_id=parse_id(fix_change_id, field="fixChangeId") if fix_change_id else None), _saved)


async def link_problem_incident(info: strawberry.Info, id: strawberry.ID, incident_id: strawberry.ID) -> ProblemPayload:
    """Group an incident under the problem."""
    return await mutate(info, lambda tx: service.link_incident(
        tx, problem_id=parse_id(id), incident_id=parse_id(incident_id, field="incidentId"),
        actor=info.context.actor.actor), _saved)


