"""The arq worker: which jobs exist, how often cron jobs run, and process start-up."""

from __future__ import annotations

from typing import Any

from arq import cron
from arq.worker import Worker

from atlas.jobs import QUEUE_NAME
from atlas.runtime import Runtime, redis_settings
from atlas.settings import Settings, load_settings
from workers.jobs.alerting import alerting_tick, deliver_webhook
from workers.jobs.cmdb import discover_cmdb
from workers.jobs.housekeeping import prune_all_audit_events, prune_audit_events
from workers.jobs.telemetry import maintain_partitions, telemetry_ingested


async def startup(ctx: dict) -> None:
    """Open the database and Redis once per worker process."""
    settings = ctx.get("settings") or load_settings()
    ctx["runtime"] = await Runtime.open(settings)


async def shutdown(ctx: dict) -> None:
    runtime = ctx.get("runtime")
    if runtime is not None:
        await runtime.close()


class WorkerSettings:
    """arq settings. `atlas worker` uses them; so does `arq workers.main.WorkerSettings`
    when DATABASE_URL and REDIS_URL are set."""

    functions = [prune_audit_events, telemetry_ingested, maintain_partitions, alerting_tick, deliver_webhook,
                 discover_cmdb]
    cron_jobs = [
        cron(alerting_tick, second={0}, unique=True),
        cron(prune_all_audit_events, hour={3}, minute={17}, unique=True),
        cron(maintain_partitions, minute={5}, unique=True, run_at_startup=True),
        cron(discover_cmdb, minute=set(range(1, 60, 5)), second={30}, unique=True),
    ]
    queue_name = QUEUE_NAME
    redis_settings = redis_settings(load_settings().redis_url or "redis://127.0.0.1:6379/0")
    on_startup = startup
    on_shutdown = shutdown
    poll_delay = 0.01  # an idle worker asks Redis 100 times a second; pickup stays under ~10 ms
    health_check_interval = 10
    max_tries = 5
    job_timeout = 300
    keep_result = 3600


def create_worker(settings: Settings, **overrides: Any) -> Worker:
    """A worker for ``settings``; tests pass ``burst=True`` to drain the queue and return."""
    options = {name: value for name, value in vars(WorkerSettings).items() if not name.startswith("_")}
    options.update(redis_settings=redis_settings(settings.redis_url), ctx={"settings": settings})
    options.update(overrides)
    return Worker(**options)
