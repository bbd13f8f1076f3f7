"""Telemetry queries: thin wrappers over domain/telemetry/queries.py."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.telemetry import queries
from domain.telemetry.traces import span_tree
from resolvers.pagination import Connection, connection
from resolvers.telemetry.inputs import EventFilterInput, LogFilterInput, MetricSeriesInput, TraceFilterInput
from resolvers.telemetry.types import Event, LogRecord, MetricSeries, Trace, TraceSummary, trace_of


async def resolve_logs(info: strawberry.Info, filter: LogFilterInput | None = None, first: int | None = 100,
                       after: str | None = None) -> Connection[LogRecord]:
    """Log records, newest first."""
    async with info.context.transaction() as tx:
        page = await queries.search_logs(tx, filter=(filter or LogFilterInput()).to_domain(), first=first, after=after)
    return connection(page, LogRecord.from_record)


async def resolve_metric_names(info: strawberry.Info, prefix: str = "", since: datetime | None = None,
                               until: datetime | None = None) -> list[str]:
    """Metric names seen (default: the last day)."""
    window = queries.TimeRange(since, until) if since or until else None
    async with info.context.transaction() as tx:
        return await queries.metric_names(tx, prefix=prefix, window=window)


async def resolve_metric_label_values(info: strawberry.Info, name: str, label: str, since: datetime | None = None,
                                      until: datetime | None = None) -> list[str]:
    """Values one label of a metric took (default: the last day)."""
    window = queries.TimeRange(since, until) if since or until else None
    async with info.context.transaction() as tx:
        return await queries.metric_label_values(tx, name=name, label=label, window=window)


async def resolve_metric_series(info: strawberry.Info, input: MetricSeriesInput) -> list[MetricSeries]:
    """A metric in time buckets, aggregated per bucket, one series per group."""
    async with info.context.transaction() as tx:
        found = await queries.metric_series(tx, query=input.to_domain())
    return [MetricSeries.from_series(series) for series in found]


async def resolve_traces(info: strawberry.Info, filter: TraceFilterInput | None = None, first: int | None = 50,
                         after: str | None = None) -> Connection[TraceSummary]:
    """Traces, newest first."""
    async with info.context.transaction() as tx:
        page = await queries.find_traces(tx, filter=(filter or TraceFilterInput()).to_domain(), first=first,
                                         after=after)
    return connection(page, TraceSummary.from_record)


async def resolve_trace(info: strawberry.Info, trace_id: str) -> Trace | None:
    """One trace as a span tree; null if no span of it is stored."""
    async with info.context.transaction() as tx:
        return trace_of(span_tree(trace_id, await queries.trace_spans(tx, trace_id=trace_id.lower())))


async def resolve_events(info: strawberry.Info, filter: EventFilterInput | None = None, first: int | None = 100,
                         after: str | None = None) -> Connection[Event]:
    """Events, newest first."""
    async with info.context.transaction() as tx:
        page = await queries.list_events(tx, filter=(filter or EventFilterInput()).to_domain(), first=first,
                                         after=after)
    return connection(page, Event.from_record)
