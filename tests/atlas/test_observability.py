"""Observing AtlasAI itself: request ids, JSON logs with the caller's context and no secrets,
Prometheus metrics by route, operation and ingest outcome, and traces of our own requests."""

import http.server
import json
import logging
import threading
from dataclasses import replace

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from prometheus_client.parser import text_string_to_metric_families

from atlas.asgi import create_app
from atlas.logs import JsonFormatter, RedactingFilter, redact
from tests.conftest import auth_headers
from tests.rest.test_ingest import _batch, _key


class OtlpReceiver:
    """A real OTLP/HTTP endpoint (protobuf) on a local port that keeps the spans it is sent."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.path, body))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()
                self.wfile.write(ExportTraceServiceResponse().SerializeToString())

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def spans(self) -> list[dict]:
        found = []
        for path, body in self.received:
            assert path == "/v1/traces"
            request = ExportTraceServiceRequest.FromString(body)
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    found += [{"name": span.name, "trace_id": span.trace_id.hex(),
                               "attributes": {a.key: _any(a.value) for a in span.attributes}}
                              for span in scope.spans]
        return found


def _any(value):
    return getattr(value, value.WhichOneof("value"))


@pytest.fixture
def otlp_receiver():
    receiver = OtlpReceiver()
    yield receiver
    receiver.server.shutdown()


def _samples(text: str) -> dict:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def json_log(caplog):
    """Lines our JSON formatter writes for what the app logs during the test."""
    caplog.handler.addFilter(RedactingFilter())
    caplog.handler.setFormatter(JsonFormatter())
    caplog.set_level(logging.INFO)
    return lambda: [json.loads(caplog.handler.format(record)) for record in caplog.records]


async def test_every_answer_carries_a_request_id_and_a_proxys_id_is_kept(client):
    fresh = await client.get("/healthz")
    kept = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    refused = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})

    assert len(fresh.headers["x-request-id"]) == 32
    assert kept.headers["x-request-id"] == "lb-7f3a.42"
    assert refused.headers["x-request-id"] != "bad id with spaces"


async def test_a_graphql_request_is_logged_as_json_with_tenant_user_operation_and_duration(
        client, make_tenant, sign_in, json_log):
    tenant = await make_tenant()
    grant = await sign_in(tenant)

    response = await client.post("/graphql", json={"query": "query Mine { viewer { subject } }",
                                                    "operationName": "Mine"}, headers=auth_headers(grant))

    line = next(e for e in json_log() if e["logger"] == "atlas.requests" and e.get("operation") == "Mine")
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["tenant_id"] == str(tenant.tenant_id)
    assert line["user"] == grant_subject(grant)
    assert line["status"] == 200 and line["path"] == "/graphql" and line["duration_ms"] > 0
    assert grant.access_token not in json.dumps(json_log())


def grant_subject(grant) -> str:
    import jwt

    return jwt.decode(grant.access_token, options={"verify_signature": False})["sub"]


@pytest.mark.parametrize(("text", "hidden"), [
    ("Authorization: Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl", "eyJhbGciOiJFZERTQSJ9"),
    ("connecting to postgresql://atlas:hunter2@db:5432/atlas", "hunter2"),
    ("login failed password=correct-horse for bob", "correct-horse"),
    ("ingest key ati_0123456789abcdef0123456789abcdef rejected", "0123456789abcdef0123456789abcdef"),
])
def test_secrets_and_tokens_never_reach_a_log_line(text, hidden):
    assert hidden not in redact(text)
    assert "[redacted]" in redact(text)


async def test_metrics_count_requests_by_route_template_and_graphql_operation(client, make_tenant, sign_in):
    tenant = await make_tenant()
    grant = await sign_in(tenant)
    before = _samples((await client.get("/metrics")).text)

    await client.post("/graphql", json={"query": "query CountMe { viewer { subject } }", "operationName": "CountMe"},
                      headers=auth_headers(grant))
    await client.get("/console/incidents/12345")
    after = _samples((await client.get("/metrics")).text)

    name = "atlas_graphql_operation_duration_seconds_count"
    assert _value(after, name, operation="CountMe") - _value(before, name, operation="CountMe") == 1
    routes = {dict(labels).get("route") for (metric, labels) in after if metric.startswith("atlas_http_request")}
    assert "/console/incidents/{incident_id}" in routes
    assert not any(route and "12345" in route for route in routes)
    assert _value(after, "atlas_db_pool_size") > 0


async def test_ingest_outcomes_are_counted_per_signal(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _key(db, tenant)
    batch = _batch(n_events=3)
    batch["events"].append({"source": "nagios", "severity": "error"})  # no title: rejected
    before = _samples((await client.get("/metrics")).text)

    response = await client.post("/api/ingest/events", json=batch, headers={"X-Api-Key": str(key.credential)})
    after = _samples((await client.get("/metrics")).text)

    assert response.status_code == 202
    counted = "atlas_ingest_items_total"
    assert _value(after, counted, signal="events", outcome="accepted") - \
        _value(before, counted, signal="events", outcome="accepted") == 3 + 1 + 2 + 1
    assert _value(after, counted, signal="events", outcome="rejected") - \
        _value(before, counted, signal="events", outcome="rejected") == 1


async def test_metrics_need_the_token_when_one_is_configured(live_settings):
    app = create_app(replace(live_settings, metrics_token="scrape-me"))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            anonymous = await http.get("/metrics")
            wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
            right = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})

    assert anonymous.status_code == 401 and wrong.status_code == 401
    assert right.status_code == 200 and "atlas_http_request_duration_seconds" in right.text


async def test_requests_are_traced_to_the_configured_otlp_endpoint_continuing_the_callers_trace(
        live_settings, otlp_receiver):
    app = create_app(replace(live_settings, otlp_endpoint=otlp_receiver.url))
    caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            await http.get("/healthz", headers={"traceparent": f"00-{caller_trace}-00f067aa0ba902b7-01"})
    # leaving the lifespan flushed the spans

    spans = otlp_receiver.spans()
    assert [s["name"] for s in spans] == ["GET /healthz"]
    assert spans[0]["trace_id"] == caller_trace
    assert spans[0]["attributes"]["http.response.status_code"] == 200


async def test_ai_gateway_calls_and_fallbacks_are_counted(client, db, make_tenant):
    from atlas.metrics import observe_ai_call
    from domain.ai.gateway import Gateway, Resilience
    from domain.ai.governance import ModelDraft, register_model, set_model_status, set_policy
    from domain.ai.providers.local import LocalProvider
    from domain.ai.providers.openai_compat import OpenAIProvider
    from domain.ai.types import ChatRequest, Evidence
    from tests.fake_openai import serve_fake_openai

    # given a tenant whose RCA route is a throttled OpenAI-compatible model, then the local one
    tenant = await make_tenant(plan="pro")
    async with serve_fake_openai() as fake:
        key = f"openai:busy-{tenant.slug}"
        async with db.transaction(tenant_id=None) as tx:
            await register_model(tx, draft=ModelDraft(key=key, provider="openai", model_id="busy", kind="chat",
                                                      residency="local", credits_per_1k_input=1,
                                                      credits_per_1k_output=1, base_url=fake.url), actor="test")
            await set_model_status(tx, key=key, status="approved", actor="test")
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await set_policy(tx, allowed_models=None, forbid_external=False, store_prompts=False,
                             routes={"rca": [key, "local:extractive"]}, actor="owner")
        fake.script = [429, 429]
        gateway = Gateway(db=db, providers={"local": LocalProvider(), "openai": OpenAIProvider(
            key_for=lambda name: "sk-test", timeout=5)}, resilience=Resilience(retries=1, backoff=0.001),
            jitter=lambda: 0.0, observe=observe_ai_call)
        before = _samples((await client.get("/metrics")).text)
        # when it asks once
        await gateway.chat(tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(
            task="rca", question="disk", evidence=(Evidence(id="inc-1", text="WAL files filled the disk."),)))
    after = _samples((await client.get("/metrics")).text)

    # then one local answer and one fallback are counted, with the call's duration
    def grew(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("atlas_ai_calls_total", task="rca", provider="local", outcome="ok") == 1
    assert grew("atlas_ai_fallbacks_total", task="rca") == 1
    assert grew("atlas_ai_call_duration_seconds_count", task="rca") == 1
