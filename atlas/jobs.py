"""Background jobs: enqueue arq jobs, after commit when they depend on written data."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis

from atlas.db import Transaction

QUEUE_NAME = "atlas:queue"
AI_QUEUE = "atlas:ai"  # the AI pipeline's jobs (RCA -> runbook -> remediation); its worker comes with the AI issue


class JobQueue:
    """Puts jobs on the arq queue that ``atlas worker`` processes run."""

    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool

    async def enqueue(self, function: str, *, job_id: str | None = None, queue: str | None = None,
                      **kwargs: Any) -> bool:
        """Enqueue now; False when a job with the same ``job_id`` is already queued or kept."""
        job = await self.pool.enqueue_job(function, _job_id=job_id, _queue_name=queue or QUEUE_NAME, **kwargs)
        return job is not None

    def enqueue_after_commit(
        self, tx: Transaction, function: str, *, job_id: str | None = None, **kwargs: Any
    ) -> None:
        """Enqueue once ``tx`` commits; nothing is enqueued if it rolls back (same as ``tx.enqueue``)."""
        tx.enqueue(function, job_id=job_id, **kwargs)
