"""Telemetry jobs: hand ingested events to their consumers; keep partitions and retention."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from domain import clock
from domain.alerting.evaluation import evaluate_ingested
from domain.ports import Runtime
from domain.telemetry import ingest, partitions, pipeline, retention

log = logging.getLogger("atlas.jobs.telemetry")


async def telemetry_ingested(ctx: dict, tenant_id: str, times: list[datetime], ids: list[int]) -> dict[str, int]:
    """Deliver a stored batch of events (keys packed by ``pipeline.job_arguments``) to the consumers."""
    runtime: Runtime = ctx["runtime"]
    return await evaluate_ingested(runtime.db, tenant_id=uuid.UUID(tenant_id), keys=pipeline.keys_from_job(times, ids))


async def maintain_partitions(ctx: dict) -> dict[str, int]:
    """Create partitions for the next days; drop those past every plan's retention; purge per tenant; forget
    event ids past the dedup window."""
    runtime: Runtime = ctx["runtime"]
    today = clock.now().date()
    made, dropped = await _upkeep(runtime, None, today)
    failed = 0
    for tenant_id in await runtime.db.tenants_with_own_database():  # partitions are per database
        try:
            created, removed = await _upkeep(runtime, tenant_id, today)
        except Exception:  # one broken tenant database must not stop the others' upkeep
            log.exception("partition upkeep failed in the database of tenant %s", tenant_id)
            failed += 1
            continue
        made, dropped = made + created, dropped + removed
    purged = await retention.purge_expired(runtime.db, today=today)
    forgotten = await retention.forget_event_keys(runtime.db, before=clock.now() - ingest.EVENT_DEDUP_WINDOW)
    return {"created": made, "dropped": dropped, "purged": purged, "event_keys_forgotten": forgotten,
            "databases_failed": failed}


async def _upkeep(runtime: Runtime, tenant_id: uuid.UUID | None, today) -> tuple[int, int]:
    """Partitions of the coming days in, those past every plan's retention out, in one database."""
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        made = await partitions.ensure_partitions(tx.session, first=today - timedelta(days=1),
                                                  last=today + timedelta(days=3))
        dropped = await partitions.drop_partitions_before(tx.session, cutoff=retention.partition_cutoff(today))
    return made, dropped
