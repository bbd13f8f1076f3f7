from __future__ import annotations

import strawberry

from domain.apikeys.service import list_api_keys
from resolvers.apikeys.types import ApiKey
from resolvers.pagination import Connection, connection


async def resolve_api_keys(
    info: strawberry.Info, first: int | None = 50, after: str | None = None, include_revoked: bool = False
) -> Connection[ApiKey]:
    """The tenant's API keys, newest first, with last-used times."""
    async with info.context.transaction() as tx:
        page = await list_api_keys(tx, include_revoked=include_revoked, first=first, after=after)
    return connection(page, ApiKey.from_model)
