"""Storing an ingest batch: one INSERT ... SELECT FROM unnest(...) per table, idempotently.

Everything of a batch is written in the caller's tenant-bound transaction: the rows of each kind,
the telemetry resources seen, and (with an Idempotency-Key) the answer to replay on a retry. Only
after that transaction commits may the HTTP layer answer 202: accepted data is never lost.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic_core import to_json

from atlas.db import fetch_sql
from domain.telemetry import partitions
from domain.telemetry.envelope import EventIn, LogIn, MetricIn, ParsedBatch, Rejection, SpanIn, event_dedup_key

if TYPE_CHECKING:
    from atlas.db import Transaction

FUTURE_TOLERANCE = timedelta(days=1)
_known_days: set[date] = set()

SEVERITY_NUMBERS = {"trace": 1, "debug": 5, "info": 9, "warn": 13, "warning": 13, "error": 17, "fatal": 21,
                    "critical": 21}


@dataclass
class StoredBatch:
    """What a batch did: rows stored per kind, duplicates skipped, rejections, the new events' keys."""

    accepted: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    events: list[tuple[datetime, uuid.UUID]] = field(default_factory=list)

    def merge(self, other: StoredBatch) -> None:
        """Add another batch's outcome (several resources of one OTLP request)."""
        for kind, count in other.accepted.items():
            self.accepted[kind] = self.accepted.get(kind, 0) + count
        self.duplicates += other.duplicates
        self.rejected.extend(other.rejected)
        self.events.extend(other.events)

    def as_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates,
                "rejected": [r.as_json() for r in sorted(self.rejected, key=lambda r: (r.kind, r.index))]}


def _json(value: Any) -> str | None:
    """JSON text for a jsonb parameter (the driver's jsonb codec takes text)."""
    return None if value is None else to_json(value, fallback=str).decode()


