"""The AI pipeline's jobs on the AI queue (``atlas:ai``): the alerting engine queues ``ai_pipeline`` for each new
incident (and ``createIncident`` for one opened by hand); each step then queues the next through the outbox as
``ai_pipeline_step``; a remediation run that succeeds queues verification again, deferred until it settled.
A failed step retries with backoff, then says why on the incident's timeline."""

from __future__ import annotations

import uuid

from arq import Retry

from domain.ai.pipeline.service import run_step
from domain.ports import Runtime

MAX_TRIES = 4


def _backoff(job_try: int) -> float:
    return min(60.0, 2.0 ** job_try)


async def ai_pipeline_step(ctx: dict, *, tenant_id: str, incident_id: str, step: str) -> dict:
    """Run one step (idempotent: a step whose wanted run is complete does nothing)."""
    runtime: Runtime = ctx["runtime"]
    job_try = ctx.get("job_try", 1)
    try:
        done = await run_step(db=runtime.db, gateway=runtime.ai, tenant_id=uuid.UUID(tenant_id),
                              incident_id=uuid.UUID(incident_id), step=step, final_attempt=job_try >= MAX_TRIES,
                              settle_seconds=runtime.settings.ai_verify_settle_seconds,
                              hold_minutes=runtime.settings.ai_verify_hold_minutes)
    except Exception as exc:
        if job_try < MAX_TRIES:
            raise Retry(defer=_backoff(job_try)) from exc
        raise
    return {"outcome": done.outcome, "step": done.step, "run": done.run}


async def ai_pipeline(ctx: dict, *, tenant_id: str, incident_id: str) -> dict:
    """The pipeline for a new incident: its first step, RCA (the rest follow, one job each)."""
    return await ai_pipeline_step(ctx, tenant_id=tenant_id, incident_id=incident_id, step="rca")
