"""GraphQL types for the service catalog and requests; tasks and item names go through DataLoaders."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from domain.catalog import queries
from domain.catalog.models import CatalogItem as ItemModel
from domain.catalog.models import RequestTask as TaskModel
from domain.catalog.models import ServiceRequest as RequestModel
from resolvers.loaders import loader


@strawberry.type(description="A fulfilment step: its title and who does it (a person or a team).")
class FulfilmentTaskTemplate:
    title: str
    assignee_id: strawberry.ID | None
    team: str | None


@strawberry.type(description="Something people can request from the catalog.")
class CatalogItem:
    id: strawberry.ID
    name: str
    category: str
    description: str
    form_schema: strawberry.scalars.JSON = strawberry.field(description="The request form, as JSON Schema.")
    approvals_needed: int
    tasks: list[FulfilmentTaskTemplate]
    fulfilment_minutes: int | None

    @classmethod
    def from_model(cls, i: ItemModel) -> CatalogItem:
        return cls(id=strawberry.ID(str(i.id)), name=i.name, category=i.category, description=i.description,
                   form_schema=i.form_schema, approvals_needed=i.approvals_needed,
                   fulfilment_minutes=i.fulfilment_minutes,
                   tasks=[FulfilmentTaskTemplate(title=t["title"], team=t.get("team"),
                                                 assignee_id=strawberry.ID(t["assignee_id"]) if t.get("assignee_id")
                                                 else None) for t in i.tasks])


@strawberry.type(description="One fulfilment task of a request.")
class RequestTask:
    id: strawberry.ID
    title: str
    assignee_id: strawberry.ID | None
    team: str | None
    state: str = strawberry.field(description="`open` or `done`.")
    done_by: str | None
    done_at: datetime | None

    @classmethod
    def from_model(cls, t: TaskModel) -> RequestTask:
        return cls(id=strawberry.ID(str(t.id)), title=t.title, team=t.team, state=t.state, done_by=t.done_by,
                   done_at=t.done_at, assignee_id=strawberry.ID(str(t.assignee_id)) if t.assignee_id else None)


@strawberry.type(description="An approval decision on a request.")
class RequestApproval:
    by: str
    decision: str
    comment: str
    at: datetime


@strawberry.type(description="A request for a catalog item, tracked to completion.")
class ServiceRequest:
    id: strawberry.ID
    reference: str
    item_id: strawberry.ID
    answers: strawberry.scalars.JSON
    state: str = strawberry.field(description="awaiting_approval, rejected, in_fulfilment, fulfilled, cancelled.")
    requested_by: str
    approvals: list[RequestApproval]
    due_at: datetime | None
    breached_at: datetime | None = strawberry.field(description="When it became overdue (its due time).")
    fulfilled_at: datetime | None
    created_at: datetime
    version: int

    @classmethod
    def from_model(cls, r: RequestModel) -> ServiceRequest:
        return cls(id=strawberry.ID(str(r.id)), reference=r.reference, item_id=strawberry.ID(str(r.item_id)),
                   answers=r.answers, state=r.state, requested_by=r.requested_by, due_at=r.due_at,
                   breached_at=r.breached_at,
                   fulfilled_at=r.fulfilled_at, created_at=r.created_at, version=r.version,
                   approvals=[RequestApproval(by=a["by"], decision=a["decision"], comment=a["comment"],
                                              at=datetime.fromisoformat(a["at"])) for a in r.approvals])

    @strawberry.field(description="The catalog item's name.")
    async def item_name(self, info: strawberry.Info) -> str | None:
        item = await loader(info, queries.items_by_ids).load(uuid.UUID(str(self.item_id)))
        return item.name if item else None

    @strawberry.field(description="Its fulfilment tasks, in order.")
    async def tasks(self, info: strawberry.Info) -> list[RequestTask]:
        rows = await loader(info, queries.tasks_by_request).load(uuid.UUID(str(self.id)))
        return [RequestTask.from_model(t) for t in rows]
