"""The seam after ingest: stored events flow on to the alert rules through a job.

The ingest use case enqueues ``telemetry_ingested`` with its transaction, with the keys (time, id)
of the events it stored (packed by ``job_arguments``: times and 128-bit ids, which pickle about
four times faster than text); the worker reads those events back (``stored_events``) and hands them
to the alert rules (domain.alerting.evaluation.evaluate_ingested), which must be idempotent: arq
may run a job twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction


def job_arguments(keys: list[tuple[datetime, uuid.UUID]]) -> dict[str, list]:
    """The ``telemetry_ingested`` arguments for these event keys."""
    return {"times": [at for at, _ in keys], "ids": [event_id.int for _, event_id in keys]}


def keys_from_job(times: list[datetime], ids: list[int]) -> list[tuple[datetime, uuid.UUID]]:
    """The event keys back from ``job_arguments``."""
    return [(at, uuid.UUID(int=number)) for at, number in zip(times, ids, strict=True)]


async def stored_events(tx: Transaction, keys: list[tuple[datetime, uuid.UUID]]) -> list:
    """The tenant's events with these (time, id) keys, in storage order."""
    return await fetch_sql(tx.session, (
        "SELECT e.* FROM events e JOIN unnest($2::timestamptz[], $3::uuid[]) AS k(at, id) "
        "ON e.occurred_at = k.at AND e.id = k.id WHERE e.tenant_id = $1 ORDER BY e.seq"),
        tx.tenant_id, [at for at, _ in keys], [event_id for _, event_id in keys])
