"""Building changes, people and a small CMDB for change tests."""

from datetime import timedelta

from sqlalchemy import select

from domain import clock
from domain.changes.service import ChangeDraft, create_change
from domain.changes.workflow import transition_change
from domain.members.models import User
from tests.domain.cmdb.helpers import build

SHOP = ({"web": "application_service", "checkout": "application_service", "payments": "application_service",
         "payments-db": "database", "search": "application_service"},
        [("web", "depends_on", "checkout"), ("checkout", "depends_on", "payments"),
         ("payments", "depends_on", "payments-db")])


async def shop(db, make_tenant):
    tenant = await make_tenant()
    return tenant, await build(db, tenant, *SHOP)


async def user_id(db, tenant, email):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await tx.session.scalar(select(User.id).where(User.email == email))


def window(hours_from_now: float = 48, length: float = 2):
    start = clock.now() + timedelta(hours=hours_from_now)
    return start, start + timedelta(hours=length)


async def raise_change(db, tenant, *, ci_ids, type="normal", title="Upgrade payments", requester=None,
                       start_end=None, backout="Roll back the release"):
    start, end = start_end or window()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        change = await create_change(tx, draft=ChangeDraft(
            title=title, type=type, ci_ids=list(ci_ids), planned_start=start, planned_end=end, backout_plan=backout),
            requester_id=requester or tenant.admin_user_id, actor="requester@example.com")
    return change


async def move(db, tenant, change_id, *states):
    for to in states:
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            change = await transition_change(tx, change_id=change_id, to=to, actor="manager@example.com")
    return change
