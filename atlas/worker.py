"""The arq worker process: start-up and shut-down, settings, and the outbox sweep.

Which jobs exist and how long each may take is workers/registry.py; every worker also runs the
outbox sweep (atlas/relay.py) unless it is a burst worker draining the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from atlas.jobs_observed import observe_jobs
from atlas.runtime import Runtime, redis_settings
from atlas.settings import Settings, load_settings
from atlas.tls import redis_tls
from atlas.tracing import Tracing
from domain.uow import QUEUE_NAME
from workers.registry import CRON_JOBS, FUNCTIONS, cron_jobs_for
from workers.resilience import AtlasWorker


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
    if ctx.get("tracing") is not None:
        ctx["tracing"].shutdown()


class WorkerSettings:
    """arq settings. `atlas worker` uses them; so does `arq atlas.worker.WorkerSettings`
    when DATABASE_URL and REDIS_URL are set (with arq's own Worker: no outage riding, long leases)."""

    functions = FUNCTIONS
    cron_jobs = CRON_JOBS
    queue_name = QUEUE_NAME
    redis_settings = redis_settings(load_settings().redis_url or "redis://127.0.0.1:6379/0", redis_tls(load_settings()))
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
    tracing = Tracing(settings, service="atlasai-worker")
    functions = overrides.pop("functions", FUNCTIONS)
    cron_jobs = overrides.pop("cron_jobs", None)
    cron_jobs = cron_jobs_for(settings.plane) if cron_jobs is None else cron_jobs
    options.update(redis_settings=redis_settings(settings.redis_url, redis_tls(settings)),
                   functions=observe_jobs(functions, tracing.tracer),  # jobs given instead are observed too
                   cron_jobs=observe_jobs(cron_jobs, tracing.tracer),
                   job_completion_wait=settings.worker_drain_seconds,
                   ctx={"settings": settings, "sweep": not overrides.get("burst", False), "tracing": tracing})
    options.update(overrides)
    return AtlasWorker(**options)
