"""OTLP (OpenTelemetry protocol) requests turned into ingest batches, one per resource.

Decoding uses the ``opentelemetry-proto`` messages. In OTLP/JSON, trace and span ids are hex
strings, which protobuf's JSON parser would mis-read as base64, so they are converted first.
Every record goes through the same validation as the REST envelope (with the same reasons).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from pydantic import ValidationError

from domain import strict_json
from domain.telemetry.envelope import (
    KINDS,
    UNSTORABLE_REASON,
    EnvelopeError,
    LogIn,
    MetricIn,
    ParsedBatch,
    Rejection,
    SpanIn,
    _reason,
    resource_attributes,
)
from domain.text import all_storable

SIGNALS = {"logs": ExportLogsServiceRequest, "metrics": ExportMetricsServiceRequest,
           "traces": ExportTraceServiceRequest}
SPAN_KINDS = {0: "internal", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
STATUS = {0: "unset", 1: "ok", 2: "error"}
_ID_FIELDS = {"traceId", "spanId", "parentSpanId"}


class OtlpError(ValueError):
    """The request body cannot be decoded."""


def _hex_ids_to_base64(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (base64.b64encode(bytes.fromhex(v)).decode() if k in _ID_FIELDS and isinstance(v, str) and v
                    else _hex_ids_to_base64(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_hex_ids_to_base64(v) for v in node]
    return node


def decode(signal: str, body: bytes, *, json_body: bool):
    """The Export*ServiceRequest of ``signal`` from protobuf or OTLP/JSON bytes."""
    message = SIGNALS[signal]()
    try:
        if json_body:
            json_format.ParseDict(_hex_ids_to_base64(strict_json.loads(body)), message, ignore_unknown_fields=True)
        else:
            message.ParseFromString(body)
    except (DecodeError, json_format.ParseError, ValueError, TypeError) as bad:
        raise OtlpError(f"cannot decode the OTLP {signal} request: {bad}") from None
    return message


def _value(value) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return json.dumps([_value(v) for v in value.array_value.values], default=str)
    if kind == "kvlist_value":
        return json.dumps(_attributes(value.kvlist_value.values), default=str)
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return getattr(value, kind)


def _attributes(pairs) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs}


def _time(nanos: int) -> datetime | None:
    """A UNIX time in nanoseconds as a datetime (exact to the microsecond)."""
    if not nanos:
        return None
    seconds, rest = divmod(int(nanos), 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=rest // 1000)


def _add(batch: ParsedBatch, kind: str, model, fields: dict, index: int) -> None:
    if not all_storable(fields):
        batch.rejected.append(Rejection(kind, index, UNSTORABLE_REASON))
        return
    try:
        batch.items[kind].append((index, model.model_validate(fields)))
    except ValidationError as invalid:
        batch.rejected.append(Rejection(kind, index, _reason(invalid)))


def _new_batch(resource) -> ParsedBatch:
    try:
        attributes = resource_attributes(_attributes(resource.attributes))
    except EnvelopeError as refused:
        raise OtlpError(str(refused)) from None
    return ParsedBatch(resource=attributes, items={kind: [] for kind in KINDS})


def log_batches(request: ExportLogsServiceRequest) -> list[ParsedBatch]:
    batches, index = [], 0
    for group in request.resource_logs:
        batch = _new_batch(group.resource)
        for scope in group.scope_logs:
            for record in scope.log_records:
                body = _value(record.body)
                _add(batch, "logs", LogIn, {
                    "time": _time(record.time_unix_nano or record.observed_time_unix_nano),
                    "severity": record.severity_text[:16], "severity_number": record.severity_number,
                    "body": body if isinstance(body, str) else json.dumps(body, default=str),
                    "trace_id": record.trace_id.hex() or None, "span_id": record.span_id.hex() or None,
                    "attributes": _attributes(record.attributes)}, index)
                index += 1
        batches.append(batch)
    return batches


def _labels(pairs) -> dict[str, str]:
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in _attributes(pairs).items()}


def _metric_points(metric) -> list[dict] | str:
    kind = metric.WhichOneof("data")
    if kind in ("gauge", "sum"):
        return [{"name": metric.name, "kind": kind, "unit": metric.unit, "time": _time(p.time_unix_nano),
                 "value": p.as_double if p.WhichOneof("value") == "as_double" else float(p.as_int),
                 "labels": _labels(p.attributes)} for p in getattr(metric, kind).data_points]
    if kind == "histogram":
        return [{"name": metric.name, "kind": "histogram", "unit": metric.unit, "time": _time(p.time_unix_nano),
                 "count": p.count, "sum": p.sum, "bounds": list(p.explicit_bounds) or None,
                 "counts": list(p.bucket_counts) or None, "labels": _labels(p.attributes)}
                for p in metric.histogram.data_points]
    return f"metric {metric.name!r}: {kind or 'empty'} metrics are not supported yet"


def metric_batches(request: ExportMetricsServiceRequest) -> list[ParsedBatch]:
    batches, index = [], 0
    for group in request.resource_metrics:
        batch = _new_batch(group.resource)
        for scope in group.scope_metrics:
            for metric in scope.metrics:
                points = _metric_points(metric)
                if isinstance(points, str):
                    batch.rejected.append(Rejection("metrics", index, points))
                    index += 1
                    continue
                for point in points:
                    _add(batch, "metrics", MetricIn, point, index)
                    index += 1
        batches.append(batch)
    return batches


def span_batches(request: ExportTraceServiceRequest) -> list[ParsedBatch]:
    batches, index = [], 0
    for group in request.resource_spans:
        batch = _new_batch(group.resource)
        for scope in group.scope_spans:
            for span in scope.spans:
                _add(batch, "spans", SpanIn, {
                    "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex() or None, "name": span.name or "unnamed",
                    "kind": SPAN_KINDS.get(span.kind, "internal"), "start_time": _time(span.start_time_unix_nano),
                    "end_time": _time(span.end_time_unix_nano), "status": STATUS.get(span.status.code, "unset"),
                    "status_message": span.status.message[:2000], "attributes": _attributes(span.attributes),
                    "events": [{"name": e.name, "time": str(_time(e.time_unix_nano)),
                                "attributes": _attributes(e.attributes)} for e in span.events][:128],
                }, index)
                index += 1
        batches.append(batch)
    return batches


CONVERTERS = {"logs": log_batches, "metrics": metric_batches, "traces": span_batches}
