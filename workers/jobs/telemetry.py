"""Telemetry jobs: hand ingested events to their consumers; keep partitions and retention."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from domain import clock
from domain.alerting.evaluation import evaluate_ingested
from domain.ports import Runtime
from domain.telemetry import ingest, partitions, pipeline, retention


async def telemetry_ingested(ctx: dict, tenant_id: str, times: list[datetime], ids: list[int]) -> dict[str, int]:
    """Deliver a stored batch of events (keys packed by ``pipeline.job_arguments``) to the consumers."""
    runtime: Runtime = ctx["runtime"]
    return await evaluate_ingested(runtime.db, tenant_id=uuid.UUID(tenant_id), keys=pipeline.keys_from_job(times, ids))


async def maintain_partitions(ctx: dict) -> dict[str, int]:
    """Create partitions for the next days; drop those past every plan's retention; purge per tenant; forget
    event ids past the dedup window."""
    runtime: Runtime = ctx["runtime"]
    today = clock.now().date()
    async with runtime.db.transaction(tenant_id=None) as tx:
        made = await partitions.ensure_partitions(tx.session, first=today - timedelta(days=1),
                                                  last=today + timedelta(days=3))
        dropped = await partitions.drop_partitions_before(tx.session, cutoff=retention.partition_cutoff(today))
    purged = await retention.purge_expired(runtime.db, today=today)
    forgotten = await retention.forget_event_keys(runtime.db, before=clock.now() - ingest.EVENT_DEDUP_WINDOW)
    return {"created": made, "dropped": dropped, "purged": purged, "event_keys_forgotten": forgotten}
