"""An arq worker that rides out Redis outages and whose jobs are picked up again soon after it dies.

- Redis down: the worker waits and reconnects with backoff instead of exiting (arq's own worker
  exits on the first ``ConnectionError``); running jobs go on; it records its health at once when
  Redis is back, so ``/readyz`` shows the worker again.
- A worker that dies mid-job (``kill -9``, a lost machine) leaves arq's "in progress" key behind,
  which keeps every other worker off that job until the key expires. arq sets it for the longest
  job timeout + 10 s (five minutes by default); here it lives ``LEASE`` seconds and is renewed
  every ``LEASE_RENEWAL`` seconds while the job runs, so a dead worker's jobs run again within
  about ``LEASE`` seconds, however long a job may take.
- A poll claims every due job its free slots take in one round trip (``workers.queue.CLAIM``, arq
  spends four per job) and, while due jobs wait for a slot, the worker polls again as soon as a
  running job ends instead of after ``poll_delay``.
- Each job function is wrapped (``job``): an outage of PostgreSQL or Redis while it runs is a
  ``Retry`` with backoff, not a failure; when it returns, its outbox rows are deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from arq import Retry
from arq.connections import ArqRedis, create_pool
from arq.constants import in_progress_key_prefix
from arq.utils import poll, timestamp_ms
from arq.worker import Function, Worker, func

from domain.outages import DEPENDENCY_DOWN, REDIS_DOWN
from workers.queue import CLAIM, AtlasRedis

log = logging.getLogger("atlas.worker")
LEASE = 20.0  # seconds a running job stays claimed without renewal
LEASE_RENEWAL = 5.0
BURST_HORIZON = 120.0  # seconds: a burst worker waits for jobs due this soon (retries), not for later ones
RECONNECT_DELAYS = (0.1, 0.2, 0.5, 1.0)  # seconds, then 1 s between tries (a refused connection is cheap)
Job = Callable[..., Awaitable[Any]]


def outage_backoff(job_try: int) -> float:
    """Seconds before running a job again that met an outage: 2, 4, 8, 16, 30, 30, ..."""
    return min(30.0, 2.0 ** max(1, job_try))


def job(function: Job, *, timeout: float, max_tries: int | None = None) -> Function:
    """``function`` as an arq job: its own timeout, outages retried with backoff, outbox rows settled on return."""

    @functools.wraps(function)
    async def run(ctx: dict, *args: Any, **kwargs: Any) -> Any:
        try:
            result = await function(ctx, *args, **kwargs)
        except Retry:
            raise
        except DEPENDENCY_DOWN as exc:
            log.warning("%s met an outage (%s: %s); retrying", ctx.get("job_id"), type(exc).__name__, exc)
            raise Retry(defer=outage_backoff(ctx.get("job_try", 1))) from exc
        relay = getattr(ctx.get("runtime"), "relay", None)
        if relay is not None and ctx.get("job_id"):
            await relay.finished(ctx["job_id"])
        return result

    return func(run, name=function.__name__, timeout=timeout, max_tries=max_tries)


class AtlasWorker(Worker):
    """arq's Worker, with reconnection on Redis outages and short, renewed job leases."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_progress_timeout_s = LEASE
        self._last_renewal = 0.0
        self._claim_script: Any = None
        self._slot_freed = asyncio.Event()

    async def main(self) -> None:
        """arq's main loop, except that a burst worker (``atlas ai drain``, tests) ends once no job is due within
        BURST_HORIZON: it waits out retries' backoff, not a job deferred for minutes (a settling verification),
        which stays queued for the regular workers."""
        if self._pool is None:
            self._pool = await self._connect()
        log.info("Starting worker for %d functions: %s", len(self.functions), ", ".join(self.functions))
        self.ctx["redis"] = self.pool
        if self.on_startup:
            await self.on_startup(self.ctx)
        async for _ in poll(self.poll_delay_s):
            await self._poll_iteration()
            if self.burst and await self._burst_is_over():
                await asyncio.gather(*self.tasks.values())
                return

    async def _burst_is_over(self) -> bool:
        if 0 <= self.max_burst_jobs <= self._jobs_started():
            return True
        horizon = timestamp_ms() + int(BURST_HORIZON * 1000)
        return await self.pool.zcount(self.queue_name, "-inf", horizon) == 0

    async def _connect(self) -> ArqRedis:
        """Connect to Redis, waiting for it as long as it takes."""
        for attempt in itertools.count():
            try:
                return AtlasRedis.adopt(await create_pool(
                    self.redis_settings, default_queue_name=self.queue_name, job_serializer=self.job_serializer,
                    job_deserializer=self.job_deserializer, expires_extra_ms=self.expires_extra_ms))
            except (*REDIS_DOWN, OSError) as exc:
                if attempt == 0:
                    log.warning("waiting for Redis: %s", exc)
                await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
        raise AssertionError("itertools.count() does not end")

    async def _poll_iteration(self) -> None:
        """One poll; while due jobs wait for a slot, poll again as soon as a running job ends."""
        try:
            while await self._poll_once():
                if self.job_counter >= self.max_jobs:
                    self._slot_freed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._slot_freed.wait(), self.poll_delay_s)
        except REDIS_DOWN as exc:
            await self._ride_out(exc)

    async def _poll_once(self) -> bool:
        """arq's poll iteration, claiming due jobs in one round trip; whether due jobs wait for a slot."""
        waiting = False
        free = self.max_jobs - self.job_counter
        if self.burst and self.max_burst_jobs >= 0:
            free = min(free, self.max_burst_jobs - self._jobs_started())
        if self.allow_pick_jobs and free > 0:
            waiting = await self._claim(free)
        if self.allow_abort_jobs:
            await self._cancel_aborted_jobs()
        for job_id, task in list(self.tasks.items()):
            if task.done():
                del self.tasks[job_id]
                task.result()  # an error of run_job itself surfaces here, as in arq
        await self.heart_beat()
        return waiting

    async def _claim(self, free: int) -> bool:
        """Claim up to ``free`` due jobs (one script) and start them; whether more due jobs were left."""
        if self._claim_script is None:
            self._claim_script = self.pool.register_script(CLAIM)
        waiting, claimed = await self._claim_script(
            keys=[self.queue_name], client=self.pool,
            args=[timestamp_ms(), int(self.in_progress_timeout_s * 1000), free, self.queue_read_limit,
                  in_progress_key_prefix])
        for job_id, score in zip(claimed[::2], claimed[1::2], strict=True):
            await self.sem.acquire()  # never waits: job_counter < max_jobs keeps a permit free
            self.job_counter += 1
            task = self.loop.create_task(self.run_job(job_id.decode(), int(float(score))))
            task.add_done_callback(self._job_done)
            self.tasks[job_id.decode()] = task
        return bool(waiting)

    def _job_done(self, _task: asyncio.Task) -> None:
        self._release_sem_dec_counter_on_complete()
        self._slot_freed.set()

    async def heart_beat(self) -> None:
        await super().heart_beat()
        if time.monotonic() - self._last_renewal >= LEASE_RENEWAL:
            self._last_renewal = time.monotonic()
            await self._renew_leases()

    async def _renew_leases(self) -> None:
        running = [job_id for job_id, task in self.tasks.items() if not task.done()]
        if not running:
            return
        async with self.pool.pipeline(transaction=False) as pipe:
            for job_id in running:
                pipe.pexpire(in_progress_key_prefix + job_id, int(LEASE * 1000))
            await pipe.execute()

    async def _ride_out(self, exc: BaseException) -> None:
        """Wait for Redis to answer again; running jobs carry on meanwhile."""
        log.warning("Redis is unavailable (%s: %s); the worker waits for it and carries on", type(exc).__name__, exc)
        started = time.monotonic()
        for attempt in itertools.count():
            await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
            try:
                await self.pool.ping()
                break
            except REDIS_DOWN:
                continue
        log.warning("Redis is back after %.1f s; picking up jobs again", time.monotonic() - started)
        self._last_health_check = 0  # record health now, so readiness sees the worker at once
        self._last_renewal = 0.0

    async def close(self) -> None:
        try:
            await super().close()
        except REDIS_DOWN as exc:
            log.warning("stopped without saying goodbye to Redis: %s", exc)
