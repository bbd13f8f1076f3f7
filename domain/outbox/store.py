"""Rows of the job outbox: written with the transaction that asks for a job, deleted when it ran.

``record`` runs inside the caller's transaction (tenant-bound, so row-level security checks the
rows). The relay's work (``claim_due``, ``mark_relayed``, ``finish``, ``bury``) needs every
tenant's rows: it runs in a transaction bound with ``bind_relay`` (see domain.rls.outbox_rls_sql).

A new row is left to the after-commit fast path for ``FAST_PATH_GRACE`` seconds; after that the
sweep looks at it, and again after growing delays, until its job has run.
"""

from __future__ import annotations

import pickle
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import String, Uuid

FAST_PATH_GRACE = 3  # seconds (a sweep racing the fast path is harmless: arq refuses a job id it holds)
RECHECK_BASE, RECHECK_MAX = 5, 300  # seconds: 5, 10, 20, ... up to 5 minutes between looks at one row
MAX_RELAYS = 20  # a job that failed this many relays is kept as 'failed' (dead letter), not relayed again
ARQ_PICKLE_PROTOCOL = pickle.HIGHEST_PROTOCOL


@dataclass(frozen=True)
class PendingJob:
    """One outbox row as the relay needs it."""

    id: uuid.UUID
    job_id: str
    function: str
    queue: str
    kwargs: dict[str, Any]
    relays: int = 0


def pending_job(function: str, kwargs: dict[str, Any], *, default_queue: str) -> PendingJob:
    """The row for ``tx.enqueue(function, **kwargs)``: the caller's ``job_id`` or one of its own."""
    kwargs = dict(kwargs)
    row_id = uuid.uuid4()
    job_id = kwargs.pop("job_id", None) or f"outbox:{row_id}"
    queue = kwargs.pop("queue", None) or default_queue
    return PendingJob(id=row_id, job_id=job_id, function=function, queue=queue, kwargs=kwargs)


async def record(session: AsyncSession, *, tenant_id: uuid.UUID | None, jobs: list[PendingJob]) -> None:
    """Write ``jobs`` in the session's transaction (they commit or roll back with it)."""
    await session.execute(text(
        "INSERT INTO job_outbox (id, tenant_id, job_id, function, queue, arguments, available_at) "
        "VALUES (:id, :tenant, :job_id, :function, :queue, :arguments, "
        f"now() + interval '{FAST_PATH_GRACE} seconds')"),
        [{"id": job.id, "tenant": tenant_id, "job_id": job.job_id, "function": job.function, "queue": job.queue,
          "arguments": pickle.dumps(job.kwargs, protocol=ARQ_PICKLE_PROTOCOL)} for job in jobs])


async def bind_relay(session: AsyncSession) -> None:
    """Let the rest of this transaction see and change every tenant's outbox rows (the relay only)."""
    await session.execute(text("SELECT set_config('app.outbox_relay', 'on', true)"))


async def claim_due(session: AsyncSession, *, limit: int, catch_up: bool = False) -> list[PendingJob]:
    """Rows due for a look, pushed back by their next recheck delay (so concurrent sweeps skip them).

    ``catch_up`` (after an outage) also takes rows still within the fast path's grace: their fast
    path most likely failed too.
    """
    horizon = f"now() + interval '{FAST_PATH_GRACE} seconds'" if catch_up else "now()"
    rows = await session.execute(text(
        "UPDATE job_outbox o SET checks = o.checks + 1, available_at = now() + make_interval(secs => "
        f"least({RECHECK_MAX}, {RECHECK_BASE} * power(2, least(o.checks, 10)))) "
        f"WHERE o.id IN (SELECT id FROM job_outbox WHERE status = 'pending' AND available_at <= {horizon} "
        "ORDER BY available_at LIMIT :limit FOR UPDATE SKIP LOCKED) "
        "RETURNING o.id, o.job_id, o.function, o.queue, o.arguments, o.relays"), {"limit": limit})
    # the arguments are our own pickles, written by record(), as arq pickles them into Redis
    return [PendingJob(id=r.id, job_id=r.job_id, function=r.function, queue=r.queue,
                       kwargs=pickle.loads(r.arguments), relays=r.relays) for r in rows]


async def mark_relayed(session: AsyncSession, *, ids: list[uuid.UUID]) -> None:
    """Count one more hand-over to the queue for these rows."""
    if ids:
        await session.execute(text("UPDATE job_outbox SET relays = relays + 1 WHERE id = ANY(:ids)").bindparams(
            bindparam("ids", type_=ARRAY(Uuid()))), {"ids": ids})


async def finish(session: AsyncSession, *, job_ids: list[str]) -> int:
    """Forget the rows of jobs that ran; returns how many rows went."""
    if not job_ids:
        return 0
    gone = await session.execute(text("DELETE FROM job_outbox WHERE job_id = ANY(:ids) RETURNING 1").bindparams(
        bindparam("ids", type_=ARRAY(String()))), {"ids": job_ids})
    return len(gone.all())


async def bury(session: AsyncSession, *, row_id: uuid.UUID, error: str) -> None:
    """Keep a row whose job kept failing as 'failed' (not relayed again), with the last error."""
    await session.execute(text("UPDATE job_outbox SET status = 'failed', last_error = :error WHERE id = :id"),
                          {"id": row_id, "error": error[:2000]})


async def backlog(session: AsyncSession) -> tuple[int, float]:
    """Pending rows and the age in seconds of the oldest (relay-bound session)."""
    row = (await session.execute(text(
        "SELECT count(*) AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age "
        "FROM job_outbox WHERE status = 'pending'"))).one()
    return int(row.n), float(row.age)
