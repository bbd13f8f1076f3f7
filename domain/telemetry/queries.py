"""Read side of telemetry: log search, metric series with time buckets, traces, events.

Every query is bounded in time (default: the last hour; at most 31 days) so partition pruning
keeps it to the days asked for, and filters on the tenant explicitly (RLS is the backstop).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from domain import clock
from domain.errors import ValidationFailed
from domain.pagination import Page, check_page_size, decode_cursor, encode_cursor
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_WINDOW = timedelta(days=31)
DEFAULT_WINDOW = timedelta(hours=1)
AGGREGATIONS = {"avg": "avg(value)", "min": "min(value)", "max": "max(value)", "sum": "sum(value)",
                "count": "count(*)::float8", "p95": "percentile_cont(0.95) WITHIN GROUP (ORDER BY value)"}
MAX_BUCKETS, MAX_SERIES = 2000, 100


@dataclass
class TimeRange:
    """A query window; ``check`` fills defaults and refuses windows that are empty or too long."""

    since: datetime | None = None
    until: datetime | None = None

    def check(self) -> tuple[datetime, datetime]:
        until = self.until or clock.now()
        since = self.since or until - DEFAULT_WINDOW
        if since >= until:
            raise ValidationFailed("since must be before until.", field="since")
        if until - since > MAX_WINDOW:
            raise ValidationFailed("The time range may span at most 31 days.", field="since")
        return since, until


@dataclass
class LogFilter:
    window: TimeRange = field(default_factory=TimeRange)
    min_severity: int = 0
    service: str | None = None
    text: str | None = None
    trace_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


async def search_logs(tx: Transaction, *, filter: LogFilter, first: int | None = None,
                      after: str | None = None) -> Page:
    """Log records matching ``filter``, newest first."""
    since, until = filter.window.check()
    if filter.trace_id:
        check_trace_id(filter.trace_id)
    size = check_page_size(first)
    args: list[Any] = [tx.tenant_id, since, until, filter.min_severity]
    where = ["tenant_id = $1", "ts >= $2", "ts < $3", "severity_number >= $4"]
    for column, value in (("service", filter.service), ("trace_id", filter.trace_id)):
        if value:
            args.append(value)
            where.append(f"{column} = ${len(args)}")
    if filter.text and filter.text.strip():
        args.append(filter.text.strip()[:200])
        where.append(f"search @@ websearch_to_tsquery('simple', ${len(args)})")
    if filter.attributes:
        args.append(json.dumps(filter.attributes))
        where.append(f"attributes @> ${len(args)}::jsonb")
    if after:
        args.extend(decode_cursor(after, (datetime, uuid.UUID)))
        where.append(f"(ts, id) < (${len(args) - 1}, ${len(args)})")
    rows = await fetch_sql(tx.session, f"SELECT ts, id, severity_number, severity_text, body, service, trace_id, "
                           f"span_id, attributes, resource FROM log_records WHERE {' AND '.join(where)} "
                           f"ORDER BY ts DESC, id DESC LIMIT {size + 1}", *args)
    page = rows[:size]
    return Page(items=page, cursors=[encode_cursor((r["ts"], r["id"])) for r in page], has_next=len(rows) > size)


async def metric_names(tx: Transaction, *, prefix: str = "", window: TimeRange | None = None) -> list[str]:
    """Metric names seen in the window, alphabetically (at most 500)."""
    since, until = (window or TimeRange(since=clock.now() - timedelta(days=1))).check()
    rows = await fetch_sql(tx.session, "SELECT DISTINCT name FROM metric_points WHERE tenant_id = $1 AND ts >= $2 "
                           "AND ts < $3 AND name LIKE $4 ORDER BY name LIMIT 500", tx.tenant_id, since, until,
                           prefix.replace("%", r"\%").replace("_", r"\_") + "%")
    return [r["name"] for r in rows]


async def metric_label_values(tx: Transaction, *, name: str, label: str, window: TimeRange | None = None) -> list[str]:
    """Values of one label of a metric in the window (at most 500)."""
    since, until = (window or TimeRange(since=clock.now() - timedelta(days=1))).check()
    rows = await fetch_sql(tx.session, "SELECT DISTINCT labels ->> $5 AS value FROM metric_points WHERE tenant_id = $1 "
                           "AND name = $2 AND ts >= $3 AND ts < $4 AND labels ? $5 ORDER BY 1 LIMIT 500",
                           tx.tenant_id, name, since, until, label)
    return [r["value"] for r in rows]


@dataclass(frozen=True)
class Series:
    """One group of a metric series query: its labels and (bucket start, value) points."""

    labels: dict[str, str]
    points: list[tuple[datetime, float]]


@dataclass
class SeriesQuery:
    name: str
    window: TimeRange = field(default_factory=TimeRange)
    step_seconds: int = 60
    aggregation: str = "avg"
    group_by: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def check(self) -> tuple[datetime, datetime]:
        since, until = self.window.check()
        if self.aggregation not in AGGREGATIONS:
            raise ValidationFailed(f"aggregation must be one of {', '.join(AGGREGATIONS)}.", field="aggregation")
        if self.step_seconds < 1 or (until - since).total_seconds() / self.step_seconds > MAX_BUCKETS:
            raise ValidationFailed(f"step must be at least 1 s and give at most {MAX_BUCKETS} buckets.", field="step")
        if len(self.group_by) > 5:
            raise ValidationFailed("Group by at most 5 labels.", field="groupBy")
        return since, until


async def metric_series(tx: Transaction, *, query: SeriesQuery) -> list[Series]:
    """Bucketed aggregates of a metric, one series per combination of the group-by labels."""
    since, until = query.check()
    groups = ", ".join(f"labels ->> ${5 + i}" for i in range(len(query.group_by))) or "NULL::text"
    args: list[Any] = [tx.tenant_id, query.name, since, until, *query.group_by]
    where = "tenant_id = $1 AND name = $2 AND ts >= $3 AND ts < $4"
    if query.labels:
        args.append(json.dumps(query.labels))
        where += f" AND labels @> ${len(args)}::jsonb"
    args.append(query.step_seconds)
    rows = await fetch_sql(tx.session, (
        f"SELECT date_bin(make_interval(secs => ${len(args)}), ts, $3) AS bucket, "
        f"ARRAY[{groups}] AS grp, {AGGREGATIONS[query.aggregation]} AS value FROM metric_points WHERE {where} "
        f"GROUP BY bucket, grp ORDER BY grp, bucket"), *args)
    series: dict[tuple, list] = {}
    for row in rows:
        series.setdefault(tuple(row["grp"]), []).append((row["bucket"], row["value"]))
        if len(series) > MAX_SERIES:
            raise ValidationFailed(f"More than {MAX_SERIES} series: filter or group by fewer labels.", field="groupBy")
    return [Series(labels={k: v for k, v in zip(query.group_by, key, strict=False) if v is not None}, points=points)
            for key, points in series.items()]


@dataclass
class TraceFilter:
    window: TimeRange = field(default_factory=TimeRange)
    service: str | None = None
    min_duration_ms: float | None = None
    errors_only: bool = False


async def find_traces(tx: Transaction, *, filter: TraceFilter, first: int | None = None,
                      after: str | None = None) -> Page:
    """Traces with a span in the window (and service), newest first, summarised."""
    since, until = filter.window.check()
    size = check_page_size(first)
    args: list[Any] = [tx.tenant_id, since, until]
    match = "tenant_id = $1 AND start_time >= $2 AND start_time < $3"
    if filter.service:
        args.append(filter.service)
        match += f" AND service = ${len(args)}"
    having = ["true"]
    if filter.min_duration_ms is not None:
        args.append(filter.min_duration_ms)
        having.append(f"extract(epoch FROM max(end_time) - min(start_time)) * 1000 >= ${len(args)}")
    if filter.errors_only:
        having.append("count(*) FILTER (WHERE status_code = 'error') > 0")
    if after:
        args.extend(decode_cursor(after, (datetime, str)))
        having.append(f"(min(start_time), trace_id) < (${len(args) - 1}, ${len(args)})")
    rows = await fetch_sql(tx.session, (
        "SELECT trace_id, min(start_time) AS start_time, max(end_time) AS end_time, count(*) AS span_count, "
        "count(*) FILTER (WHERE status_code = 'error') AS error_count, "
        "(array_agg(name ORDER BY parent_span_id IS NOT NULL, start_time))[1] AS root_name, "
        "(array_agg(service ORDER BY parent_span_id IS NOT NULL, start_time))[1] AS root_service "
        f"FROM spans WHERE tenant_id = $1 AND start_time >= $2 AND start_time < $3::timestamptz + interval '1 hour' "
        f"AND trace_id IN (SELECT trace_id FROM spans WHERE {match}) "
        f"GROUP BY trace_id HAVING {' AND '.join(having)} ORDER BY min(start_time) DESC, trace_id DESC "
        f"LIMIT {size + 1}"), *args)
    page = rows[:size]
    return Page(items=page, cursors=[encode_cursor((r["start_time"], r["trace_id"])) for r in page],
                has_next=len(rows) > size)


def check_trace_id(trace_id: str) -> None:
    if len(trace_id) != 32 or any(c not in "0123456789abcdef" for c in trace_id):
        raise ValidationFailed("A trace id is 32 lower-case hex characters.", field="traceId")


async def trace_spans(tx: Transaction, *, trace_id: str) -> list:
    """Every span of a trace, in start order (at most 10,000)."""
    check_trace_id(trace_id)
    return await fetch_sql(tx.session, "SELECT * FROM spans WHERE tenant_id = $1 AND trace_id = $2 "
                           "ORDER BY start_time, span_id LIMIT 10000", tx.tenant_id, trace_id)


@dataclass
class EventFilter:
    window: TimeRange = field(default_factory=TimeRange)
    source: str | None = None
    severities: list[str] = field(default_factory=list)
    service: str | None = None


async def list_events(tx: Transaction, *, filter: EventFilter, first: int | None = None,
                      after: str | None = None) -> Page:
    """Events matching ``filter``, newest first."""
    since, until = filter.window.check()
    size = check_page_size(first)
    args: list[Any] = [tx.tenant_id, since, until]
    where = ["tenant_id = $1", "occurred_at >= $2", "occurred_at < $3"]
    for column, value in (("source", filter.source), ("service", filter.service)):
        if value:
            args.append(value)
            where.append(f"{column} = ${len(args)}")
    if filter.severities:
        args.append(filter.severities)
        where.append(f"severity = ANY(${len(args)}::text[])")
    if after:
        args.extend(decode_cursor(after, (datetime, uuid.UUID)))
        where.append(f"(occurred_at, id) < (${len(args) - 1}, ${len(args)})")
    rows = await fetch_sql(tx.session, f"SELECT * FROM events WHERE {' AND '.join(where)} "
                           f"ORDER BY occurred_at DESC, id DESC LIMIT {size + 1}", *args)
    page = rows[:size]
    return Page(items=page, cursors=[encode_cursor((r["occurred_at"], r["id"])) for r in page],
                has_next=len(rows) > size)


async def incidents_by_event(tx: Transaction, event_ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
    """Loader batch: the incidents each event raised or was grouped into."""
    rows = await fetch_sql(tx.session, "SELECT event_id, incident_id FROM event_incidents WHERE tenant_id = $1 "
                           "AND event_id = ANY($2::uuid[]) ORDER BY created_at", tx.tenant_id, event_ids)
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row in rows:
        found.setdefault(row["event_id"], []).append(row["incident_id"])
    return [found.get(i, []) for i in event_ids]
