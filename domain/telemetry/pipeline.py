"""The seam after ingest: stored events flow to consumers (alert rules, discovery) through a job.

The ingest endpoint enqueues ``telemetry_ingested`` after its transaction commits, with the
sequence numbers of the events it stored; the worker loads those events and hands them to every
registered consumer, each in its own tenant transaction. Consumers must be idempotent: arq may
run a job twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from atlas.db import fetch_sql

if TYPE_CHECKING:
    from atlas.db import Database, Transaction

Consumer = Callable[["Transaction", list], Awaitable[None]]
CONSUMERS: list[tuple[str, Consumer]] = []


def consumer(name: str) -> Callable[[Consumer], Consumer]:
    """Register a function that receives newly stored events (a list of records)."""

    def register(function: Consumer) -> Consumer:
        CONSUMERS.append((name, function))
        return function

    return register


async def stored_events(tx: Transaction, seqs: list[int]) -> list:
    """The tenant's events with these sequence numbers, in order."""
    return await fetch_sql(tx.session, "SELECT * FROM events WHERE tenant_id = $1 AND seq = ANY($2::bigint[]) "
                           "ORDER BY seq", tx.tenant_id, seqs)


async def deliver(db: Database, *, tenant_id: uuid.UUID, seqs: list[int]) -> dict[str, int]:
    """Hand the events to every consumer; return how many events each one received."""
    delivered: dict[str, int] = {}
    for name, handle in CONSUMERS:
        async with db.transaction(tenant_id=tenant_id) as tx:
            events = await stored_events(tx, seqs)
            await handle(tx, events)
        delivered[name] = len(events)
    return delivered
