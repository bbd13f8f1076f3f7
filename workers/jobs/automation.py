"""Automation jobs: move a run on, start the workflows an event triggers, expire leases and approvals."""

from __future__ import annotations

import uuid

from domain.automation import engine
from domain.automation.agents import expire_leases
from domain.automation.approvals import expire_approvals
from domain.automation.triggers import fire_schedules, trigger_workflows
from domain.ports import Runtime
from domain.tenants.queries import active_tenant_ids


async def automation_advance(ctx: dict, *, tenant_id: str, run_id: str) -> str:
    """Move one run on as far as it can go now (safe to run twice: each step's state is persisted)."""
    runtime: Runtime = ctx["runtime"]
    return await engine.advance(runtime, tenant_id=uuid.UUID(tenant_id), run_id=uuid.UUID(run_id),
                                job_id=ctx.get("job_id") or f"direct:{uuid.uuid4()}")


async def workflow_trigger(ctx: dict, *, tenant_id: str, event: str, subject_id: str) -> int:
    """Start the runs of the workflows listening to ``event`` about ``subject_id``; returns how many."""
    runtime: Runtime = ctx["runtime"]
    key = ctx.get("job_id") or f"{event}:{subject_id}"
    async with runtime.db.transaction(tenant_id=uuid.UUID(tenant_id)) as tx:
        runs = await trigger_workflows(tx, event=event, subject_id=uuid.UUID(subject_id), trigger_key=key)
    return len(runs)


async def automation_tick(ctx: dict) -> dict[str, int]:
    """For every tenant: requeue or fail agent steps whose lease expired, reject expired approvals, fire schedules."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.db.transaction(tenant_id=None) as tx:
        tenants = await active_tenant_ids(tx)
    leases = approvals = scheduled = 0
    for tenant_id in tenants:
        async with runtime.db.transaction(tenant_id=tenant_id) as tx:
            leases += await expire_leases(tx)
            approvals += await expire_approvals(tx)
            scheduled += await fire_schedules(tx)
    return {"tenants": len(tenants), "leases": leases, "approvals": approvals, "scheduled": scheduled}
