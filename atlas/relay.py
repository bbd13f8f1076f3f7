"""The outbox relay: hands jobs committed to the outbox to the arq queue, until they have run.

Two paths, one rule (a row stays until its job ran):

- fast path: right after a transaction commits, its rows are enqueued (``relay``). If Redis is
  down the rows simply wait; nothing fails.
- sweep (every worker runs one): rows older than the fast path's grace are looked at again. A row
  whose job is not in Redis (the fast path failed, or Redis lost its data) is enqueued again; a
  row whose job is queued or running is left alone; a row whose job finished is deleted, or, when
  it failed, relayed again with growing delays until ``MAX_RELAYS`` and then kept as ``failed``.

A worker deletes a job's rows soon after the job returns (``finished``: job ids gather for 50 ms
and one DELETE takes them all, a group commit that keeps a busy worker at one transaction per
batch rather than per job; closing the runtime forgets what is left), so in a healthy system the
sweep finds nothing to do. Jobs must be safe to run twice: a crash between a job's work and the
deletion of its row runs it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from arq.connections import ArqRedis
from arq.constants import result_key_prefix
from arq.jobs import Job

from atlas.db import Database
from domain.outages import DEPENDENCY_DOWN, REDIS_DOWN, OutageLog
from domain.outbox import store as outbox
from domain.outbox.store import PendingJob

log = logging.getLogger("atlas.relay")
SWEEP_INTERVAL = 1.0  # seconds between sweeps
SWEEP_BATCH = 500
FAST_PATH_PAUSE = 1.0  # after a failed fast path, leave new rows to the sweep for this long
FINISHED_BATCH_WINDOW = 0.05  # seconds finished job ids gather before one DELETE forgets their rows


class OutboxRelay:
    """Moves outbox rows to arq: at commit time (fast path) and from a periodic sweep."""

    def __init__(self, db: Database, redis: ArqRedis) -> None:
        self.db = db
        self.redis = redis
        self._fast_path_paused_until = 0.0
        self._fast_path_outage = OutageLog(log, "jobs wait in the outbox, Redis is unavailable")
        self._sweep_outage = OutageLog(log, "the outbox sweep waits for its dependencies")
        self._finished: list[str] = []
        self._flusher: asyncio.Task | None = None

    async def relay(self, jobs: list[PendingJob]) -> None:
        """Fast path: enqueue committed jobs now; during a Redis outage leave them to the sweep."""
        if time.monotonic() < self._fast_path_paused_until:
            return
        try:
            for job in jobs:
                await self._enqueue(job)
        except REDIS_DOWN as exc:
            self._fast_path_paused_until = time.monotonic() + FAST_PATH_PAUSE
            self._fast_path_outage.failed(exc)

    async def finished(self, job_id: str) -> None:
        """A job returned: forget its outbox rows soon, in a batch (the sweep settles them if this fails)."""
        self._finished.append(job_id)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_finished(), name="atlas-outbox-finished")

    async def _flush_finished(self, *, gather: float = FINISHED_BATCH_WINDOW) -> None:
        while self._finished:
            await asyncio.sleep(gather)
            job_ids, self._finished = self._finished, []
            try:
                async with self.db.transaction(tenant_id=None) as tx:
                    await outbox.bind_relay(tx.session)
                    await outbox.finish(tx.session, job_ids=job_ids)
            except asyncio.CancelledError:  # stopped mid-batch (close): the batch goes again, deleting is idempotent
                self._finished = job_ids + self._finished
                raise
            except DEPENDENCY_DOWN as exc:
                log.warning("%d jobs ran; their outbox rows stay until the sweep settles them (%s)", len(job_ids), exc)
            except Exception:
                log.exception("forgetting the outbox rows of %d finished jobs failed; the sweep settles them",
                              len(job_ids))

    async def close(self) -> None:
        """Wait for the rows of finished jobs to be forgotten (at process exit)."""
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher  # a batch it had taken is back in the list
        await self._flush_finished(gather=0)

    async def run(self, *, interval: float = SWEEP_INTERVAL) -> None:
        """Sweep until cancelled; wait out PostgreSQL and Redis outages, then catch up at once."""
        catch_up = False
        while True:
            try:
                while await self.sweep(catch_up=catch_up) == SWEEP_BATCH:
                    pass
                catch_up = False
                self._sweep_outage.recovered()
            except DEPENDENCY_DOWN as exc:
                catch_up = True
                self._sweep_outage.failed(exc)
            except Exception:
                log.exception("outbox sweep failed; trying again")
            await asyncio.sleep(interval)

    async def sweep(self, *, catch_up: bool = False) -> int:
        """One pass over the rows that are due (``catch_up``: and those within the grace); returns how many."""
        await self.redis.ping()  # claim nothing while Redis is down: the rows stay due
        async with self.db.transaction(tenant_id=None) as tx:
            await outbox.bind_relay(tx.session)
            due = await outbox.claim_due(tx.session, limit=SWEEP_BATCH, catch_up=catch_up)
        if not due:
            return 0
        relayed, done, buried = [], [], []
        for job in due:
            outcome = await self._settle(job)
            if outcome == "relayed":
                relayed.append(job.id)
            elif outcome == "done":
                done.append(job.job_id)
            elif outcome is not None:
                buried.append((job.id, outcome))
        await self._record(relayed, done, buried)
        return len(due)

    async def _settle(self, job: PendingJob) -> str | None:
        """'relayed', 'done', None (queued or running: look later), or the error of a job given up on."""
        if await self._enqueue(job):
            return "relayed"
        info = await Job(job.job_id, self.redis).result_info()
        if info is None:
            return None
        if info.success:
            return "done"
        if job.relays >= outbox.MAX_RELAYS:
            log.error("job %s (%s) failed %d relays; kept as failed: %r", job.job_id, job.function, job.relays,
                      info.result)
            return f"{type(info.result).__name__}: {info.result}"
        await self.redis.delete(result_key_prefix + job.job_id)  # the failure is recorded; run it again
        return "relayed" if await self._enqueue(job) else None

    async def _enqueue(self, job: PendingJob) -> bool:
        queued = await self.redis.enqueue_job(job.function, _job_id=job.job_id, _queue_name=job.queue, **job.kwargs)
        return queued is not None

    async def _record(self, relayed: list, done: list[str], buried: list[tuple]) -> None:
        async with self.db.transaction(tenant_id=None) as tx:
            await outbox.bind_relay(tx.session)
            await outbox.mark_relayed(tx.session, ids=relayed)
            await outbox.finish(tx.session, job_ids=done)
            for row_id, error in buried:
                await outbox.bury(tx.session, row_id=row_id, error=error)
