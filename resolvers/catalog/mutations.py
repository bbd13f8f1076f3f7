"""Catalog mutations: decode input, call one domain function, map the result."""

from __future__ import annotations

import strawberry

from domain.catalog import service
from resolvers.catalog.types import CatalogItem, ServiceRequest
from resolvers.changes.types import VoteDecision
from resolvers.errors import mutate, payload_union
from resolvers.ids import parse_id


@strawberry.input
class FulfilmentTaskInput:
    title: str
    assignee_id: strawberry.ID | None = None
    team: str | None = None


@strawberry.input(description="A catalog item: its form is a JSON Schema describing an object.")
class CatalogItemInput:
    name: str
    category: str
    description: str = ""
    form_schema: strawberry.scalars.JSON = strawberry.field(default_factory=lambda: {"type": "object"})
    approvals_needed: int = 0
    tasks: list[FulfilmentTaskInput] = strawberry.field(default_factory=list)
    fulfilment_minutes: int | None = None


@strawberry.type
class CatalogItemSaved:
    item: CatalogItem


@strawberry.type
class ServiceRequestSaved:
    request: ServiceRequest


CatalogItemPayload = payload_union("CatalogItemPayload", CatalogItemSaved)
ServiceRequestPayload = payload_union("ServiceRequestPayload", ServiceRequestSaved)


def _saved(request) -> ServiceRequestSaved:
    return ServiceRequestSaved(request=ServiceRequest.from_model(request))


async def create_catalog_item(info: strawberry.Info, input: CatalogItemInput) -> CatalogItemPayload:
    """Add an item to the service catalog."""
    draft = service.ItemDraft(
        name=input.name, category=input.category, description=input.description,
        form_schema=input.form_schema if isinstance(input.form_schema, dict) else {"type": "invalid"},
        approvals_needed=input.approvals_needed, fulfilment_minutes=input.fulfilment_minutes,
        tasks=[{"title": t.title, "team": t.team,
                "assignee_id": str(parse_id(t.assignee_id, field="tasks")) if t.assignee_id else None}
               for t in input.tasks])
    return await mutate(info, lambda tx: service.create_item(tx, draft=draft, actor=info.context.actor.actor),
                        lambda item: CatalogItemSaved(item=CatalogItem.from_model(item)))


async def raise_service_request(info: strawberry.Info, item_id: strawberry.ID,
                                answers: strawberry.scalars.JSON) -> ServiceRequestPayload:
    """Request a catalog item; the answers are checked against its form."""
    principal = info.context.actor
    return await mutate(info, lambda tx: service.raise_request(
        tx, item_id=parse_id(item_id, field="itemId"), answers=answers if isinstance(answers, dict) else {"": answers},
        requester_id=principal.user_id, actor=principal.actor), _saved)


async def decide_service_request(info: strawberry.Info, id: strawberry.ID, decision: VoteDecision,
                                 comment: str = "") -> ServiceRequestPayload:
    """Approve or reject a request waiting for approval."""
    principal = info.context.actor
    return await mutate(info, lambda tx: service.decide_request(
        tx, request_id=parse_id(id), approver_id=principal.user_id, decision=decision.value, comment=comment,
        actor=principal.actor), _saved)


async def complete_request_task(info: strawberry.Info, task_id: strawberry.ID) -> ServiceRequestPayload:
    """Mark a fulfilment task done (its assignee, or a catalog manager)."""
    principal = info.context.actor
    return await mutate(info, lambda tx: service.complete_task(
        tx, task_id=parse_id(task_id, field="taskId"), user_id=principal.user_id,
        can_manage=principal.can("catalog.manage"), actor=principal.actor), _saved)
