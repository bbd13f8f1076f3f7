"""Telemetry retention: whole partitions go once no plan keeps them; shorter plans are purged per tenant.

Partitions are shared by all tenants (pool model), so a day's partition can only be dropped when
it is older than the longest retention of any plan. Tenants on shorter plans lose their older
rows by a per-tenant DELETE (bounded by partition pruning to the days concerned).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from domain.billing.entitlements import current_entitlements
from domain.billing.plans import PLANS
from domain.tenants.models import Tenant
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction, UnitOfWork

TIME_COLUMNS = {"events": "occurred_at", "log_records": "ts", "metric_points": "ts", "spans": "start_time"}


def longest_retention() -> int:
    return max(plan.limits["retention_days"] for plan in PLANS.values())


def partition_cutoff(today: date) -> date:
    """Partitions ending on or before this day are past every plan's retention."""
    return today - timedelta(days=longest_retention())


async def forget_event_keys(db: UnitOfWork, *, before: datetime) -> int:
    """Every tenant's event ids first seen before ``before`` leave the dedup window; returns how many."""
    from sqlalchemy import select

    from domain.telemetry.ingest import forget_event_keys as forget

    async with db.transaction(tenant_id=None) as tx:
        tenants = list(await tx.session.scalars(select(Tenant.id)))
    forgotten = 0
    for tenant_id in tenants:
        async with db.transaction(tenant_id=tenant_id) as tx:
            forgotten += await forget(tx, older_than=before)
    return forgotten


async def purge_expired(db: UnitOfWork, *, today: date) -> int:
    """Delete each tenant's rows older than the retention of its entitlements in force; return how many went."""
    from sqlalchemy import select

    async with db.transaction(tenant_id=None) as tx:
        tenants = list(await tx.session.scalars(select(Tenant.id)))
    purged = 0
    for tenant_id in tenants:
        async with db.transaction(tenant_id=tenant_id) as tx:
            purged += await _purge_tenant(tx, tenant_id, today=today)
    return purged


async def _purge_tenant(tx: Transaction, tenant_id, *, today: date) -> int:
    tenant = await tx.session.get(Tenant, tenant_id)
    days = int((await current_entitlements(tx, tenant))["limits"]["retention_days"])
    if days >= longest_retention():
        return 0
    cutoff = datetime.combine(today - timedelta(days=days), time(), tzinfo=UTC)
    purged = 0
    for table, column in TIME_COLUMNS.items():
        rows = await fetch_sql(tx.session, f"WITH gone AS (DELETE FROM {table} WHERE tenant_id = $1 "
                               f"AND {column} < $2 RETURNING 1) SELECT count(*) AS n FROM gone", tenant_id, cutoff)
        purged += rows[0]["n"]
    return purged
