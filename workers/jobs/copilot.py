"""Copilot jobs: keep conversations within their retention (ATLAS_COPILOT_RETENTION_DAYS)."""

from __future__ import annotations

from domain.copilot import service as copilot
from domain.ports import Runtime
from workers.jobs.housekeeping import prune_each_tenant


async def prune_copilot_conversations(ctx: dict, tenant_id: str | None = None) -> int:
    """Delete conversations untouched for longer than the retention, for one tenant or all; how many."""
    runtime: Runtime = ctx["runtime"]
    return await prune_each_tenant(runtime, tenant_id, copilot.prune, days=runtime.settings.copilot_retention_days)


async def prune_all_copilot_conversations(ctx: dict) -> int:
    """Cron entry point: prune every tenant."""
    return await prune_copilot_conversations(ctx)
