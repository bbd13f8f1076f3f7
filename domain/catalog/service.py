"""Service catalog use cases: define items, raise requests validated against the item's form, approve
them, and fulfil them through tasks assigned to people or teams until the request is fulfilled.

A request for an item that needs approvals waits for that many approvals (one rejection rejects; the
requester never approves their own request); then the item's tasks are created in order and the
request is in fulfilment until every task is done. The fulfilment target (minutes, around the clock)
sets the request's due time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import jsonschema
from sqlalchemy import select, text

from domain import clock
from domain.catalog.models import CatalogItem, RequestTask, ServiceRequest
from domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from domain.incidents.service import check_member

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_TASKS = 30


@dataclass
class ItemDraft:
    name: str
    category: str
    description: str = ""
    form_schema: dict[str, Any] = field(default_factory=dict)
    approvals_needed: int = 0
    tasks: list[dict[str, Any]] = field(default_factory=list)  # [{"title", "assignee_id"?, "team"?}]
    fulfilment_minutes: int | None = None


def _schema(schema: dict[str, Any]) -> dict[str, Any]:
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ValidationFailed(f"The form is not a valid JSON Schema: {exc.message}", field="formSchema") from None
    if schema.get("type", "object") != "object":
        raise ValidationFailed("The form must describe an object (its fields).", field="formSchema")
    return schema


async def _tasks(tx: Transaction, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(tasks) > MAX_TASKS:
        raise ValidationFailed(f"At most {MAX_TASKS} fulfilment tasks.", field="tasks")
    cleaned = []
    for task in tasks:
        title = str(task.get("title") or "").strip()
        if not 1 <= len(title) <= 300:
            raise ValidationFailed("Each task needs a title of 1-300 characters.", field="tasks")
        assignee = task.get("assignee_id")
        await check_member(tx, uuid.UUID(str(assignee)) if assignee else None, field_name="tasks")
        cleaned.append({"title": title, "assignee_id": str(assignee) if assignee else None,
                        "team": (str(task.get("team") or "").strip() or None)})
    return cleaned


async def create_item(tx: Transaction, *, draft: ItemDraft, actor: str) -> CatalogItem:
    """Add an item to the catalog."""
    name, category = draft.name.strip(), draft.category.strip()
    if not 1 <= len(name) <= 200 or not 1 <= len(category) <= 100:
        raise ValidationFailed("An item needs a name (1-200) and a category (1-100 characters).", field="name")
    if not 0 <= draft.approvals_needed <= 10:
        raise ValidationFailed("approvalsNeeded must be 0-10.", field="approvalsNeeded")
    if draft.fulfilment_minutes is not None and not 1 <= draft.fulfilment_minutes <= 525_600:
        raise ValidationFailed("fulfilmentMinutes must be 1 minute to 1 year.", field="fulfilmentMinutes")
    if await tx.session.scalar(select(CatalogItem.id).where(CatalogItem.tenant_id == tx.tenant_id,
                                                            CatalogItem.name == name)):
        raise Conflict(f"The catalog has an item named {name!r} already.", field="name")
    item = CatalogItem(tenant_id=tx.tenant_id, id=uuid.uuid4(), name=name, category=category,
                       description=draft.description.strip()[:20_000], form_schema=_schema(draft.form_schema),
                       approvals_needed=draft.approvals_needed, tasks=await _tasks(tx, draft.tasks),
                       fulfilment_minutes=draft.fulfilment_minutes, created_by=actor)
    tx.session.add(item)
    await tx.session.flush()
    return item


def check_answers(schema: dict[str, Any], answers: dict[str, Any]) -> None:
    """Raise a validation error naming the first answer that breaks the item's form."""
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(answers), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "the form"
        raise ValidationFailed(f"Answer {where}: {errors[0].message}", field="answers")


async def _next_number(tx: Transaction) -> int:
    await tx.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('atlas:requests:' || :t))"),
                             {"t": str(tx.tenant_id)})
    last = await tx.session.scalar(text("SELECT max(number) FROM service_requests WHERE tenant_id = :t"),
                                   {"t": tx.tenant_id})
    return (last or 0) + 1


async def raise_request(tx: Transaction, *, item_id: uuid.UUID, answers: dict[str, Any],
                        requester_id: uuid.UUID | None, actor: str) -> ServiceRequest:
    """Ask for a catalog item; the answers must satisfy its form."""
    item = await tx.session.scalar(select(CatalogItem).where(
        CatalogItem.tenant_id == tx.tenant_id, CatalogItem.id == item_id, CatalogItem.active))
    if item is None:
        raise NotFound("No such catalog item.", field="itemId")
    check_answers(item.form_schema, answers)
    now = clock.now()
    request = ServiceRequest(
        tenant_id=tx.tenant_id, id=uuid.uuid4(), number=await _next_number(tx), item_id=item.id, answers=answers,
        state="awaiting_approval" if item.approvals_needed else "in_fulfilment", requester_id=requester_id,
        requested_by=actor, created_at=now, updated_at=now,
        due_at=now + timedelta(minutes=item.fulfilment_minutes) if item.fulfilment_minutes else None)
    tx.session.add(request)
    await tx.session.flush()
    if not item.approvals_needed:
        await _start_fulfilment(tx, request, item)
    return request


