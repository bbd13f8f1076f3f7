"""Background jobs: the queues, and putting jobs on them now (work after a commit goes through ``tx.enqueue``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from arq.connections import ArqRedis

if TYPE_CHECKING:
    from atlas.db import Transaction

QUEUE_NAME = "atlas:queue"
AI_QUEUE = "atlas:ai"  # the AI pipeline's jobs (RCA -> runbook -> remediation); its worker comes with the AI issue


class JobQueue:
    """Puts jobs on the arq queue that ``atlas worker`` processes run."""

    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool

    async def enqueue(self, function: str, *, job_id: str | None = None, queue: str | None = None,
                      **kwargs: Any) -> bool:
        """Enqueue now (nothing records it but Redis); False when the ``job_id`` is already queued or kept."""
        job = await self.pool.enqueue_job(function, _job_id=job_id, _queue_name=queue or QUEUE_NAME, **kwargs)
        return job is not None

    def enqueue_after_commit(
        self, tx: Transaction, function: str, *, job_id: str | None = None, **kwargs: Any
    ) -> None:
        """Enqueue once ``tx`` commits, through the outbox; nothing runs if it rolls back (same as ``tx.enqueue``)."""
        tx.enqueue(function, job_id=job_id, **kwargs)
