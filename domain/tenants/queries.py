"""Read side of tenants."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.tenants.models import Tenant

if TYPE_CHECKING:
    from atlas.db import Transaction


async def active_tenant_ids(tx: Transaction) -> list[uuid.UUID]:
    """Ids of every active tenant, oldest first (for per-tenant background work)."""
    rows = await tx.session.scalars(
        select(Tenant.id).where(Tenant.status == "active").order_by(Tenant.created_at, Tenant.id)
    )
    return list(rows)


async def tenant_by_slug(tx: Transaction, slug: str) -> Tenant | None:
    """The tenant with this slug, or None."""
    return await tx.session.scalar(select(Tenant).where(Tenant.slug == slug.lower()))
