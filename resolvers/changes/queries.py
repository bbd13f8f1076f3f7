"""Change queries: thin wrappers over domain/changes."""

from __future__ import annotations

import strawberry

from domain.changes import queries
from domain.changes.policy import change_policy
from domain.errors import NotFound
from resolvers.changes.inputs import ChangeFilterInput
from resolvers.changes.types import Change, ChangePolicy
from resolvers.ids import parse_id
from resolvers.pagination import Connection, connection


async def resolve_changes(info: strawberry.Info, filter: ChangeFilterInput | None = None, first: int | None = 50,
                          after: str | None = None) -> Connection[Change]:
    """Changes, newest first; with a window filter, by planned start (the change calendar)."""
    async with info.context.transaction() as tx:
        page = await queries.list_changes(tx, filter=filter.to_domain() if filter else None, first=first,
                                          after=after)
    return connection(page, Change.from_model)


async def resolve_change(info: strawberry.Info, id: strawberry.ID) -> Change | None:
    """One change, or null."""
    async with info.context.transaction() as tx:
        try:
            return Change.from_model(await queries.get_change(tx, parse_id(id)))
        except NotFound:
            return None


async def resolve_change_policy(info: strawberry.Info) -> ChangePolicy:
    """The tenant's change policy (the defaults until it saves one)."""
    async with info.context.transaction() as tx:
        return ChangePolicy.from_model(await change_policy(tx))
