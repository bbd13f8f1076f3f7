"""Catalog queries: thin wrappers over domain/catalog."""

from __future__ import annotations

import strawberry

from domain.catalog import queries
from domain.catalog.models import REQUEST_STATES
from domain.errors import NotFound, ValidationFailed
from resolvers.catalog.types import CatalogItem, ServiceRequest
from resolvers.ids import parse_id
from resolvers.pagination import Connection, connection


async def resolve_catalog_items(info: strawberry.Info) -> list[CatalogItem]:
    """The catalog: active items by category and name."""
    async with info.context.transaction() as tx:
        return [CatalogItem.from_model(i) for i in await queries.list_items(tx)]


async def resolve_service_requests(info: strawberry.Info, states: list[str] | None = None, mine: bool = False,
                                   first: int | None = 50, after: str | None = None) -> Connection[ServiceRequest]:
    """Requests newest first (``mine``: only the caller's)."""
    if any(s not in REQUEST_STATES for s in states or ()):
        raise ValidationFailed(f"states are among {', '.join(REQUEST_STATES)}.", field="states")
    requester = info.context.actor.user_id if mine else None
    async with info.context.transaction() as tx:
        page = await queries.list_requests(tx, states=tuple(states or ()), requester_id=requester, first=first,
                                           after=after)
    return connection(page, ServiceRequest.from_model)


async def resolve_service_request(info: strawberry.Info, id: strawberry.ID) -> ServiceRequest | None:
    async with info.context.transaction() as tx:
        try:
            return ServiceRequest.from_model(await queries.get_request(tx, parse_id(id)))
        except NotFound:
            return None
