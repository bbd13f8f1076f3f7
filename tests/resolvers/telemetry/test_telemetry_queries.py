"""Querying stored telemetry through GraphQL: logs, metric series, traces, events."""

import uuid
from datetime import UTC, datetime, timedelta

from domain.telemetry.envelope import parse_envelope
from domain.telemetry.ingest import store_batch
from tests.conftest import auth_headers, gql

NOW = datetime.now(UTC).replace(microsecond=0)


async def _store(db, tenant, envelope):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await store_batch(tx, parse_envelope(envelope), now=datetime.now(UTC), retention_days=30)


async def _owner(make_tenant, sign_in):
    tenant = await make_tenant()
    return tenant, auth_headers(await sign_in(tenant))


async def test_logs_filter_by_text_severity_service_and_attributes(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    await _store(db, tenant, {"resource": {"service.name": "payments"}, "logs": [
        {"body": "card declined for order 42", "severity": "ERROR", "attributes": {"region": "eu"}},
        {"body": "card accepted for order 43", "severity": "INFO", "attributes": {"region": "us"}},
        {"body": "cache warmed", "severity": "INFO", "service": "search"},
    ]})
    query = "query($f: LogFilterInput) { logs(filter: $f) { edges { node { body severityNumber service } } } }"

    async def bodies(f):
        result = await gql(client, query, {"f": f}, headers)
        return [e["node"]["body"] for e in result["data"]["logs"]["edges"]]

    assert sorted(await bodies({"text": "card"})) == ["card accepted for order 43", "card declined for order 42"]
    assert await bodies({"minSeverity": 17}) == ["card declined for order 42"]
    assert await bodies({"service": "search"}) == ["cache warmed"]
    assert await bodies({"attributes": {"region": "us"}}) == ["card accepted for order 43"]
    assert await bodies({"text": "declined", "service": "search"}) == []


async def test_log_queries_refuse_unbounded_or_backwards_ranges(client, make_tenant, sign_in):
    _tenant, headers = await _owner(make_tenant, sign_in)
    query = "query($f: LogFilterInput) { logs(filter: $f) { edges { node { body } } } }"

    backwards = await gql(client, query, {"f": {"since": NOW.isoformat(), "until": (NOW - timedelta(hours=1)).isoformat()}},
                          headers)
    too_long = await gql(client, query, {"f": {"since": (NOW - timedelta(days=40)).isoformat()}}, headers)

    assert backwards["errors"][0]["message"] == "since must be before until."
    assert backwards["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert too_long["errors"][0]["message"] == "The time range may span at most 31 days."


async def test_metric_series_bucket_and_aggregate_per_group(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    base = NOW.replace(second=0) - timedelta(minutes=10)
    points = [{"name": "http.latency", "value": float(v), "time": (base + timedelta(seconds=s)).isoformat(),
               "labels": {"route": route}}
              for route, values in (("/pay", [10, 20, 30, 40]), ("/search", [1, 1, 1, 100]))
              for s, v in zip((0, 10, 20, 70), values, strict=True)]
    await _store(db, tenant, {"metrics": points})
    query = """query($i: MetricSeriesInput!) { metricSeries(input: $i) { labels points { ts value } } }"""
    window = {"name": "http.latency", "since": base.isoformat(), "until": (base + timedelta(minutes=2)).isoformat(),
              "stepSeconds": 60, "groupBy": ["route"]}

    avg = (await gql(client, query, {"i": {**window, "aggregation": "AVG"}}, headers))["data"]["metricSeries"]
    p95 = (await gql(client, query, {"i": {**window, "aggregation": "P95", "labels": {"route": "/search"}}},
                     headers))["data"]["metricSeries"]
    names = await gql(client, "{ metricNames(prefix: \"http.\") }", headers=headers)
    routes = await gql(client, "{ metricLabelValues(name: \"http.latency\", label: \"route\") }", headers=headers)

    by_route = {s["labels"]["route"]: [p["value"] for p in s["points"]] for s in avg}
    assert by_route == {"/pay": [20.0, 40.0], "/search": [1.0, 100.0]}
    assert [p["value"] for p in p95[0]["points"]] == [1.0, 100.0]
    assert names["data"]["metricNames"] == ["http.latency"]
    assert routes["data"]["metricLabelValues"] == ["/pay", "/search"]


async def test_a_trace_is_returned_as_a_depth_first_span_tree(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    trace = uuid.uuid4().hex
    root, child, grandchild = "1" * 16, "2" * 16, "3" * 16

    def span(span_id, parent, name, service, start_ms, end_ms, status="ok"):
        return {"trace_id": trace, "span_id": span_id, "parent_span_id": parent, "name": name, "service": service,
                "start_time": (NOW + timedelta(milliseconds=start_ms)).isoformat(),
                "end_time": (NOW + timedelta(milliseconds=end_ms)).isoformat(), "status": status}

    await _store(db, tenant, {"spans": [span(grandchild, child, "SELECT orders", "orders-db", 30, 80, "error"),
                                        span(root, None, "POST /checkout", "web", 0, 200),
                                        span(child, root, "charge", "payments", 10, 150)]})

    found = await gql(client, "query($t: String!) { trace(traceId: $t) { durationMs spans { name depth offsetMs } } }",
                      {"t": trace}, headers)
    listed = await gql(client, "{ traces(filter: {errorsOnly: true}) { edges { node { traceId rootName rootService "
                               "spanCount errorCount durationMs } } } }", headers=headers)
    missing = await gql(client, "query($t: String!) { trace(traceId: $t) { traceId } }", {"t": uuid.uuid4().hex},
                        headers)

    assert found["data"]["trace"]["durationMs"] == 200.0
    assert [(s["name"], s["depth"], s["offsetMs"]) for s in found["data"]["trace"]["spans"]] == [
        ("POST /checkout", 0, 0.0), ("charge", 1, 10.0), ("SELECT orders", 2, 30.0)]
    assert listed["data"]["traces"]["edges"][0]["node"] == {
        "traceId": trace, "rootName": "POST /checkout", "rootService": "web", "spanCount": 3, "errorCount": 1,
        "durationMs": 200.0}
    assert missing["data"]["trace"] is None


async def test_events_filter_by_source_and_severity(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    await _store(db, tenant, {"events": [{"source": "nagios", "title": "disk", "severity": "critical"},
                                         {"source": "nagios", "title": "ok again", "severity": "ok"},
                                         {"source": "datadog", "title": "cpu", "severity": "critical"}]})
    query = "query($f: EventFilterInput) { events(filter: $f) { edges { node { title source incidents { id } } } } }"

    nagios_critical = await gql(client, query, {"f": {"source": "nagios", "severities": ["critical"]}}, headers)

    assert [e["node"] for e in nagios_critical["data"]["events"]["edges"]] == [
        {"title": "disk", "source": "nagios", "incidents": []}]


async def test_an_events_incidents_need_incident_read(client, db, make_tenant, sign_in, add_member, define_role):
    tenant, _headers = await _owner(make_tenant, sign_in)
    await define_role(tenant, "telemetry-only", ["telemetry.read"])
    email = await add_member(tenant, ["telemetry-only"])
    reader = auth_headers(await sign_in(tenant, email))
    await _store(db, tenant, {"events": [{"source": "nagios", "title": "disk", "severity": "critical"}]})

    plain = await gql(client, "{ events { edges { node { title } } } }", headers=reader)
    nosy = await gql(client, "{ events { edges { node { title incidents { id title } } } } }", headers=reader)

    assert plain["data"]["events"]["edges"] == [{"node": {"title": "disk"}}]
    assert [e["extensions"]["code"] for e in nosy["errors"]] == ["FORBIDDEN"]
    assert "incidents" in nosy["errors"][0]["path"]


async def test_label_values_honour_the_time_window(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    old = NOW - timedelta(hours=3)
    await _store(db, tenant, {"metrics": [
        {"name": "queue.depth", "value": 1, "labels": {"queue": "old"}, "time": old.isoformat()},
        {"name": "queue.depth", "value": 2, "labels": {"queue": "new"}, "time": NOW.isoformat()}]})
    query = "query($s: DateTime) { metricLabelValues(name: \"queue.depth\", label: \"queue\", since: $s) }"

    recent = await gql(client, query, {"s": (NOW - timedelta(hours=1)).isoformat()}, headers)
    day = await gql(client, query, {}, headers)

    assert recent["data"]["metricLabelValues"] == ["new"]
    assert day["data"]["metricLabelValues"] == ["new", "old"]
