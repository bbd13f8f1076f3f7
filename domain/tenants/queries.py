"""Read side of tenants."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select

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
