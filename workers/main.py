"""The arq worker: which jobs exist, how long each may take, how often cron jobs run, and start-up.

Every job is safe to run twice (a dead worker's job runs again; see workers/resilience.py), and
each has a timeout sized to its work rather than arq's five-minute default. Each worker also runs
the outbox sweep (atlas/relay.py) unless it is a burst worker draining the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from arq import cron

from atlas.runtime import Runtime, redis_settings
from atlas.settings import Settings, load_settings
from domain.uow import QUEUE_NAME
from workers.jobs.alerting import alerting_tick, deliver_webhook
from workers.jobs.cmdb import discover_cmdb
from workers.jobs.housekeeping import prune_all_audit_events, prune_audit_events
from workers.jobs.telemetry import maintain_partitions, telemetry_ingested
from workers.jobs.webhooks import MAX_TRIES as WEBHOOK_TRIES
from workers.resilience import AtlasWorker, job


async def startup(ctx: dict) -> None:
    """Open the database and Redis once per worker process; start the outbox sweep."""
    settings = ctx.get("settings") or load_settings()
    ctx["runtime"] = runtime = await Runtime.open(settings)
    if ctx.get("sweep", True):
        ctx["sweep_task"] = asyncio.create_task(runtime.relay.run(), name="atlas-outbox-sweep")


async def shutdown(ctx: dict) -> None:
    sweep = ctx.pop("sweep_task", None)
    if sweep is not None:
        sweep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweep
    runtime = ctx.get("runtime")
    if runtime is not None:
        await runtime.close()


class WorkerSettings:
    """arq settings. `atlas worker` uses them; so does `arq workers.main.WorkerSettings`
    when DATABASE_URL and REDIS_URL are set (with arq's own Worker: no outage riding, long leases)."""

    functions = [
        job(telemetry_ingested, timeout=60),
        job(deliver_webhook, timeout=30, max_tries=WEBHOOK_TRIES),
        job(prune_audit_events, timeout=300),
        job(maintain_partitions, timeout=300),
        job(alerting_tick, timeout=55),
        job(discover_cmdb, timeout=240),
    ]
    cron_jobs = [
        cron(alerting_tick, second={0}, unique=True, timeout=55),
        cron(prune_all_audit_events, hour={3}, minute={17}, unique=True, timeout=600),
        cron(maintain_partitions, minute={5}, unique=True, run_at_startup=True, timeout=300),
        cron(discover_cmdb, minute=set(range(1, 60, 5)), second={30}, unique=True, timeout=240),
    ]
    queue_name = QUEUE_NAME
    redis_settings = redis_settings(load_settings().redis_url or "redis://127.0.0.1:6379/0")
    on_startup = startup
    on_shutdown = shutdown
    poll_delay = 0.01  # an idle worker asks Redis 100 times a second; pickup stays under ~10 ms
    health_check_interval = 10
    max_tries = 5
    job_timeout = 60
    keep_result = 3600


def create_worker(settings: Settings, **overrides: Any) -> AtlasWorker:
    """A worker for ``settings``; tests pass ``burst=True`` to drain the queue and return (no sweep then)."""
    options = {name: value for name, value in vars(WorkerSettings).items() if not name.startswith("_")}
    options.update(redis_settings=redis_settings(settings.redis_url),
                   ctx={"settings": settings, "sweep": not overrides.get("burst", False)})
    options.update(overrides)
    return AtlasWorker(**options)
