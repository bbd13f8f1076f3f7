"""The job queue in few Redis round trips (workers/queue.py) keeps arq's promises: a job id is taken once, a
deferred job waits for its time, and workers sharing a queue run each job once."""

import asyncio
import contextlib

import pytest
from arq.jobs import Job, JobStatus

from atlas.worker import create_worker
from domain.uow import QUEUE_NAME
from tests.waiting import wait_for
from workers.resilience import job

RUNS: list[str] = []


async def count_run(ctx: dict, *, tag: str) -> None:
    RUNS.append(tag)


@pytest.fixture
async def workers(live_settings, forget_earlier_jobs):
    """Start workers running ``count_run`` (no crons); stopped and closed after the test."""
    started = []

    async def start(count: int):
        RUNS.clear()
        for _ in range(count):
            worker = create_worker(live_settings, functions=[job(count_run, timeout=5)], cron_jobs=[],
                                   handle_signals=False, poll_delay=0.01, max_jobs=3)
            started.append((worker, asyncio.create_task(worker.async_run())))
        return [worker for worker, _ in started]

    yield start
    for worker, task in started:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await worker.close()


async def test_a_job_id_is_taken_while_queued_and_while_its_result_is_kept(runtime, forget_earlier_jobs,
                                                                           run_burst_worker):
    first = await runtime.redis.enqueue_job("prune_audit_events", tenant_id="t-1", _job_id="once-1")
    again = await runtime.redis.enqueue_job("prune_audit_events", tenant_id="t-1", _job_id="once-1")
    await run_burst_worker()
    after_it_ran = await runtime.redis.enqueue_job("prune_audit_events", tenant_id="t-1", _job_id="once-1")

    assert first is not None and again is None and after_it_ran is None
    assert await Job("once-1", runtime.redis).status() == JobStatus.complete


async def test_many_jobs_on_two_workers_each_run_once(runtime, workers):
    await workers(2)

    for index in range(60):
        await runtime.redis.enqueue_job("count_run", tag=f"j{index}")
    await wait_for(lambda: len(RUNS) >= 60, timeout=30, what="60 jobs run")

    assert sorted(RUNS) == sorted(f"j{index}" for index in range(60))
    assert await runtime.redis.zcard(QUEUE_NAME) == 0


async def test_a_deferred_job_waits_for_its_time(runtime, workers):
    await workers(1)

    await runtime.redis.enqueue_job("count_run", tag="later", _defer_by=3600)
    await runtime.redis.enqueue_job("count_run", tag="now")
    await wait_for(lambda: RUNS, timeout=10, what="the due job")

    assert RUNS == ["now"]
    (waiting,) = await runtime.redis.zrange(QUEUE_NAME, 0, -1)
    assert await Job(waiting.decode(), runtime.redis, _queue_name=QUEUE_NAME).status() == JobStatus.deferred


async def test_a_burst_worker_waits_for_a_retry_soon_but_leaves_a_job_deferred_for_minutes(runtime, live_settings,
                                                                                           forget_earlier_jobs):
    # given a job due in a second (a retry's backoff) and one deferred for ten minutes (a settling verification)
    RUNS.clear()
    await runtime.redis.enqueue_job("count_run", tag="soon", _defer_by=1)
    await runtime.redis.enqueue_job("count_run", tag="later", _defer_by=600, _job_id="deferred-later")

    # when a burst worker drains the queue (as `atlas ai drain` does)
    worker = create_worker(live_settings, functions=[job(count_run, timeout=5)], cron_jobs=[], burst=True,
                           handle_signals=False, poll_delay=0.01)
    try:
        await asyncio.wait_for(worker.main(), timeout=30)
    finally:
        await worker.close()

    # then it ran the one due soon and returned, leaving the later one queued for the regular workers
    assert RUNS == ["soon"]
    assert await Job("deferred-later", runtime.redis, _queue_name=QUEUE_NAME).status() == JobStatus.deferred
