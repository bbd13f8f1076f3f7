"""Accepting telemetry: one use case behind the REST envelope and the OTLP receivers.

A sender is an authenticated principal holding ``ingest.write`` on a plan with ingest, or an
ingest-only API key. Its parsed batches are counted against the tenant's per-minute budget, then
stored in one transaction (each event id once, see ingest.py; a repeated Idempotency-Key replays
the first answer), and the new events' alert evaluation is queued through the outbox with it.

Refusals are domain errors the adapters map to statuses: ``Unauthenticated`` (401), ``Forbidden``
(403), ``Conflict`` (409, an Idempotency-Key reused with another body), ``limits.RateLimited`` (429)
and ``DatabaseUnavailable`` (503).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain import clock
from domain.auth.ingest_keys import authenticate_ingest_key
from domain.errors import Conflict, Forbidden, Unauthenticated
from domain.telemetry import ingest, limits, pipeline

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from domain.principal import Principal
    from domain.telemetry.envelope import ParsedBatch
    from domain.uow import UnitOfWork


@dataclass(frozen=True)
class Accepted:
    """The answer to a batch (counts and per-item rejections), and whether it replays an earlier one."""

    answer: dict
    replayed: bool = False


async def sender(db: UnitOfWork, *, principal: Principal | None, ingest_key: str | None) -> Principal:
    """Who is sending: the request's principal, else the ingest key's; either must be allowed to ingest."""
    if principal is None:
        if not ingest_key:
            raise Unauthenticated("Send Authorization: Bearer <token> with x-tenant-id, or an ingest key in X-Api-Key.")
        principal = await authenticate_ingest_key(db, ingest_key)
    if not principal.can("ingest.write"):
        raise Forbidden("This credential may not send telemetry (needs ingest.write).")
    if "ingest" not in principal.features:
        raise Forbidden("Your plan does not include ingest.")
    return principal


async def accept(db: UnitOfWork, redis: Redis, *, sender: Principal, batches: list[ParsedBatch], body: bytes,
                 idempotency_key: str | None = None) -> Accepted:
    """Count the batches against the tenant's budget, then store them and queue their evaluation."""
    limits_of_plan = sender.entitlements.get("limits", {})
    await limits.take(redis, tenant_id=sender.tenant_id, items=sum(b.item_count for b in batches),
                      per_minute=int(limits_of_plan.get("ingest_events_per_minute", 0)))
    async with db.transaction(tenant_id=sender.tenant_id) as tx:
        if idempotency_key:
            earlier = await ingest.claim_idempotency_key(tx, key=idempotency_key, digest=ingest.request_digest(body))
            if earlier is not None:
                return _replay(earlier)
        stored = ingest.StoredBatch()
        for batch in batches:
            stored.merge(await ingest.store_batch(tx, batch, now=clock.now(),
                                                  retention_days=int(limits_of_plan.get("retention_days", 7))))
        answer = stored.as_json()
        if idempotency_key:
            await ingest.remember_answer(tx, key=idempotency_key, answer=answer)
        if stored.events:
            tx.enqueue("telemetry_ingested", tenant_id=str(sender.tenant_id), **pipeline.job_arguments(stored.events))
    return Accepted(answer)


def _replay(earlier: dict) -> Accepted:
    if not earlier["same_body"]:
        raise Conflict("This Idempotency-Key was already used with a different body.")
    return Accepted(earlier["response"], replayed=True)
