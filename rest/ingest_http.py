"""HTTP plumbing shared by the ingest endpoints: the body, and how the ingest use case's refusals read.

The use case itself (who may send, rate limits, storing, dedup, idempotency) is
domain/telemetry/intake.py; the body's size on the wire is capped by BodyLimitMiddleware.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass

from starlette.requests import Request

from domain.errors import Conflict, Forbidden, Unauthenticated
from domain.outages import DATABASE_DOWN, DATABASE_MESSAGE, RETRY_AFTER
from domain.telemetry.limits import RateLimited

MAX_DECODED = 32 * 1024 * 1024      # bytes after decompression
API_KEY_HEADER = "x-api-key"
REFUSALS = {Unauthenticated: 401, Forbidden: 403, Conflict: 409, RateLimited: 429}


@dataclass
class IngestHTTPError(Exception):
    """A refusal with its HTTP status; ``retry_after`` for 429 and 503."""

    status: int
    message: str
    retry_after: int | None = None

    @classmethod
    def of(cls, exc: Exception) -> IngestHTTPError:
        """The HTTP refusal of a domain error or an outage of the ingest use case."""
        if isinstance(exc, DATABASE_DOWN):
            return cls(503, DATABASE_MESSAGE, retry_after=RETRY_AFTER)
        status = next(code for kind, code in REFUSALS.items() if isinstance(exc, kind))
        return cls(status, exc.message, retry_after=getattr(exc, "retry_after", None))


REFUSED = (*REFUSALS, *DATABASE_DOWN)  # what IngestHTTPError.of maps


async def read_body(request: Request) -> bytes:
    """The request body, decompressed (gzip/deflate) within MAX_DECODED (413 beyond)."""
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


def refused(exc: IngestHTTPError) -> tuple[int, dict, dict]:
    """Status, JSON body and headers of a refusal."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="atlasai"'
    return exc.status, {"error": exc.message}, headers


def note_ingest(request: Request, signal: str, answer: dict) -> None:
    """Leave the batch's counts on the request for the metrics middleware (accepted rows, rejected items)."""
    accepted = sum(answer["accepted"].values()) if isinstance(answer["accepted"], dict) else answer["accepted"]
    request.scope.setdefault("state", {})["ingest"] = (signal, accepted, len(answer["rejected"]))
