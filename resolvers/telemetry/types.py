"""GraphQL types for telemetry: log records, metric series, traces and spans, events."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

import strawberry

from domain.telemetry.queries import Series, incidents_by_event
from domain.telemetry.traces import PlacedSpan, SpanTree
from resolvers.guards import guard
from resolvers.incidents.types import Incident, load_incident
from resolvers.loaders import loader


@strawberry.enum
class MetricAggregation(Enum):
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    SUM = "sum"
    COUNT = "count"
    P95 = "p95"


@strawberry.type(description="One log line.")
class LogRecord:
    ts: datetime
    severity_number: int
    severity_text: str
    body: str
    service: str | None
    trace_id: str | None
    span_id: str | None
    attributes: strawberry.scalars.JSON
    resource: strawberry.scalars.JSON

    @classmethod
    def from_record(cls, r) -> LogRecord:
        return cls(ts=r["ts"], severity_number=r["severity_number"], severity_text=r["severity_text"],
                   body=r["body"], service=r["service"], trace_id=r["trace_id"], span_id=r["span_id"],
                   attributes=r["attributes"], resource=r["resource"])


@strawberry.type
class MetricPoint:
    ts: datetime = strawberry.field(description="Start of the time bucket.")
    value: float | None


@strawberry.type(description="One group of a metric: its label values and bucketed points.")
class MetricSeries:
    labels: strawberry.scalars.JSON
    points: list[MetricPoint]

    @classmethod
    def from_series(cls, series: Series) -> MetricSeries:
        return cls(labels=series.labels, points=[MetricPoint(ts=t, value=v) for t, v in series.points])


@strawberry.type(description="A trace at a glance.")
class TraceSummary:
    trace_id: str
    start_time: datetime
    end_time: datetime
    duration_ms: float
    span_count: int
    error_count: int
    root_name: str | None
    root_service: str | None

    @classmethod
    def from_record(cls, r) -> TraceSummary:
        return cls(trace_id=r["trace_id"], start_time=r["start_time"], end_time=r["end_time"],
                   duration_ms=(r["end_time"] - r["start_time"]).total_seconds() * 1000, span_count=r["span_count"],
                   error_count=r["error_count"], root_name=r["root_name"], root_service=r["root_service"])


@strawberry.type(description="One operation in a trace, with its place in the tree.")
class Span:
    span_id: str
    parent_span_id: str | None
    name: str
    service: str
    kind: str
    start_time: datetime
    end_time: datetime
    duration_ms: float
    status: str
    status_message: str
    attributes: strawberry.scalars.JSON
    events: strawberry.scalars.JSON
    depth: int = strawberry.field(description="0 for roots; children are one deeper.")
    offset_ms: float = strawberry.field(description="Start relative to the trace start (for waterfalls).")


@strawberry.type(description="A whole trace: spans in tree order (depth-first), each with its depth.")
class Trace:
    trace_id: str
    start_time: datetime
    duration_ms: float
    spans: list[Span]


def trace_of(tree: SpanTree | None) -> Trace | None:
    """The API's trace of a span tree (domain/telemetry/traces.py orders it)."""
    if tree is None:
        return None
    return Trace(trace_id=tree.trace_id, start_time=tree.start_time, duration_ms=tree.duration_ms,
                 spans=[_span(placed) for placed in tree.spans])


def _span(placed: PlacedSpan) -> Span:
    r = placed.row
    return Span(span_id=r["span_id"], parent_span_id=r["parent_span_id"], name=r["name"], service=r["service"],
                kind=r["kind"], start_time=r["start_time"], end_time=r["end_time"], duration_ms=r["duration_ms"],
                status=r["status_code"], status_message=r["status_message"], attributes=r["attributes"],
                events=r["events"], depth=placed.depth, offset_ms=placed.offset_ms)


@strawberry.type(description="Something an agent or integration reported.")
class Event:
    id: strawberry.ID
    occurred_at: datetime
    received_at: datetime
    source: str
    kind: str
    severity: str
    title: str
    message: str
    service: str | None
    host: str | None
    attributes: strawberry.scalars.JSON
    key: strawberry.Private[uuid.UUID]

    @classmethod
    def from_record(cls, r) -> Event:
        return cls(id=str(r["id"]), occurred_at=r["occurred_at"], received_at=r["received_at"], source=r["source"],
                   kind=r["kind"], severity=r["severity"], title=r["title"], message=r["message"],
                   service=r["service"], host=r["host"], attributes=r["attributes"], key=r["id"])

    @strawberry.field(description="The incidents this event raised or was grouped into (needs incident.read).",
                      extensions=guard("incident.read", feature="incidents"))
    async def incidents(self, info: strawberry.Info) -> list[Incident]:
        incident_ids = await loader(info, incidents_by_event).load(self.key)
        found = [await load_incident(info, incident_id) for incident_id in incident_ids]
        return [incident for incident in found if incident is not None]
