"""The catalog portal: a form built from the item's JSON Schema, a bad answer refused in place, a request
approved and fulfilled from its tracking page; the problem list."""

from __future__ import annotations

from domain.catalog.service import ItemDraft, create_item
from domain.problems.service import create_problem
from tests.console.html import one, text, texts

FORM = {"type": "object", "required": ["model"],
        "properties": {"model": {"enum": ["13-inch", "15-inch"], "title": "Model"},
                       "quantity": {"type": "integer", "minimum": 1}, "urgent": {"type": "boolean"}}}


async def _laptop(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await create_item(tx, draft=ItemDraft(name="Laptop", category="Hardware", form_schema=FORM,
                                                     approvals_needed=1, tasks=[{"title": "Order it", "team": "IT"}]),
                                 actor="admin")


async def test_a_request_raised_from_the_portal_is_approved_and_fulfilled(owner, db, add_member, signed_in):
    item = await _laptop(db, owner.tenant)
    requester = await signed_in(await add_member(owner.tenant, ["viewer"]))

    portal = await requester.get("/console/catalog")
    bad = await requester.post(f"/console/catalog/{item.id}", {"answer.model": "13-inch", "answer.quantity": "0"})
    raised = await requester.post(f"/console/catalog/{item.id}", {"answer.model": "13-inch", "answer.quantity": "2",
                                                                  "answer.urgent": "yes"})
    tracking = raised.headers["location"]
    approved = await owner.post(f"{tracking}/decide", {"decision": "approve", "comment": "ok"})
    task_id = one(approved.text, '#request-tasks li[id^="task-"]')["id"].removeprefix("task-")
    fulfilled = await owner.post(f"{tracking}/tasks/{task_id}")

    assert texts(portal.text, f"#item-{item.id} label") == ["Model *", "quantity", "urgent"]
    assert bad.status_code == 400 and "Answer quantity: 0 is less than the minimum of 1" in bad.text
    assert raised.status_code == 303
    assert text(one(approved.text, "#request-state")) == "in fulfilment"
    assert text(one(fulfilled.text, "#request-state")) == "fulfilled"


async def test_the_problem_list_shows_root_causes(owner, db):
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        problem = await create_problem(tx, title="Disk fills up", actor="t")

    page = await owner.get("/console/problems")

    assert page.status_code == 200
    assert text(one(page.text, f"#problem-{problem.id} td:nth-child(2)")) == "Disk fills up"
