"""GraphQL inputs for telemetry queries. Times default to the last hour; ranges up to 31 days."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.errors import ValidationFailed
from domain.telemetry.queries import EventFilter, LogFilter, SeriesQuery, TimeRange, TraceFilter
from resolvers.telemetry.types import MetricAggregation


def _strings(value, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValidationFailed(f"{field} must be an object of string values.", field=field)
    return value


@strawberry.input
class LogFilterInput:
    since: datetime | None = None
    until: datetime | None = None
    min_severity: int = strawberry.field(default=0, description="OTLP severity number: 9 info, 13 warn, 17 error.")
    service: str | None = None
    text: str | None = strawberry.field(default=None, description="Full-text search on the body (web search syntax).")
    trace_id: str | None = None
    attributes: strawberry.scalars.JSON | None = strawberry.field(default=None,
                                                                  description="Attributes that must match.")

    def to_domain(self) -> LogFilter:
        return LogFilter(window=TimeRange(self.since, self.until), min_severity=self.min_severity,
                         service=self.service, text=self.text, trace_id=self.trace_id,
                         attributes=_strings(self.attributes, "attributes"))


@strawberry.input
class MetricSeriesInput:
    name: str
    since: datetime | None = None
    until: datetime | None = None
    step_seconds: int = 60
    aggregation: MetricAggregation = MetricAggregation.AVG
    group_by: list[str] = strawberry.field(default_factory=list)
    labels: strawberry.scalars.JSON | None = strawberry.field(default=None, description="Labels that must match.")

    def to_domain(self) -> SeriesQuery:
        return SeriesQuery(name=self.name, window=TimeRange(self.since, self.until), step_seconds=self.step_seconds,
                           aggregation=self.aggregation.value, group_by=self.group_by,
                           labels=_strings(self.labels, "labels"))


@strawberry.input
class TraceFilterInput:
    since: datetime | None = None
    until: datetime | None = None
    service: str | None = None
    min_duration_ms: float | None = None
    errors_only: bool = False

    def to_domain(self) -> TraceFilter:
        return TraceFilter(window=TimeRange(self.since, self.until), service=self.service,
                           min_duration_ms=self.min_duration_ms, errors_only=self.errors_only)


@strawberry.input
class EventFilterInput:
    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None
    severities: list[str] | None = None
    service: str | None = None

    def to_domain(self) -> EventFilter:
        return EventFilter(window=TimeRange(self.since, self.until), source=self.source,
                           severities=list(self.severities or ()), service=self.service)
