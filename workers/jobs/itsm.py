"""ITSM jobs: the once-a-minute tick that lapses unstarted approvals, drives SLA timers and marks overdue
service requests."""

from __future__ import annotations

import logging
import uuid

from domain.catalog.service import breach_overdue_requests
from domain.changes.workflow import lapse_approvals
from domain.ports import Runtime
from domain.sla.timers import tick as sla_tick
from domain.tenants.queries import active_tenant_ids

log = logging.getLogger("atlas.itsm")


async def itsm_tick(ctx: dict) -> dict[str, int]:
    """For every active tenant: lapse approvals whose window passed unstarted, then tick its SLA timers."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.db.transaction(tenant_id=None) as tx:
        tenants = await active_tenant_ids(tx)
    totals = {"tenants": len(tenants), "lapsed": 0, "warned": 0, "breached": 0}
    for tenant_id in tenants:
        done = await itsm_tick_tenant(ctx, str(tenant_id))
        for key in ("lapsed", "warned", "breached"):
            totals[key] += done[key]
    return totals


async def itsm_tick_tenant(ctx: dict, tenant_id: str) -> dict[str, int]:
    """One tenant's tick, each part in its own transaction (safe to run twice: what is recorded is recorded once)."""
    runtime: Runtime = ctx["runtime"]
    tenant = uuid.UUID(tenant_id)
    async with runtime.db.transaction(tenant_id=tenant) as tx:
        lapsed = len(await lapse_approvals(tx))
    async with runtime.db.transaction(tenant_id=tenant) as tx:
        result = await sla_tick(tx)
    async with runtime.db.transaction(tenant_id=tenant) as tx:
        overdue = len(await breach_overdue_requests(tx))
    return {"lapsed": lapsed, "warned": result.warned, "breached": result.breached + overdue}
