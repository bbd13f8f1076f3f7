"""POST /api/ingest/events: the REST ingest shim for edge agents (events, logs, metrics, spans)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.strict_json import BadJSON
from domain.telemetry import intake
from domain.telemetry.envelope import EnvelopeError, parse_envelope_json
from rest.ingest_http import API_KEY_HEADER, REFUSED, IngestHTTPError, note_ingest, read_body, refused

MAX_IDEMPOTENCY_KEY = 200


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise IngestHTTPError(400, f"Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} characters.")
    return key


def _parse(body: bytes):
    try:
        return parse_envelope_json(body)
    except EnvelopeError as bad:
        raise IngestHTTPError(400, str(bad)) from None
    except BadJSON as bad:
        raise IngestHTTPError(400, f"Body is {bad}.") from None


async def ingest_events(request: Request) -> JSONResponse:
    """Validate every item, store the valid ones, answer 202 with counts and per-item reasons."""
    runtime = request.app.state.runtime
    try:
        try:
            sender = await intake.sender(runtime.db, principal=getattr(request.state, "principal", None),
                                         ingest_key=request.headers.get(API_KEY_HEADER))
            key = _idempotency_key(request)
            body = await read_body(request)
            accepted = await intake.accept(runtime.db, runtime.redis, sender=sender, batches=[_parse(body)],
                                           body=body, idempotency_key=key)
        except REFUSED as exc:
            raise IngestHTTPError.of(exc) from None
    except IngestHTTPError as exc:
        status, content, headers = refused(exc)
        return JSONResponse(content, status_code=status, headers=headers)
    note_ingest(request, "events", accepted.answer)
    headers = {"Idempotent-Replayed": "true"} if accepted.replayed else {}
    return JSONResponse(accepted.answer, status_code=202, headers=headers)


routes = [Route("/api/ingest/events", ingest_events, methods=["POST"])]