async def _start_fulfilment(tx: Transaction, request: ServiceRequest, item: CatalogItem) -> None:
    request.state = "in_fulfilment"
    for position, task in enumerate(item.tasks):
        tx.session.add(RequestTask(tenant_id=tx.tenant_id, request_id=request.id, position=position,
                                   title=task["title"], team=task.get("team"),
                                   assignee_id=uuid.UUID(task["assignee_id"]) if task.get("assignee_id") else None))
    await tx.session.flush()
    if not item.tasks:
        request.state, request.fulfilled_at = "fulfilled", clock.now()


async def locked_request(tx: Transaction, request_id: uuid.UUID) -> ServiceRequest:
    found = await tx.session.scalar(select(ServiceRequest).where(
        ServiceRequest.tenant_id == tx.tenant_id, ServiceRequest.id == request_id).with_for_update())
    if found is None:
        raise NotFound("No such request.")
    return found


async def decide_request(tx: Transaction, *, request_id: uuid.UUID, approver_id: uuid.UUID | None,
                         decision: str, comment: str, actor: str) -> ServiceRequest:
    """Approve or reject a request waiting for approval (never one's own; once per approver)."""
    if decision not in ("approve", "reject"):
        raise ValidationFailed("decision must be approve or reject.", field="decision")
    request = await locked_request(tx, request_id)
    if request.state != "awaiting_approval":
        raise Conflict(f"{request.reference} is {request.state.replace('_', ' ')}, not awaiting approval.",
                       field="id", code="NOT_AWAITING_APPROVAL")
    if approver_id is None or approver_id == request.requester_id:
        raise Forbidden(f"You raised {request.reference}; nobody approves their own request.", field="id",
                        code="SELF_APPROVAL")
    if any(a["approver_id"] == str(approver_id) for a in request.approvals):
        raise Conflict(f"You already decided on {request.reference}.", field="id", code="ALREADY_VOTED")
    request.approvals = [*request.approvals, {"approver_id": str(approver_id), "by": actor, "decision": decision,
                                              "comment": comment.strip()[:2000], "at": clock.now().isoformat()}]
    item = await tx.session.get(CatalogItem, request.item_id)
    if decision == "reject":
        request.state = "rejected"
    elif sum(a["decision"] == "approve" for a in request.approvals) >= item.approvals_needed:
        await _start_fulfilment(tx, request, item)
    request.version += 1
    request.updated_at = clock.now()
    return request


async def breach_overdue_requests(tx: Transaction) -> list[ServiceRequest]:
    """Open requests past their due time are marked breached, once each, and announced on the SLA channel."""
    overdue = list(await tx.session.scalars(select(ServiceRequest).where(
        ServiceRequest.tenant_id == tx.tenant_id, ServiceRequest.state.in_(("awaiting_approval", "in_fulfilment")),
        ServiceRequest.breached_at.is_(None), ServiceRequest.due_at <= clock.now()).with_for_update(skip_locked=True)))
    for request in overdue:
        request.breached_at = request.due_at
        tx.emit(f"atlas:sla:{tx.tenant_id}", {"tenant_id": str(tx.tenant_id), "request_id": str(request.id),
                                              "kind": "request_breached", "at": request.due_at.isoformat()})
    return overdue


async def complete_task(tx: Transaction, *, task_id: uuid.UUID, user_id: uuid.UUID | None, can_manage: bool,
                        actor: str) -> ServiceRequest:
    """Mark a fulfilment task done (its assignee or a catalog manager); the last one fulfils the request."""
    task = await tx.session.scalar(select(RequestTask).where(
        RequestTask.tenant_id == tx.tenant_id, RequestTask.id == task_id))
    if task is None:
        raise NotFound("No such task.")
    request = await locked_request(tx, task.request_id)
    if not can_manage and (task.assignee_id is None or task.assignee_id != user_id):
        raise Forbidden("Only the task's assignee or a catalog manager completes it.", field="id")
    if task.state == "done":
        raise Conflict(f"That task of {request.reference} is done already.", field="id")
    task.state, task.done_by, task.done_at = "done", actor, clock.now()
    await tx.session.flush()
    open_tasks = await tx.session.scalar(text(
        "SELECT count(*) FROM request_tasks WHERE tenant_id = :t AND request_id = :r AND state = 'open'"),
        {"t": tx.tenant_id, "r": request.id})
    if not open_tasks:
        request.state, request.fulfilled_at = "fulfilled", clock.now()
    request.version += 1
    request.updated_at = clock.now()
    return request
