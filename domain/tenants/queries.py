from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from domain.members.models import Membership
from domain.pagination import Page, paginate
from domain.tenants.models import Tenant

if TYPE_CHECKING:
    from domain.uow import Transaction


async def active_tenant_ids(tx: Transaction) -> list[uuid.UUID]:
    """Ids of every active tenant, oldest first (for per-tenant background work)."""
    rows = await tx.session.scalars(
        select(Tenant.id).where(Tenant.status == "active").order_by(Tenant.created_at, Tenant.id)
    )
    return list(rows)


async def tenant_by_id(tx: Transaction, tenant_id: uuid.UUID) -> Tenant | None:
    """The tenant with this id, or None."""
    return await tx.session.get(Tenant, tenant_id)


async def tenant_by_slug(tx: Transaction, slug: str) -> Tenant | None:
    """The tenant with this slug, or None."""
    return await tx.session.scalar(select(Tenant).where(Tenant.slug == slug.lower()))


async def tenant_by_ref(tx: Transaction, ref: str) -> Tenant | None:
    """The tenant named by slug or by id, or None."""
    ref = (ref or "").strip()
    try:
        return await tx.session.get(Tenant, uuid.UUID(ref))
    except ValueError:
        return await tenant_by_slug(tx, ref)


async def list_tenants(
    tx: Transaction, *, status: str | None = None, search: str | None = None,
    first: int | None = None, after: str | None = None,
) -> Page[Tenant]:
    """Every tenant (platform view), newest first, optionally filtered by status and text."""
    query = select(Tenant)
    if status:
        query = query.where(Tenant.status == status)
    if search:
        pattern = "%" + search.strip().replace("%", r"\%").replace("_", r"\_") + "%"
        query = query.where(Tenant.slug.ilike(pattern) | Tenant.name.ilike(pattern))
    return await paginate(tx.session, query, order=[Tenant.created_at, Tenant.id], first=first, after=after,
                          descending=True)


@dataclass(frozen=True)
class TenantMembership:
    """One tenant a user belongs to, with their roles there."""

    tenant: Tenant
    roles: tuple[str, ...]


async def tenants_of_user(tx: Transaction, *, user_id: uuid.UUID) -> list[TenantMembership]:
    """Every active tenant ``user_id`` is a member of (for sign-in and the tenant switcher)."""
    await tx.session.execute(text("SELECT set_config('app.user_id', :u, true)"), {"u": str(user_id)})
    rows = await tx.session.execute(
        select(Tenant, Membership.roles).join(Membership, Membership.tenant_id == Tenant.id)
        .where(Membership.user_id == user_id, Tenant.status == "active").order_by(Tenant.name)
    )
    return [TenantMembership(tenant, tuple(roles)) for tenant, roles in rows]
