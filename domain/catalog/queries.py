"""The read side of the catalog: items, requests a page at a time, and tasks for loaders."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.catalog.models import CatalogItem, RequestTask, ServiceRequest
from domain.errors import NotFound
from domain.pagination import Page, paginate

if TYPE_CHECKING:
    from domain.uow import Transaction


async def list_items(tx: Transaction) -> list[CatalogItem]:
    """Active items by category and name."""
    return list(await tx.session.scalars(select(CatalogItem).where(
        CatalogItem.tenant_id == tx.tenant_id, CatalogItem.active).order_by(CatalogItem.category, CatalogItem.name)))


async def get_item(tx: Transaction, item_id: uuid.UUID) -> CatalogItem:
    found = await tx.session.scalar(select(CatalogItem).where(
        CatalogItem.tenant_id == tx.tenant_id, CatalogItem.id == item_id))
    if found is None:
        raise NotFound("No such catalog item.")
    return found


async def list_requests(tx: Transaction, *, states: tuple[str, ...] = (), requester_id: uuid.UUID | None = None,
                        first: int | None, after: str | None) -> Page[ServiceRequest]:
    """Requests newest first, optionally in some states or of one requester."""
    query = select(ServiceRequest).where(ServiceRequest.tenant_id == tx.tenant_id)
    if states:
        query = query.where(ServiceRequest.state.in_(states))
    if requester_id is not None:
        query = query.where(ServiceRequest.requester_id == requester_id)
    return await paginate(tx.session, query, order=[ServiceRequest.created_at, ServiceRequest.id], first=first,
                          after=after, descending=True)


async def get_request(tx: Transaction, request_id: uuid.UUID) -> ServiceRequest:
    found = await tx.session.scalar(select(ServiceRequest).where(
        ServiceRequest.tenant_id == tx.tenant_id, ServiceRequest.id == request_id))
    if found is None:
        raise NotFound("No such request.")
    return found


async def tasks_by_request(tx: Transaction, request_ids: Sequence[uuid.UUID]) -> list[list[RequestTask]]:
    rows = await tx.session.scalars(select(RequestTask).where(
        RequestTask.tenant_id == tx.tenant_id, RequestTask.request_id.in_(request_ids)).order_by(RequestTask.position))
    found: dict[uuid.UUID, list[RequestTask]] = {}
    for task in rows:
        found.setdefault(task.request_id, []).append(task)
    return [found.get(request_id, []) for request_id in request_ids]


async def items_by_ids(tx: Transaction, item_ids: Sequence[uuid.UUID]) -> list[CatalogItem | None]:
    rows = {i.id: i for i in await tx.session.scalars(select(CatalogItem).where(
        CatalogItem.tenant_id == tx.tenant_id, CatalogItem.id.in_(item_ids)))}
    return [rows.get(item_id) for item_id in item_ids]
