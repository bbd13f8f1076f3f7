"""Every job observed: its duration and outcome as a metric, its id and tenant in every log line it
writes, and a span when tracing is on. Applied to the registry's jobs when the worker is built."""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Any

from arq.cron import CronJob
from arq.worker import Function
from opentelemetry import trace
from prometheus_client import Histogram

from atlas.logs import REQUEST_CONTEXT

JOB_SECONDS = Histogram("atlas_job_duration_seconds", "Background jobs by name and outcome.", ["job", "outcome"],
                        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))


def _outcome(exc: BaseException | None) -> str:
    if exc is None:
        return "ok"
    return "retry" if type(exc).__name__ == "Retry" else "failed"


def observed(name: str, coroutine, tracer: trace.Tracer):
    """``coroutine`` (an arq job) measured, logged with its context and traced."""

    @functools.wraps(coroutine)
    async def run(ctx: dict, *args: Any, **kwargs: Any) -> Any:
        context = {"job": name, "job_id": ctx.get("job_id")}
        if kwargs.get("tenant_id"):
            context["tenant_id"] = str(kwargs["tenant_id"])
        token = REQUEST_CONTEXT.set(context)
        started, failure = time.perf_counter(), None
        try:
            with tracer.start_as_current_span(f"job {name}", kind=trace.SpanKind.CONSUMER,
                                              attributes={"atlas.job": name}):
                return await coroutine(ctx, *args, **kwargs)
        except BaseException as exc:
            failure = exc
            raise
        finally:
            JOB_SECONDS.labels(name, _outcome(failure)).observe(time.perf_counter() - started)
            REQUEST_CONTEXT.reset(token)

    return run


def observe_jobs(jobs: list[Function | CronJob], tracer: trace.Tracer) -> list[Function | CronJob]:
    """The registry's jobs (or cron jobs), each wrapped by :func:`observed`."""
    return [dataclasses.replace(job, coroutine=observed(job.name, job.coroutine, tracer)) for job in jobs]
