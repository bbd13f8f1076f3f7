"""A real OpenTelemetry SDK exporting spans, logs and metrics over OTLP/HTTP to a running server;
the data is then found through GraphQL."""

import logging

import httpx
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from domain.apikeys.service import create_api_key
from domain.auth.principals import user_principal
from tests.conftest import auth_headers

RESOURCE = Resource.create({"service.name": "otel-e2e", "host.name": "runner-1"})


async def _ingest_key(db, tenant) -> str:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
        issued = await create_api_key(tx, name="otel-sdk", kind="ingest", roles=["agent"], expires_at=None, actor=owner)
    return str(issued.credential)


def _export_traces(base: str, key: str) -> str:
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{base}/v1/traces",
                                                                     headers={"x-api-key": key})))
    tracer = provider.get_tracer("e2e")
    with tracer.start_as_current_span("checkout") as root:
        with tracer.start_as_current_span("charge card"):
            pass
    provider.shutdown()
    return format(root.get_span_context().trace_id, "032x")


def _export_logs(base: str, key: str) -> None:
    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(SimpleLogRecordProcessor(OTLPLogExporter(endpoint=f"{base}/v1/logs",
                                                                               headers={"x-api-key": key})))
    logger = logging.getLogger("otel-e2e")
    handler = LoggingHandler(logger_provider=provider)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.error("payment gateway timeout for order 9001")
    logger.removeHandler(handler)
    provider.shutdown()


def _export_metrics(base: str, key: str) -> None:
    reader = PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"{base}/v1/metrics",
                                                              headers={"x-api-key": key}), export_interval_millis=60000)
    provider = MeterProvider(resource=RESOURCE, metric_readers=[reader])
    meter = provider.get_meter("e2e")
    meter.create_counter("orders.placed").add(3, {"channel": "web"})
    meter.create_histogram("checkout.duration", unit="ms").record(120.0)
    provider.shutdown()


async def test_sdk_exports_are_found_through_graphql(live_server, db, make_tenant, sign_in):
    tenant = await make_tenant()
    key = await _ingest_key(db, tenant)

    trace_id = _export_traces(live_server, key)
    _export_logs(live_server, key)
    _export_metrics(live_server, key)

    query = """query($t: String!) {
      trace(traceId: $t) { spans { name service depth } }
      logs(filter: {text: "gateway timeout"}) { edges { node { body severityNumber service traceId } } }
      metricNames
    }"""
    async with httpx.AsyncClient(base_url=live_server, headers=auth_headers(await sign_in(tenant))) as http:
        body = (await http.post("/graphql", json={"query": query, "variables": {"t": trace_id}})).json()

    assert body["data"]["trace"]["spans"] == [{"name": "checkout", "service": "otel-e2e", "depth": 0},
                                              {"name": "charge card", "service": "otel-e2e", "depth": 1}]
    log = body["data"]["logs"]["edges"][0]["node"]
    assert log["body"] == "payment gateway timeout for order 9001" and log["severityNumber"] == 17
    assert log["service"] == "otel-e2e"
    assert {"orders.placed", "checkout.duration"} <= set(body["data"]["metricNames"])
