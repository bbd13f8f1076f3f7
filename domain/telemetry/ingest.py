"""Storing an ingest batch: one INSERT ... SELECT FROM jsonb_array_elements($2) per table, idempotently.

Everything of a batch is written in the caller's tenant-bound transaction: the rows of each kind,
the telemetry resources seen, and (with an Idempotency-Key) the answer to replay on a retry. Only
after that transaction commits may the HTTP layer answer 202: accepted data is never lost.

An event with an ``id`` is stored once within ``EVENT_DEDUP_WINDOW`` whatever its ``time`` (a resent
event without a time gets a new server time, so the events table's own uniqueness cannot see it):
its id is recorded in ``event_keys``, and the hourly maintenance job forgets ids past the window.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic_core import to_json

from domain.telemetry import partitions
from domain.telemetry.envelope import EventIn, LogIn, MetricIn, ParsedBatch, Rejection, SpanIn, event_dedup_key
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction

FUTURE_TOLERANCE = timedelta(days=1)
EVENT_DEDUP_WINDOW = timedelta(hours=48)  # an event id is stored once within at least this long
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


def _read_row(columns: tuple[tuple[str, str], ...]) -> str:
    """SQL expressions taking each column from ``r``, one JSON array per row, by position."""
    expressions = []
    for position, (_, sql_type) in enumerate(columns):
        if sql_type == "jsonb":
            expressions.append(f"NULLIF(r -> {position}, 'null'::jsonb)")
        elif sql_type == "text":
            expressions.append(f"r ->> {position}")
        else:
            expressions.append(f"(r ->> {position})::{sql_type}")
    return ", ".join(expressions)


def _insert_rows_sql(table: str, columns: tuple[tuple[str, str], ...], *, constants: dict[str, str],
                     suffix: str = "") -> str:
    """``INSERT INTO table ... SELECT ... FROM jsonb_array_elements($2)``: $1 is the tenant, $2 the rows."""
    names = ", ".join(["tenant_id", *constants, *(name for name, _ in columns)])
    values = ", ".join(["$1", *constants.values(), _read_row(columns)])
    return f"INSERT INTO {table} ({names}) SELECT {values} FROM jsonb_array_elements($2::jsonb) AS r {suffix}".strip()


def _rows_json(rows: list[tuple]) -> str:
    """The rows as one JSON document: one parameter instead of an array per column (a third of the
    driver's per-value work), and PostgreSQL parses it once. NaN and infinities travel as strings."""
    return to_json(rows, fallback=str, inf_nan_mode="strings").decode()


EVENT_COLUMNS = (("occurred_at", "timestamptz"), ("dedup_key", "text"), ("source", "text"), ("kind", "text"),
                 ("severity", "text"), ("title", "text"), ("message", "text"), ("service", "text"), ("host", "text"),
                 ("attributes", "jsonb"))
INSERT_EVENTS = _insert_rows_sql(
    "events", EVENT_COLUMNS, constants={"id": "gen_random_uuid()", "resource": "$3"},
    suffix="ON CONFLICT (tenant_id, dedup_key, occurred_at) DO NOTHING RETURNING occurred_at, id")
LOG_COLUMNS = (("ts", "timestamptz"), ("severity_number", "smallint"), ("severity_text", "text"), ("body", "text"),
               ("service", "text"), ("trace_id", "text"), ("span_id", "text"), ("attributes", "jsonb"))
INSERT_LOGS = _insert_rows_sql("log_records", LOG_COLUMNS, constants={"id": "gen_random_uuid()", "resource": "$3"})
METRIC_COLUMNS = (("name", "text"), ("ts", "timestamptz"), ("series", "text"), ("kind", "text"), ("value", "float8"),
                  ("count", "bigint"), ("bucket_bounds", "jsonb"), ("bucket_counts", "jsonb"), ("unit", "text"),
                  ("service", "text"), ("labels", "jsonb"))
INSERT_METRICS = _insert_rows_sql("metric_points", METRIC_COLUMNS, constants={},
                                  suffix="ON CONFLICT DO NOTHING RETURNING 1")
SPAN_COLUMNS = (("start_time", "timestamptz"), ("trace_id", "text"), ("span_id", "text"), ("parent_span_id", "text"),
                ("name", "text"), ("service", "text"), ("kind", "text"), ("end_time", "timestamptz"),
                ("duration_ms", "float8"), ("status_code", "text"), ("status_message", "text"),
                ("attributes", "jsonb"), ("events", "jsonb"))
INSERT_SPANS = _insert_rows_sql("spans", SPAN_COLUMNS, constants={"resource": "$3"},
                                suffix="ON CONFLICT DO NOTHING RETURNING 1")


async def _insert_events(tx, items: list[tuple[datetime, EventIn]], resource: dict, defaults: dict):
    items = await _first_sightings(tx, items)
    if not items:
        return 0, []
    rows = [(at, event_dedup_key(e, at), e.source, e.kind, e.severity, e.title, e.message,
             e.service or defaults["service"], e.host or defaults["host"], e.attributes) for at, e in items]
    stored = await fetch_sql(tx.session, INSERT_EVENTS, tx.tenant_id, _rows_json(rows), _json(resource))
    return len(stored), [(r["occurred_at"], r["id"]) for r in stored]


async def _first_sightings(tx, items: list[tuple[datetime, EventIn]]) -> list[tuple[datetime, EventIn]]:
    """Drop events whose ``id`` was seen in the dedup window (or earlier in this batch); remember the others.

    Concurrent requests carrying the same id (retries, several instances) wait on the key's row, so
    exactly one of them stores the event.
    """
    ids = list(dict.fromkeys(e.id for _, e in items if e.id))
    if not ids:
        return items
    fresh = {r["key"] for r in await fetch_sql(tx.session, (
        "INSERT INTO event_keys (tenant_id, key) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING key"),
        tx.tenant_id, ids)}
    kept = []
    for at, event in items:
        if event.id is None:
            kept.append((at, event))
        elif event.id in fresh:
            fresh.discard(event.id)
            kept.append((at, event))
    return kept


async def forget_event_keys(tx: Transaction, *, older_than: datetime) -> int:
    """Drop the tenant's event ids first seen before ``older_than`` (the end of their dedup window)."""
    gone = await fetch_sql(tx.session, "WITH gone AS (DELETE FROM event_keys WHERE tenant_id = $1 AND first_seen < $2 "
                           "RETURNING 1) SELECT count(*) AS n FROM gone", tx.tenant_id, older_than)
    return gone[0]["n"]


def _severity_number(log: LogIn) -> int:
    return log.severity_number or SEVERITY_NUMBERS.get(log.severity.lower(), 0)


async def _insert_logs(tx, items: list[tuple[datetime, LogIn]], resource: dict, defaults: dict) -> int:
    if not items:
        return 0
    rows = [(at, _severity_number(log), log.severity, log.body, log.service or defaults["service"], log.trace_id,
             log.span_id, log.attributes) for at, log in items]
    await fetch_sql(tx.session, INSERT_LOGS, tx.tenant_id, _rows_json(rows), _json(resource))
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
    rows = [(p.name, at, series_key(p.name, p.service or defaults["service"], p.labels), p.kind, _metric_value(p),
             p.count, p.bounds, p.counts, p.unit, p.service or defaults["service"], p.labels) for at, p in items]
    return len(await fetch_sql(tx.session, INSERT_METRICS, tx.tenant_id, _rows_json(rows)))


async def _insert_spans(tx, items: list[tuple[datetime, SpanIn]], resource: dict, defaults: dict) -> int:
    if not items:
        return 0
    rows = [(s.start_time, s.trace_id, s.span_id, s.parent_span_id, s.name,
             s.service or defaults["service"] or "unknown", s.kind, s.end_time,
             (s.end_time - s.start_time).total_seconds() * 1000, s.status, s.status_message, s.attributes, s.events)
            for _, s in items]
    return len(await fetch_sql(tx.session, INSERT_SPANS, tx.tenant_id, _rows_json(rows), _json(resource)))


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
