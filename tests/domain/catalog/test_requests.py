"""Service requests: validated against the item's form, approved (never by the requester), fulfilled
through tasks for people or teams, tracked to completion; bad input changes nothing."""

import pytest
from sqlalchemy import func, select

from domain.catalog.models import RequestTask, ServiceRequest
from domain.catalog.service import ItemDraft, complete_task, create_item, decide_request, raise_request
from domain.errors import Conflict, Forbidden, ValidationFailed
from tests.domain.changes.helpers import user_id

LAPTOP = {"type": "object", "required": ["model"], "additionalProperties": False,
          "properties": {"model": {"enum": ["13-inch", "15-inch"]}, "quantity": {"type": "integer", "minimum": 1}}}


async def _item(db, tenant, *, approvals=1, tasks=None):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await create_item(tx, draft=ItemDraft(
            name="Laptop", category="Hardware", form_schema=LAPTOP, approvals_needed=approvals, fulfilment_minutes=60,
            tasks=tasks if tasks is not None else [{"title": "Order it", "team": "IT"}, {"title": "Hand it over"}]),
            actor="admin")


async def _raise(db, tenant, item, answers, requester):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await raise_request(tx, item_id=item.id, answers=answers, requester_id=requester, actor="me")


async def _tasks(db, tenant, request):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return list(await tx.session.scalars(select(RequestTask).where(RequestTask.request_id == request.id)
                                             .order_by(RequestTask.position)))


async def test_answers_that_break_the_form_are_refused_and_nothing_is_raised(db, make_tenant):
    tenant = await make_tenant()
    item = await _item(db, tenant)

    with pytest.raises(ValidationFailed) as refused:
        await _raise(db, tenant, item, {"model": "17-inch"}, tenant.admin_user_id)

    assert refused.value.message == "Answer model: '17-inch' is not one of ['13-inch', '15-inch']"
    assert refused.value.field == "answers"
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert await tx.session.scalar(select(func.count()).select_from(ServiceRequest)) == 0


async def test_a_request_is_approved_then_fulfilled_task_by_task(db, make_tenant, add_member):
    tenant = await make_tenant()
    item = await _item(db, tenant)
    requester = await user_id(db, tenant, await add_member(tenant, ["viewer"]))
    request = await _raise(db, tenant, item, {"model": "13-inch", "quantity": 1}, requester)

    with pytest.raises(Forbidden) as own:
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await decide_request(tx, request_id=request.id, approver_id=requester, decision="approve", comment="",
                                 actor="me")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        approved = await decide_request(tx, request_id=request.id, approver_id=tenant.admin_user_id,
                                        decision="approve", comment="ok", actor="admin")
    tasks = await _tasks(db, tenant, request)
    states = []
    for task in tasks:
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            states.append((await complete_task(tx, task_id=task.id, user_id=None, can_manage=True,
                                               actor="admin")).state)

    assert (request.state, own.value.code, approved.state) == ("awaiting_approval", "SELF_APPROVAL", "in_fulfilment")
    assert [(t.title, t.team) for t in tasks] == [("Order it", "IT"), ("Hand it over", None)]
    assert states == ["in_fulfilment", "fulfilled"]


async def test_only_the_assignee_or_a_manager_completes_a_task_and_only_once(db, make_tenant, add_member):
    tenant = await make_tenant()
    alice = await user_id(db, tenant, await add_member(tenant, ["responder"]))
    item = await _item(db, tenant, approvals=0, tasks=[{"title": "Set up", "assignee_id": str(alice)}])
    request = await _raise(db, tenant, item, {"model": "15-inch"}, tenant.admin_user_id)
    [task] = await _tasks(db, tenant, request)

    with pytest.raises(Forbidden):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await complete_task(tx, task_id=task.id, user_id=tenant.admin_user_id, can_manage=False, actor="x")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        done = await complete_task(tx, task_id=task.id, user_id=alice, can_manage=False, actor="alice")
    with pytest.raises(Conflict, match="done already"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await complete_task(tx, task_id=task.id, user_id=alice, can_manage=False, actor="alice")

    assert (request.state, done.state) == ("in_fulfilment", "fulfilled")
    assert done.due_at is not None


async def test_a_rejection_rejects_and_a_form_must_be_a_json_schema(db, make_tenant):
    tenant = await make_tenant()
    item = await _item(db, tenant, approvals=2)
    request = await _raise(db, tenant, item, {"model": "13-inch"}, None)

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        rejected = await decide_request(tx, request_id=request.id, approver_id=tenant.admin_user_id,
                                        decision="reject", comment="no budget", actor="admin")
    with pytest.raises(ValidationFailed, match="not a valid JSON Schema"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await create_item(tx, draft=ItemDraft(name="Bad", category="X", form_schema={"type": 5}), actor="a")

    assert rejected.state == "rejected"


async def test_an_open_request_past_its_due_time_is_marked_overdue_once(db, make_tenant):
    from datetime import timedelta

    from domain import clock
    from domain.catalog.service import breach_overdue_requests

    tenant = await make_tenant()
    item = await _item(db, tenant)  # fulfilled within 60 minutes
    request = await _raise(db, tenant, item, {"model": "13-inch"}, None)

    with clock.clock_at(request.due_at + timedelta(minutes=5)):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            first = [r.id for r in await breach_overdue_requests(tx)]
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            again = await breach_overdue_requests(tx)
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            stored = await tx.session.get(ServiceRequest, request.id)

    assert (first, again, stored.breached_at) == ([request.id], [], request.due_at)
