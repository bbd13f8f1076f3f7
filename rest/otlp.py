"""OTLP/HTTP receiver: /v1/logs, /v1/metrics, /v1/traces, protobuf or JSON, optionally gzip.

A stock OpenTelemetry Collector or SDK exporter can point at AtlasAI directly (with an ingest key
in the X-Api-Key header, or an oauth2client bearer token plus x-tenant-id). Answers follow the OTLP
specification: the Export*ServiceResponse with ``partial_success`` on success, a ``google.rpc.Status``
on errors, 429/503 with Retry-After when the client should retry.
"""

from __future__ import annotations

from google.protobuf import json_format
from google.rpc import status_pb2
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2 as logs
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as metrics
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as traces
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.telemetry import intake
from domain.telemetry.otlp import CONVERTERS, OtlpError, decode
from rest.ingest_http import API_KEY_HEADER, REFUSED, IngestHTTPError, note_ingest, read_body

PROTOBUF, JSON = "application/x-protobuf", "application/json"
GRPC_CODES = {400: 3, 401: 16, 403: 7, 409: 6, 413: 8, 415: 3, 429: 8, 503: 14}


def _partial_success(signal: str, rejected: int, message: str):
    if signal == "logs":
        return logs.ExportLogsServiceResponse(partial_success=logs.ExportLogsPartialSuccess(
            rejected_log_records=rejected, error_message=message))
    if signal == "metrics":
        return metrics.ExportMetricsServiceResponse(partial_success=metrics.ExportMetricsPartialSuccess(
            rejected_data_points=rejected, error_message=message))
    return traces.ExportTraceServiceResponse(partial_success=traces.ExportTracePartialSuccess(
        rejected_spans=rejected, error_message=message))


def _encode(message, as_json: bool) -> Response:
    if as_json:
        return Response(json_format.MessageToJson(message), media_type=JSON)
    return Response(message.SerializeToString(), media_type=PROTOBUF)


def _error(exc: IngestHTTPError, as_json: bool) -> Response:
    response = _encode(status_pb2.Status(code=GRPC_CODES.get(exc.status, 2), message=exc.message), as_json)
    response.status_code = exc.status
    if exc.retry_after:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _content_type(request: Request) -> bool:
    """True for OTLP/JSON, False for protobuf; 415 for anything else."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in (PROTOBUF, JSON):
        raise IngestHTTPError(415, f"Content-Type must be {PROTOBUF} or {JSON}.")
    return kind == JSON


async def _export(request: Request, signal: str) -> Response:
    as_json = request.headers.get("content-type", "").split(";")[0].strip().lower() == JSON
    runtime = request.app.state.runtime
    try:
        try:
            as_json = _content_type(request)
            sender = await intake.sender(runtime.db, principal=getattr(request.state, "principal", None),
                                         ingest_key=request.headers.get(API_KEY_HEADER))
            body = await read_body(request)
            accepted = await intake.accept(runtime.db, runtime.redis, sender=sender, body=body,
                                           batches=_batches(signal, body, as_json=as_json))
        except REFUSED as exc:
            raise IngestHTTPError.of(exc) from None
    except IngestHTTPError as exc:
        return _error(exc, as_json)
    note_ingest(request, signal, accepted.answer)
    rejected = accepted.answer["rejected"]
    message = "; ".join(f"#{r['index']}: {r['reason']}" for r in rejected[:5])
    return _encode(_partial_success(signal, len(rejected), message), as_json)


def _batches(signal: str, body: bytes, *, as_json: bool) -> list:
    try:
        return CONVERTERS[signal](decode(signal, body, json_body=as_json))
    except OtlpError as bad:
        raise IngestHTTPError(400, str(bad)) from None


async def export_logs(request: Request) -> Response:
    """POST /v1/logs"""
    return await _export(request, "logs")


async def export_metrics(request: Request) -> Response:
    """POST /v1/metrics"""
    return await _export(request, "metrics")


async def export_traces(request: Request) -> Response:
    """POST /v1/traces"""
    return await _export(request, "traces")


routes = [
    Route("/v1/logs", export_logs, methods=["POST"]),
    Route("/v1/metrics", export_metrics, methods=["POST"]),
    Route("/v1/traces", export_traces, methods=["POST"]),
]
