"""HTTP plumbing shared by the ingest endpoints: who is sending, body limits, rate limits, storing."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass

from starlette.requests import Request

from domain import clock
from domain.auth.apikeys import authenticate_ingest_key
from domain.auth.principals import Principal
from domain.errors import Unauthenticated
from domain.outages import DATABASE_DOWN, DATABASE_MESSAGE, RETRY_AFTER
from domain.telemetry import ingest, limits, pipeline
from domain.telemetry.envelope import ParsedBatch

MAX_DECODED = 32 * 1024 * 1024      # bytes after decompression
API_KEY_HEADER = "x-api-key"


@dataclass
class IngestHTTPError(Exception):
    """A refusal with its HTTP status; ``retry_after`` for 429 and 503."""

    status: int
    message: str
    retry_after: int | None = None


async def ingest_principal(request: Request) -> Principal:
    """The sender: a bearer token with ``ingest.write``, or an ingest-only key in X-Api-Key."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        key = request.headers.get(API_KEY_HEADER)
        if not key:
            raise IngestHTTPError(401, "Send Authorization: Bearer <token> with x-tenant-id, or an ingest key "
                                       "in X-Api-Key.")
        try:
            principal = await authenticate_ingest_key(request.app.state.runtime.db, key)
        except Unauthenticated as refused:
            raise IngestHTTPError(401, refused.message) from None
        except DATABASE_DOWN:
            raise IngestHTTPError(503, DATABASE_MESSAGE, retry_after=RETRY_AFTER) from None
    if not principal.can("ingest.write"):
        raise IngestHTTPError(403, "This credential may not send telemetry (needs ingest.write).")
    if "ingest" not in principal.features:
        raise IngestHTTPError(403, "Your plan does not include ingest.")
    return principal


async def read_body(request: Request) -> bytes:
    """The request body (its size on the wire is capped by BodyLimitMiddleware), decompressed
    (gzip/deflate) within MAX_DECODED (413 beyond)."""
    return _decode(await request.body(), request.headers.get("content-encoding", "identity").lower())


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise IngestHTTPError(415, f"Content-Encoding {encoding!r} is not supported (use gzip).")
    try:
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        decoded = decoder.decompress(body, MAX_DECODED + 1)
    except (zlib.error, gzip.BadGzipFile):
        raise IngestHTTPError(400, f"Body is not valid {encoding} data.") from None
    if len(decoded) > MAX_DECODED or decoder.unconsumed_tail:
        raise IngestHTTPError(413, f"Decompressed body larger than {MAX_DECODED} bytes.")
    return decoded


async def check_rate(request: Request, principal: Principal, items: int) -> None:
    """Take ``items`` from the tenant's per-minute budget (429 with Retry-After when spent)."""
    per_minute = int(principal.entitlements.get("limits", {}).get("ingest_events_per_minute", 0))
    try:
        await limits.take(request.app.state.runtime.redis, tenant_id=principal.tenant_id, items=items,
                          per_minute=per_minute)
    except limits.RateLimited as limited:
        raise IngestHTTPError(429, limited.message, retry_after=limited.retry_after) from None


async def store(request: Request, principal: Principal, batches: list[ParsedBatch], *, body: bytes,
                idempotency_key: str | None) -> tuple[dict, bool]:
    """Store the batches in one transaction; returns (answer, replayed). 503 when the database is down."""
    runtime = request.app.state.runtime
    retention = int(principal.entitlements.get("limits", {}).get("retention_days", 7))
    try:
        async with runtime.db.transaction(tenant_id=principal.tenant_id) as tx:
            if idempotency_key:
                earlier = await ingest.claim_idempotency_key(tx, key=idempotency_key,
                                                             digest=ingest.request_digest(body))
                if earlier is not None:
                    return _replay(earlier), True
            stored = ingest.StoredBatch()
            for batch in batches:
                stored.merge(await ingest.store_batch(tx, batch, now=clock.now(), retention_days=retention))
            answer = stored.as_json()
            if idempotency_key:
                await ingest.remember_answer(tx, key=idempotency_key, answer=answer)
            if stored.events:
                tx.enqueue("telemetry_ingested", tenant_id=str(principal.tenant_id),
                           **pipeline.job_arguments(stored.events))
    except DATABASE_DOWN:
        raise IngestHTTPError(503, DATABASE_MESSAGE, retry_after=RETRY_AFTER) from None
    return answer, False


def _replay(earlier: dict) -> dict:
    if not earlier["same_body"]:
        raise IngestHTTPError(409, "This Idempotency-Key was already used with a different body.")
    return earlier["response"]


def refused(exc: IngestHTTPError) -> tuple[int, dict, dict]:
    """Status, JSON body and headers of a refusal."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="atlasai"'
    return exc.status, {"error": exc.message}, headers