def request_digest(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


async def claim_idempotency_key(tx: Transaction, *, key: str, digest: bytes) -> dict | None:
    """Reserve ``key`` for this batch; if a batch already used it, return that batch's answer.

    A concurrent request with the same key waits for the first to commit, then gets its answer.
    """
    claimed = await fetch_sql(tx.session, (
        "INSERT INTO ingest_batches (tenant_id, idempotency_key, response, request_hash) "
        "VALUES ($1, $2, '{}'::jsonb, $3) ON CONFLICT DO NOTHING RETURNING 1"), tx.tenant_id, key, digest)
    if claimed:
        return None
    earlier = await fetch_sql(tx.session, "SELECT response, request_hash FROM ingest_batches "
                              "WHERE tenant_id = $1 AND idempotency_key = $2", tx.tenant_id, key)
    response, stored_digest = earlier[0]["response"], bytes(earlier[0]["request_hash"])
    return {"response": response, "same_body": stored_digest == digest}


async def remember_answer(tx: Transaction, *, key: str, answer: dict) -> None:
    await fetch_sql(tx.session, "UPDATE ingest_batches SET response = $3 WHERE tenant_id = $1 AND idempotency_key = $2",
                    tx.tenant_id, key, _json(answer))


def _window(batch: ParsedBatch, *, now: datetime, retention_days: int) -> dict[str, list]:
    """Give items without a time ``now``; reject those outside [now - retention, now + 1 day]."""
    oldest, newest = now - timedelta(days=retention_days), now + FUTURE_TOLERANCE
    kept: dict[str, list] = {}
    for kind, items in batch.items.items():
        kept[kind] = []
        for index, item in items:
            at = (item.start_time if kind == "spans" else item.time) or now
            if not oldest <= at <= newest:
                batch.rejected.append(Rejection(kind, index, (
                    f"time {at.isoformat()} is outside the accepted window: "
                    f"{oldest.isoformat(timespec='seconds')} to {newest.isoformat(timespec='seconds')}")))
                continue
            kept[kind].append((at, item))
    return kept


async def _ensure_days(tx: Transaction, kept: dict[str, list]) -> None:
    days = {at.astimezone(UTC).date() for items in kept.values() for at, _ in items}
    missing = days - _known_days
    if missing:
        await partitions.ensure_partitions(tx.session, first=min(missing), last=max(missing))
        _known_days.update(missing)


async def store_batch(tx: Transaction, batch: ParsedBatch, *, now: datetime, retention_days: int) -> StoredBatch:
    """Write the batch's valid items; returns what was stored (in the caller's transaction)."""
    kept = _window(batch, now=now, retention_days=retention_days)
    await _ensure_days(tx, kept)
    result = StoredBatch(rejected=list(batch.rejected))
    defaults = {"service": batch.resource.get("service.name"), "host": batch.resource.get("host.name")}
    inserted, keys = await _insert_events(tx, kept["events"], batch.resource, defaults)
    result.events = keys
    result.duplicates += len(kept["events"]) - inserted
    result.accepted["events"] = inserted
    result.accepted["logs"] = await _insert_logs(tx, kept["logs"], batch.resource, defaults)
    stored_points = await _insert_metrics(tx, kept["metrics"], defaults)
    result.duplicates += len(kept["metrics"]) - stored_points
    result.accepted["metrics"] = stored_points
    stored_spans = await _insert_spans(tx, kept["spans"], batch.resource, defaults)
    result.duplicates += len(kept["spans"]) - stored_spans
    result.accepted["spans"] = stored_spans
    await _record_resources(tx, batch.resource, kept, defaults)
    return result


async def _insert_events(tx, items: list[tuple[datetime, EventIn]], resource: dict, defaults: dict):
    if not items:
        return 0, []
    rows = list(zip(*[(at, event_dedup_key(e, at), e.source, e.kind, e.severity, e.title, e.message,
                       e.service or defaults["service"], e.host or defaults["host"], _json(e.attributes))
                      for at, e in items], strict=True))
    stored = await fetch_sql(tx.session, (
        "INSERT INTO events (tenant_id, occurred_at, id, dedup_key, source, kind, severity, title, message, "
        "service, host, attributes, resource) "
        "SELECT $1, o, gen_random_uuid(), d, s, k, sv, t, m, se, h, a, $12 FROM unnest($2::timestamptz[], "
        "$3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], "
        "$11::jsonb[]) AS u(o, d, s, k, sv, t, m, se, h, a) "
        "ON CONFLICT (tenant_id, dedup_key, occurred_at) DO NOTHING RETURNING occurred_at, id"),
        tx.tenant_id, *rows, _json(resource))
    return len(stored), [(r["occurred_at"], r["id"]) for r in stored]


def _severity_number(log: LogIn) -> int:
    return log.severity_number or SEVERITY_NUMBERS.get(log.severity.lower(), 0)


async def _insert_logs(tx, items: list[tuple[datetime, LogIn]], resource: dict, defaults: dict) -> int:
    if not items:
        return 0
    rows = list(zip(*[(at, _severity_number(log), log.severity, log.body,
                       log.service or defaults["service"], log.trace_id, log.span_id, _json(log.attributes))
                      for at, log in items], strict=True))
    await fetch_sql(tx.session, (
        "INSERT INTO log_records (tenant_id, ts, id, severity_number, severity_text, body, service, trace_id, "
        "span_id, attributes, resource) SELECT $1, t, gen_random_uuid(), n, st, b, s, tr, sp, a, $10 FROM unnest("
        "$2::timestamptz[], $3::smallint[], $4::text[], $5::text[], $6::text[], $7::text[], "
        "$8::text[], $9::jsonb[]) AS u(t, n, st, b, s, tr, sp, a)"), tx.tenant_id, *rows, _json(resource))
    return len(items)


def series_key(name: str, service: str | None, labels: dict[str, str]) -> str:
    """A stable id of a metric series (name, service and labels)."""
    return hashlib.sha256(json.dumps([name, service, labels], sort_keys=True).encode()).hexdigest()[:32]


def _metric_value(point: MetricIn) -> float:
    if point.kind == "histogram":
        return point.sum / point.count if point.count else 0.0
    return point.value


async def _insert_metrics(tx, items: list[tuple[datetime, MetricIn]], defaults: dict) -> int:
    if not items:
        return 0
    rows = list(zip(*[(p.name, at, series_key(p.name, p.service or defaults["service"], p.labels), p.kind,
                       _metric_value(p), p.count, _json(p.bounds), _json(p.counts), p.unit,
                       p.service or defaults["service"], _json(p.labels))
                      for at, p in items], strict=True))
    stored = await fetch_sql(tx.session, (
        "INSERT INTO metric_points (tenant_id, name, ts, series, kind, value, count, bucket_bounds, bucket_counts, "
        "unit, service, labels) SELECT $1, n, t, s, k, v, c, bb, bc, un, sv, l FROM unnest($2::text[], "
        "$3::timestamptz[], $4::text[], $5::text[], $6::float8[], $7::bigint[], $8::jsonb[], $9::jsonb[], "
        "$10::text[], $11::text[], $12::jsonb[]) AS u(n, t, s, k, v, c, bb, bc, un, sv, l) "
        "ON CONFLICT DO NOTHING RETURNING 1"), tx.tenant_id, *rows)
    return len(stored)


async def _insert_spans(tx, items: list[tuple[datetime, SpanIn]], resource: dict, defaults: dict) -> int:
    if not items:
        return 0
    rows = list(zip(*[(s.start_time, s.trace_id, s.span_id, s.parent_span_id, s.name,
                       s.service or defaults["service"] or "unknown", s.kind, s.end_time,
                       (s.end_time - s.start_time).total_seconds() * 1000, s.status, s.status_message,
                       _json(s.attributes), _json(s.events)) for _, s in items], strict=True))
    stored = await fetch_sql(tx.session, (
        "INSERT INTO spans (tenant_id, start_time, trace_id, span_id, parent_span_id, name, service, kind, "
        "end_time, duration_ms, status_code, status_message, attributes, events, resource) "
        "SELECT $1, st, tr, sp, pa, n, sv, k, et, d, sc, sm, a, ev, $15 FROM unnest($2::timestamptz[], "
        "$3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], "
        "$10::float8[], $11::text[], $12::text[], $13::jsonb[], $14::jsonb[]) "
        "AS u(st, tr, sp, pa, n, sv, k, et, d, sc, sm, a, ev) ON CONFLICT DO NOTHING RETURNING 1"),
        tx.tenant_id, *rows, _json(resource))
    return len(stored)


def _resources(resource: dict, kept: dict[str, list], defaults: dict) -> dict[str, tuple]:
    """Distinct (service, host, attributes) seen in the batch, keyed by a digest."""
    seen: dict[str, tuple] = {}
    pairs = {(getattr(item, "service", None) or defaults["service"], getattr(item, "host", None) or defaults["host"])
             for items in kept.values() for _, item in items}
    if resource:
        pairs.add((defaults["service"], defaults["host"]))
    for service, host in pairs:
        if service is None and host is None:
            continue
        attributes = {**resource, "service.name": service, "host.name": host}
        key = hashlib.sha256(json.dumps([service, host], sort_keys=True).encode()).hexdigest()[:32]
        seen[key] = (service, host, {k: v for k, v in attributes.items() if v is not None})
    return seen


async def _record_resources(tx, resource: dict, kept: dict[str, list], defaults: dict) -> None:
    found = _resources(resource, kept, defaults)
    if not found:
        return
    keys = list(found)
    await fetch_sql(tx.session, (
        "INSERT INTO telemetry_resources AS r (id, tenant_id, key, service, host, attributes) "
        "SELECT gen_random_uuid(), $1, k, s, h, a FROM unnest($2::text[], $3::text[], $4::text[], $5::jsonb[]) "
        "AS u(k, s, h, a) ON CONFLICT (tenant_id, key) DO UPDATE SET last_seen = now(), "
        "seen_count = r.seen_count + 1, attributes = r.attributes || EXCLUDED.attributes"),
        tx.tenant_id, keys, [found[k][0] for k in keys], [found[k][1] for k in keys],
        [_json(found[k][2]) for k in keys])
