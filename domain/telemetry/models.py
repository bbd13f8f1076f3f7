"""Telemetry storage: events, log records, metric points and spans, in daily range partitions.

The four stores carry no foreign key to ``tenants`` (a per-row check on every ingested row costs
more than it protects; tenant deletion purges them by job). They are partitioned by time (one
partition per UTC day, created ahead by ``atlas_ensure_partitions`` and dropped after retention by
``atlas_drop_partitions_before``).
Each keeps ``tenant_id`` with forced row-level security like every tenant table. Rows are written
in one ``INSERT ... SELECT FROM unnest(...)`` statement per table and batch (RLS refuses COPY).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Computed,
    Double,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped

PARTITIONED = {"events": "occurred_at", "log_records": "ts", "metric_points": "ts", "spans": "start_time"}


class Event(TenantScoped, Base):
    """Something an agent or integration reports: an alert, a deploy, a health change."""

    __tablename__ = "events"
    __table_args__ = (
        Index("uq_events_dedup", "tenant_id", "dedup_key", "occurred_at", unique=True),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, server_default=text("nextval('telemetry_seq')"))
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    dedup_key: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(500))
    message: Mapped[str] = mapped_column(Text, server_default="")
    service: Mapped[str | None] = mapped_column(String(200))
    host: Mapped[str | None] = mapped_column(String(200))
    attributes: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    resource: Mapped[dict[str, Any]] = mapped_column(server_default="{}")


class LogRecord(TenantScoped, Base):
    """One log line (OTLP LogRecord or the ingest envelope's logs)."""

    __tablename__ = "log_records"
    __table_args__ = (
        Index("ix_log_records_tenant_service_ts", "tenant_id", "service", "ts"),
        Index("ix_log_records_search", "search", postgresql_using="gin"),
        Index("ix_log_records_trace", "tenant_id", "trace_id"),
        {"postgresql_partition_by": "RANGE (ts)"},
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ts: Mapped[datetime] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, server_default=text("nextval('telemetry_seq')"))
    observed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    severity_number: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    severity_text: Mapped[str] = mapped_column(String(16), server_default="")
    body: Mapped[str] = mapped_column(Text)
    service: Mapped[str | None] = mapped_column(String(200))
    trace_id: Mapped[str | None] = mapped_column(String(32))
    span_id: Mapped[str | None] = mapped_column(String(16))
    attributes: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    resource: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    search: Mapped[str] = mapped_column(TSVECTOR, Computed("to_tsvector('simple', body)", persisted=True))


class MetricPoint(TenantScoped, Base):
    """One data point of a metric series: gauge or sum value, or a histogram summary."""

    __tablename__ = "metric_points"
    __table_args__ = (
        Index("ix_metric_points_series", "tenant_id", "name", "ts"),
        Index("ix_metric_points_labels", "labels", postgresql_using="gin"),
        {"postgresql_partition_by": "RANGE (ts)"},
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    ts: Mapped[datetime] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Double)
    count: Mapped[int | None] = mapped_column(BigInteger)
    bucket_bounds: Mapped[list[float] | None] = mapped_column(JSONB)
    bucket_counts: Mapped[list[int] | None] = mapped_column(JSONB)
    unit: Mapped[str] = mapped_column(String(32), server_default="")
    service: Mapped[str | None] = mapped_column(String(200))
    labels: Mapped[dict[str, Any]] = mapped_column(server_default="{}")


class Span(TenantScoped, Base):
    """One span of a distributed trace."""

    __tablename__ = "spans"
    __table_args__ = (
        Index("ix_spans_trace", "tenant_id", "trace_id"),
        Index("ix_spans_tenant_service_start", "tenant_id", "service", "start_time"),
        {"postgresql_partition_by": "RANGE (start_time)"},
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    start_time: Mapped[datetime] = mapped_column(primary_key=True)
    trace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    span_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    parent_span_id: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), server_default="internal")
    end_time: Mapped[datetime]
    duration_ms: Mapped[float] = mapped_column(Double)
    status_code: Mapped[str] = mapped_column(String(8), server_default="unset")
    status_message: Mapped[str] = mapped_column(Text, server_default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    resource: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    events: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")


class TelemetryResource(TenantScoped, Base):
    """A resource seen by ingest (service.name, host.name, k8s.*): what the CMDB discovers from."""

    __tablename__ = "telemetry_resources"
    __table_args__ = (Index("uq_telemetry_resources_key", "tenant_id", "key", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(64))
    service: Mapped[str | None] = mapped_column(String(200))
    host: Mapped[str | None] = mapped_column(String(200))
    attributes: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    first_seen: Mapped[datetime] = mapped_column(server_default=func.now())
    last_seen: Mapped[datetime] = mapped_column(server_default=func.now())
    seen_count: Mapped[int] = mapped_column(BigInteger, server_default="1")


class IngestBatch(TenantScoped, Base):
    """A batch accepted under an Idempotency-Key: a retry gets the stored answer, nothing is stored twice."""

    __tablename__ = "ingest_batches"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    response: Mapped[dict[str, Any]]
    request_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class EventKey(TenantScoped, Base):
    """An event id seen by ingest, kept for the dedup window: a resend with the same id is stored once,
    whatever its ``time`` (events' own uniqueness includes their time, which a time-less resend changes)."""

    __tablename__ = "event_keys"
    # BRIN: keys arrive in time order, and a B-tree here would cost every ingested event a second insert
    __table_args__ = (Index("ix_event_keys_first_seen", "first_seen", postgresql_using="brin"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(server_default=func.now())


class EventIncident(TenantScoped, Base):
    """Which incident an event raised or was grouped into (written by alert evaluation)."""

    __tablename__ = "event_incidents"
    __table_args__ = (Index("ix_event_incidents_incident", "tenant_id", "incident_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    rule: Mapped[str | None] = mapped_column(String(200))

