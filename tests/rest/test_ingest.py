"""POST /api/ingest/events: partial success, idempotency, limits, and refusals that store nothing."""

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from atlas.db import Database
from domain.apikeys.service import create_api_key
from domain.auth.principals import user_principal
from domain.telemetry.models import Event, LogRecord, MetricPoint, Span
from tests.conftest import auth_headers

NOW = datetime.now(UTC)


async def _key(db, tenant, kind="ingest", roles=("agent",)):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
        issued = await create_api_key(tx, name="edge", kind=kind, roles=list(roles), expires_at=None, actor=owner)
    return issued


async def _counts(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return {model.__tablename__: await tx.session.scalar(select(func.count()).select_from(model))
                for model in (Event, LogRecord, MetricPoint, Span)}


def _batch(n_events=2, title="Disk full"):
    return {
        "resource": {"service.name": "checkout", "host.name": "web-1"},
        "events": [{"source": "nagios", "title": f"{title} {i}", "severity": "error", "id": f"ev-{title}-{i}"}
                   for i in range(n_events)],
        "logs": [{"body": "payment failed: card declined", "severity": "ERROR", "attributes": {"order": 42}}],
        "metrics": [{"name": "http.server.duration", "value": 123.4, "labels": {"route": "/pay"}},
                    {"name": "http.server.duration", "kind": "histogram", "count": 4, "sum": 2.0,
                     "bounds": [0.1, 1.0], "counts": [1, 2, 1]}],
        "spans": [{"trace_id": "a" * 32, "span_id": "b" * 16, "name": "POST /pay", "kind": "server",
                   "start_time": NOW.isoformat(), "end_time": (NOW + timedelta(milliseconds=250)).isoformat(),
                   "status": "error"}],
    }


async def test_a_batch_is_stored_and_answered_with_counts(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _key(db, tenant)

    response = await client.post("/api/ingest/events", json=_batch(), headers={"X-Api-Key": str(key.credential)})

    assert response.status_code == 202
    assert response.json() == {"accepted": {"events": 2, "logs": 1, "metrics": 2, "spans": 1},
                               "duplicates": 0, "rejected": []}
    assert await _counts(db, tenant) == {"events": 2, "log_records": 1, "metric_points": 2, "spans": 1}


async def test_invalid_items_are_rejected_one_by_one_and_the_rest_stored(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _key(db, tenant)
    batch = {"events": [{"source": "x", "title": "fine"}, {"source": "x"},
                        {"source": "x", "title": "ancient", "time": "2001-01-01T00:00:00Z"}],
             "spans": [{"trace_id": "nothex", "span_id": "b" * 16, "name": "n", "start_time": NOW.isoformat(),
                        "end_time": NOW.isoformat()}]}

    body = (await client.post("/api/ingest/events", json=batch, headers={"X-Api-Key": str(key.credential)})).json()

    assert body["accepted"]["events"] == 1
    reasons = {(r["kind"], r["index"]): r["reason"] for r in body["rejected"]}
    assert reasons[("event", 1)] == "title: Field required"
    assert reasons[("event", 2)].startswith("time 2001-01-01T00:00:00+00:00 is outside the accepted window")
    assert "trace_id" in reasons[("span", 0)]
    assert (await _counts(db, tenant))["events"] == 1


async def test_client_credential_tokens_may_ingest_but_people_without_ingest_write_may_not(
        client, db, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    agent = await _key(db, tenant, kind="client")
    token = (await client.post("/api/auth/token", data={"grant_type": "client_credentials",
                                                         "client_id": agent.client_id,
                                                         "client_secret": agent.client_secret})).json()
    viewer = await sign_in(tenant, await add_member(tenant, ["viewer"]))

    as_agent = await client.post("/api/ingest/events", json=_batch(1),
                                 headers=auth_headers(token["access_token"], tenant.tenant_id))
    as_viewer = await client.post("/api/ingest/events", json=_batch(1, "other"), headers=auth_headers(viewer))

    assert as_agent.status_code == 202
    assert as_viewer.status_code == 403
    assert as_viewer.json() == {"error": "This credential may not send telemetry (needs ingest.write)."}


@pytest.mark.parametrize(("headers", "message"), [
    ({}, "Send Authorization: Bearer <token> with x-tenant-id, or an ingest key in X-Api-Key."),
    ({"X-Api-Key": "atk_" + "0" * 32 + "_nope"}, "Unknown API key."),
    ({"X-Api-Key": "garbage"}, "Malformed API key."),
])
async def test_unauthenticated_requests_are_401_and_store_nothing(client, headers, message):
    response = await client.post("/api/ingest/events", json=_batch(), headers=headers)

    assert response.status_code == 401 and response.json() == {"error": message}


async def test_a_client_key_is_not_an_ingest_key(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _key(db, tenant, kind="client")

    response = await client.post("/api/ingest/events", json=_batch(), headers={"X-Api-Key": str(key.credential)})

    assert response.status_code == 401
    assert response.json()["error"].startswith("Only ingest keys may be sent as a header")
    assert await _counts(db, tenant) == {"events": 0, "log_records": 0, "metric_points": 0, "spans": 0}


@pytest.mark.parametrize(("content", "headers", "status", "message"), [
    (b"{not json", {}, 400, "Body is not valid JSON"),
    (b'{"evnts": []}', {}, 400, "unknown top-level field(s): evnts"),
    (b'"just a string"', {}, 400, "body must be a JSON array of events or an object"),
    (b"not gzip at all", {"Content-Encoding": "gzip"}, 400, "Body is not valid gzip data."),
    (b"x" * (5 * 1024 * 1024 + 1), {}, 413, "Body larger than 5242880 bytes"),
    (gzip.compress(b" " * (33 * 1024 * 1024)), {"Content-Encoding": "gzip"}, 413, "Decompressed body larger"),
    (b"{}", {"Content-Encoding": "br"}, 415, "Content-Encoding 'br' is not supported"),
], ids=["bad-json", "unknown-field", "not-an-object", "bad-gzip", "too-large", "gzip-bomb", "brotli"])
async def test_malformed_bodies_are_refused_naming_the_problem(client, db, make_tenant, content, headers, status,
                                                               message):
    tenant = await make_tenant()
    key = await _key(db, tenant)

    response = await client.post("/api/ingest/events", content=content,
                                 headers={"X-Api-Key": str(key.credential), "Content-Type": "application/json",
                                          **headers})

    assert response.status_code == status and message in response.json()["error"]
    assert (await _counts(db, tenant))["events"] == 0


async def test_gzip_bodies_are_accepted(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _key(db, tenant)

    response = await client.post("/api/ingest/events", content=gzip.compress(json.dumps(_batch()).encode()),
                                 headers={"X-Api-Key": str(key.credential), "Content-Encoding": "gzip",
                                          "Content-Type": "application/json"})

    assert response.status_code == 202 and response.json()["accepted"]["events"] == 2


async def test_a_retried_batch_with_the_same_idempotency_key_is_stored_once(client, db, make_tenant):
    tenant = await make_tenant()
    headers = {"X-Api-Key": str((await _key(db, tenant)).credential), "Idempotency-Key": "batch-0001"}
    batch = _batch()
    batch["events"] = [{"source": "agent", "title": "no client id"}]

    first = await client.post("/api/ingest/events", json=batch, headers=headers)
    retry = await client.post("/api/ingest/events", json=batch, headers=headers)
    changed = await client.post("/api/ingest/events", json=_batch(3), headers=headers)

    assert first.json() == retry.json() and retry.headers["idempotent-replayed"] == "true"
    assert changed.status_code == 409
    assert await _counts(db, tenant) == {"events": 1, "log_records": 1, "metric_points": 2, "spans": 1}


async def test_events_resent_with_their_ids_are_counted_as_duplicates(client, db, make_tenant):
    tenant = await make_tenant()
    headers = {"X-Api-Key": str((await _key(db, tenant)).credential)}
    batch = {"events": [{"source": "x", "title": "t", "id": "e-1", "time": NOW.isoformat()}]}

    await client.post("/api/ingest/events", json=batch, headers=headers)
    again = await client.post("/api/ingest/events", json=batch, headers=headers)

    assert again.json()["duplicates"] == 1 and again.json()["accepted"]["events"] == 0
    assert (await _counts(db, tenant))["events"] == 1


async def test_the_plan_rate_limit_answers_429_and_stores_nothing(client, db, make_tenant):
    tenant = await make_tenant(plan="free")  # 6,000 items per minute
    headers = {"X-Api-Key": str((await _key(db, tenant)).credential)}
    points = [{"name": "load", "value": float(i), "labels": {"i": str(i)}} for i in range(4000)]

    first = await client.post("/api/ingest/events", json={"metrics": points}, headers=headers)
    second = await client.post("/api/ingest/events", json={"metrics": points[:2500]}, headers=headers)

    assert first.status_code == 202
    assert second.status_code == 429 and 1 <= int(second.headers["retry-after"]) <= 60
    assert second.json()["error"].startswith("Ingest limit of 6000 items per minute reached")
    assert (await _counts(db, tenant))["metric_points"] == 4000


async def test_an_unreachable_database_answers_503_with_retry_after(app, client, db, make_tenant):
    tenant = await make_tenant()
    headers = {"X-Api-Key": str((await _key(db, tenant)).credential)}
    dead = Database("postgresql://atlas_app@127.0.0.1:1/atlas", pool_size=1)
    real, app.state.runtime.db = app.state.runtime.db, dead
    try:
        response = await client.post("/api/ingest/events", json=_batch(), headers=headers)
    finally:
        app.state.runtime.db = real
        await dead.dispose()

    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json() == {"error": "The database is unavailable; retry shortly."}
    assert (await _counts(db, tenant))["events"] == 0


async def test_stored_events_are_handed_to_the_pipeline_after_commit(client, db, runtime, make_tenant):
    tenant = await make_tenant()
    headers = {"X-Api-Key": str((await _key(db, tenant)).credential)}

    await client.post("/api/ingest/events", json=_batch(2, "pipeline"), headers=headers)

    queued = [json.loads(j) if isinstance(j, str) else j for j in await runtime.redis.queued_jobs(queue_name="atlas:queue")]
    jobs = [j for j in queued if j.function == "telemetry_ingested" and j.kwargs["tenant_id"] == str(tenant.tenant_id)]
    assert len(jobs) == 1 and len(jobs[0].kwargs["ids"]) == 2


async def test_text_with_a_nul_character_is_rejected_per_item_and_the_rest_stored(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _key(db, tenant)
    batch = {"events": [{"source": "x", "title": "fine"}, {"source": "x", "title": "bad\u0000title"},
                        {"source": "x", "title": "bad attribute", "attributes": {"k": "v\u0000"}},
                        {"source": "x", "title": "lone surrogate \ud800"}, {"source": "x", "title": "emoji \U0001F525"}],
             "logs": [{"body": "nul\u0000in body"}, {"body": "a literal \\u0000 is fine"}]}

    response = await client.post("/api/ingest/events", content=json.dumps(batch),
                                 headers={"X-Api-Key": str(key.credential), "Content-Type": "application/json"})

    assert response.status_code == 202
    body = response.json()
    assert body["accepted"] == {"events": 2, "logs": 1, "metrics": 0, "spans": 0}
    reasons = {(r["kind"], r["index"]): r["reason"] for r in body["rejected"]}
    assert reasons == dict.fromkeys([("event", 1), ("event", 2), ("event", 3), ("log", 0)],
                                    "text must not contain NUL characters (\\u0000) or unpaired surrogates")
    assert await _counts(db, tenant) == {"events": 2, "log_records": 1, "metric_points": 0, "spans": 0}


async def test_a_resource_attribute_with_a_nul_character_refuses_the_batch(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _key(db, tenant)
    batch = {"resource": {"service.name": "check\u0000out"}, "events": [{"source": "x", "title": "fine"}]}

    response = await client.post("/api/ingest/events", json=batch, headers={"X-Api-Key": str(key.credential)})

    assert response.status_code == 400
    assert response.json() == {"error": "resource attribute 'service.name' holds text that cannot be stored "
                                        "(NUL or an unpaired surrogate)"}
    assert (await _counts(db, tenant))["events"] == 0


async def test_metric_values_must_be_finite_numbers(client, db, make_tenant):
    tenant = await make_tenant()
    key = await _key(db, tenant)
    body = b'{"metrics": [{"name": "ok", "value": 1.5}, {"name": "m4", "value": NaN}, {"name": "m5", "value": Infinity}]}'

    response = await client.post("/api/ingest/events", content=body,
                                 headers={"X-Api-Key": str(key.credential), "Content-Type": "application/json"})

    assert response.status_code == 202 and response.json()["accepted"]["metrics"] == 1
    assert [(r["index"], r["reason"]) for r in response.json()["rejected"]] == [
        (1, "value: Input should be a finite number"), (2, "value: Input should be a finite number")]
    assert (await _counts(db, tenant))["metric_points"] == 1
