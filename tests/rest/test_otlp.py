"""The OTLP/HTTP receiver speaks the protocol: protobuf and JSON, partial success, Status errors."""

import gzip
import json
import time

from google.rpc import status_pb2
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.logs.v1 import logs_pb2
from opentelemetry.proto.resource.v1 import resource_pb2
from sqlalchemy import func, select

from domain.telemetry.models import LogRecord, Span
from tests.rest.test_ingest import _key

PROTOBUF = {"Content-Type": "application/x-protobuf"}


def _logs_request(bodies: list[str]) -> logs_service_pb2.ExportLogsServiceRequest:
    now = time.time_ns()
    records = [logs_pb2.LogRecord(time_unix_nano=now, severity_number=17, severity_text="ERROR",
                                  body=common_pb2.AnyValue(string_value=b)) for b in bodies]
    resource = resource_pb2.Resource(attributes=[common_pb2.KeyValue(
        key="service.name", value=common_pb2.AnyValue(string_value="orders"))])
    return logs_service_pb2.ExportLogsServiceRequest(resource_logs=[logs_pb2.ResourceLogs(
        resource=resource, scope_logs=[logs_pb2.ScopeLogs(log_records=records)])])


async def _count(db, tenant, model):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await tx.session.scalar(select(func.count()).select_from(model))


async def test_protobuf_logs_are_stored_and_answered_in_protobuf(client, db, make_tenant):
    tenant = await make_tenant()
    key = str((await _key(db, tenant)).credential)
    body = gzip.compress(_logs_request(["a", "b"]).SerializeToString())

    response = await client.post("/v1/logs", content=body,
                                 headers={**PROTOBUF, "Content-Encoding": "gzip", "X-Api-Key": key})

    assert response.status_code == 200 and response.headers["content-type"] == "application/x-protobuf"
    answer = logs_service_pb2.ExportLogsServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_log_records == 0
    assert await _count(db, tenant, LogRecord) == 2


async def test_invalid_records_are_reported_as_partial_success(client, db, make_tenant):
    tenant = await make_tenant()
    key = str((await _key(db, tenant)).credential)
    request = _logs_request(["fine", "x" * 70_000])

    response = await client.post("/v1/logs", content=request.SerializeToString(), headers={**PROTOBUF, "X-Api-Key": key})

    answer = logs_service_pb2.ExportLogsServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_log_records == 1
    assert answer.partial_success.error_message.startswith("#1: body: String should have at most 65536 characters")
    assert await _count(db, tenant, LogRecord) == 1


async def test_otlp_json_uses_hex_ids_and_gets_a_json_answer(client, db, make_tenant):
    tenant = await make_tenant()
    key = str((await _key(db, tenant)).credential)
    now = time.time_ns()
    request = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
               "scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
                                          "name": "GET /items", "kind": 2, "startTimeUnixNano": str(now),
                                          "endTimeUnixNano": str(now + 5_000_000)}]}]}]}

    response = await client.post("/v1/traces", json=request, headers={"X-Api-Key": key})

    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert json.loads(response.text).get("partialSuccess", {}).get("rejectedSpans", 0) == 0
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        stored = (await tx.session.execute(select(Span.trace_id, Span.span_id, Span.kind, Span.duration_ms))).one()
    assert tuple(stored) == ("5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", "server", 5.0)


async def test_a_malformed_body_is_400_with_a_status_message(client, db, make_tenant):
    tenant = await make_tenant()
    key = str((await _key(db, tenant)).credential)

    response = await client.post("/v1/traces", content=b"\xff\xff not protobuf", headers={**PROTOBUF, "X-Api-Key": key})

    status = status_pb2.Status.FromString(response.content)
    assert response.status_code == 400 and status.code == 3
    assert status.message.startswith("cannot decode the OTLP traces request")
    assert await _count(db, tenant, Span) == 0


async def test_unsupported_content_types_and_missing_credentials_are_refused(client):
    wrong_type = await client.post("/v1/logs", content=b"x", headers={"Content-Type": "text/plain"})
    no_key = await client.post("/v1/logs", content=_logs_request(["a"]).SerializeToString(), headers=PROTOBUF)

    assert wrong_type.status_code == 415
    assert no_key.status_code == 401
    assert status_pb2.Status.FromString(no_key.content).code == 16


async def test_a_record_with_a_nul_character_is_rejected_and_the_rest_stored(client, db, make_tenant):
    tenant = await make_tenant()
    key = str((await _key(db, tenant)).credential)
    request = _logs_request(["fine", "bad\x00byte"])

    response = await client.post("/v1/logs", content=request.SerializeToString(), headers={**PROTOBUF, "X-Api-Key": key})

    assert response.status_code == 200
    answer = logs_service_pb2.ExportLogsServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_log_records == 1
    assert answer.partial_success.error_message.startswith("#1: text must not contain NUL characters")
    assert await _count(db, tenant, LogRecord) == 1


async def test_metric_points_keep_their_values_and_buckets_and_nan_is_rejected(client, db, make_tenant):
    from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
    from opentelemetry.proto.metrics.v1 import metrics_pb2

    from domain.telemetry.models import MetricPoint

    tenant = await make_tenant()
    key = str((await _key(db, tenant)).credential)
    now = time.time_ns()
    gauge = metrics_pb2.Metric(name="queue.depth", gauge=metrics_pb2.Gauge(data_points=[
        metrics_pb2.NumberDataPoint(time_unix_nano=now, as_double=2.5),
        metrics_pb2.NumberDataPoint(time_unix_nano=now + 1000, as_double=float("nan"))]))
    histogram = metrics_pb2.Metric(name="http.duration", histogram=metrics_pb2.Histogram(data_points=[
        metrics_pb2.HistogramDataPoint(time_unix_nano=now, count=4, sum=2.0, explicit_bounds=[0.1, 1.0],
                                       bucket_counts=[1, 2, 1])]))
    request = metrics_service_pb2.ExportMetricsServiceRequest(resource_metrics=[metrics_pb2.ResourceMetrics(
        scope_metrics=[metrics_pb2.ScopeMetrics(metrics=[gauge, histogram])])])

    response = await client.post("/v1/metrics", content=request.SerializeToString(),
                                 headers={**PROTOBUF, "X-Api-Key": key})

    answer = metrics_service_pb2.ExportMetricsServiceResponse.FromString(response.content)
    assert response.status_code == 200 and answer.partial_success.rejected_data_points == 1
    assert "value: Input should be a finite number" in answer.partial_success.error_message
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        points = (await tx.session.execute(select(MetricPoint).order_by(MetricPoint.name, MetricPoint.ts))).scalars()
        stored = [(p.name, p.value, p.count, p.bucket_bounds, p.bucket_counts) for p in points]
    assert stored == [("http.duration", 0.5, 4, [0.1, 1.0], [1, 2, 1]), ("queue.depth", 2.5, None, None, None)]
