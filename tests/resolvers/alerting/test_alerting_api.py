"""Alerting through GraphQL: rules with versions and validation, dry runs, silences, signed webhooks."""

import asyncio
import hashlib
import hmac
import json
import socket
from datetime import UTC, datetime, timedelta

import uvicorn
from sqlalchemy import select

from domain.alerting.delivery import send_delivery
from domain.alerting.models import AlertRuleVersion, WebhookDelivery
from domain.telemetry.envelope import parse_envelope
from domain.telemetry.ingest import store_batch
from tests.conftest import auth_headers, gql
from tests.waiting import wait_for

ERROR = "... on Error { code message field }"
SAVE = f"""mutation($i: AlertRuleInput!) {{ createAlertRule(input: $i) {{ __typename
  ... on AlertRuleSaved {{ rule {{ id name version kind groupBy }} }} {ERROR} }} }}"""
RULE = {"name": "Checkout failing", "kind": "EVENT", "severity": "SEV2", "groupBy": ["service"],
        "condition": "event.source == 'synthetic-monitor' && event.severity == 'critical'"}


async def _owner(make_tenant, sign_in):
    tenant = await make_tenant()
    return tenant, auth_headers(await sign_in(tenant))


async def test_rules_are_versioned_on_every_update(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    created = (await gql(client, SAVE, {"i": RULE}, headers))["data"]["createAlertRule"]["rule"]

    updated = await gql(client, f"""mutation($id: ID!, $i: AlertRuleInput!) {{ updateAlertRule(id: $id, input: $i) {{
        ... on AlertRuleSaved {{ rule {{ version thresholdCount }} }} {ERROR} }} }}""",
                        {"id": created["id"], "i": {**RULE, "thresholdCount": 3}}, headers)

    assert created["version"] == 1
    assert updated["data"]["updateAlertRule"]["rule"] == {"version": 2, "thresholdCount": 3}
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        versions = list(await tx.session.scalars(select(AlertRuleVersion).order_by(AlertRuleVersion.version)))
    assert [(v.version, v.definition["threshold_count"]) for v in versions] == [(1, 1), (2, 3)]


async def test_bad_rules_are_typed_errors_naming_the_field(client, make_tenant, sign_in):
    _tenant, headers = await _owner(make_tenant, sign_in)
    await gql(client, SAVE, {"i": RULE}, headers)
    cases = [
        ({"condition": "event.severity =="}, "condition"),
        ({"condition": "import('os')"}, "condition"),
        ({"name": RULE["name"]}, "name"),
        ({"fingerprintTemplate": "{rule}:{host}"}, "fingerprintTemplate"),
        ({"kind": "METRIC", "window": {"metric": "cpu", "minutes": 5, "operator": "~", "threshold": 1}},
         "window.operator"),
        ({"kind": "METRIC", "window": {"metric": "cpu", "minutes": 0, "operator": ">", "threshold": 1}},
         "window.minutes"),
        ({"thresholdCount": 0}, "thresholdCount"),
        ({"condition": "(" * 60 + "true" + ")" * 60}, "condition"),
        ({"condition": "event.title == '\\U00110000'"}, "condition"),
        ({"kind": "LOG", "window": {"minutes": 5, "operator": ">", "threshold": 1, "min_severity": "abc"}},
         "window.min_severity"),
        ({"kind": "LOG", "window": {"minutes": 5, "operator": ">", "threshold": 1, "service": ["a"]}},
         "window.service"),
        ({"kind": "LOG", "window": {"minutes": 5, "operator": ">", "threshold": 1, "text": 123}}, "window.text"),
        ({"kind": "ABSENCE", "window": {"minutes": 5, "source": {}}}, "window.source"),
        ({"kind": "METRIC", "window": {"metric": "cpu", "minutes": 5, "operator": ">", "threshold": 1,
                                       "labels": {"host": 1}}}, "window.labels"),
        ({"notify": ["00000000-0000-0000-0000-000000000000"]}, "notify"),
    ]
    for change, field in cases:
        payload = {**RULE, "name": f"r{len(field)}{field}", **change}
        result = (await gql(client, SAVE, {"i": payload}, headers))["data"]["createAlertRule"]
        assert result["field"] == field, (change, result)
    unknown_severity = await gql(client, SAVE, {"i": {**RULE, "name": "sev", "severity": "SEV9"}}, headers)
    assert "Value 'SEV9' does not exist in 'Severity' enum" in unknown_severity["errors"][0]["message"]


async def test_a_dry_run_shows_what_a_draft_would_have_fired(client, db, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    now = datetime.now(UTC)
    events = [{"source": "synthetic-monitor", "severity": "critical", "title": "check", "service": service,
               "time": (now - timedelta(minutes=m)).isoformat()}
              for service, m in (("payments", 30), ("payments", 20), ("payments", 10), ("search", 5))]
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await store_batch(tx, parse_envelope({"events": events}), now=now, retention_days=7)

    result = await gql(client, """query($i: AlertRuleInput!) { alertRuleDryRun(input: $i, hours: 2) {
        scanned wouldFire groups { labels matches firedAt } } }""", {"i": {**RULE, "thresholdCount": 2}}, headers)

    dry = result["data"]["alertRuleDryRun"]
    assert dry["scanned"] == 4 and dry["wouldFire"] == 1
    groups = {g["labels"]["service"]: g for g in dry["groups"]}
    assert groups["payments"]["matches"] == 3 and groups["payments"]["firedAt"] is not None
    assert groups["search"]["firedAt"] is None
    listed = await gql(client, "{ alertRules { name } }", headers=headers)
    assert listed["data"]["alertRules"] == []


async def test_silence_input_is_validated(client, make_tenant, sign_in):
    _tenant, headers = await _owner(make_tenant, sign_in)
    mutation = f"mutation($i: SilenceInput!) {{ createSilence(input: $i) {{ __typename {ERROR} }} }}"
    cases = [
        ({"endsAt": "2030-01-01T00:00:00Z"}, "endsAt"),
        ({"endsAt": None, "recurrence": "FREQ=WEEKLY;BYDAY=SU"}, "durationMinutes"),
        ({"endsAt": None, "recurrence": "EVERY SUNDAY", "durationMinutes": 60}, "recurrence"),
        ({"endsAt": None, "recurrence": "FREQ=DAILY;INTERVAL=0", "durationMinutes": 60}, "recurrence"),
        ({"endsAt": None, "recurrence": "FREQ=SECONDLY", "durationMinutes": 60}, "recurrence"),
        ({"endsAt": None, "recurrence": "DTSTART:19700101T000000Z\nRRULE:FREQ=DAILY", "durationMinutes": 60},
         "recurrence"),
        ({"endsAt": None, "recurrence": "FREQ=DAILY;BYWEEKNO=60", "durationMinutes": 60}, "recurrence"),
        ({"endsAt": None, "recurrence": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "durationMinutes": 60}, "recurrence"),
        ({"endsAt": None, "recurrence": "FREQ=DAILY", "durationMinutes": 60, "startsAt": "2020-01-01T00:00:00Z"},
         "startsAt"),
        ({"service": None}, "matcher"),
        ({"matcher": "alert.severity =="}, "matcher"),
    ]
    for change, field in cases:
        payload = {"name": "mw", "startsAt": "2030-01-02T00:00:00Z", "endsAt": "2030-01-03T00:00:00Z",
                   "service": "db", **change}
        result = (await gql(client, mutation, {"i": payload}, headers))["data"]["createSilence"]
        assert result["field"] == field, (change, result)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhooks_are_delivered_signed_with_the_target_secret(client, runtime, make_tenant, sign_in):
    tenant, headers = await _owner(make_tenant, sign_in)
    received: list[tuple[dict, bytes]] = []

    async def receiver(scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        received.append(({k.decode(): v.decode() for k, v in scope["headers"]}, body))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(receiver, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        await wait_for(lambda: server.started, timeout=10, what="the webhook receiver")
        made = await gql(client, f"""mutation {{ createNotificationTarget(name: "ops", url: "http://127.0.0.1:{port}/hook")
            {{ ... on NotificationTargetCreated {{ secret target {{ id }} }} }} }}""", headers=headers)
        created = made["data"]["createNotificationTarget"]
        await gql(client, SAVE, {"i": {**RULE, "notify": [created["target"]["id"]]}}, headers)
        from domain.alerting.evaluation import evaluate_ingested
        async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
            stored = await store_batch(tx, parse_envelope({"events": [{"source": "synthetic-monitor",
                                                                        "severity": "critical", "title": "check",
                                                                        "service": "payments"}]}),
                                       now=datetime.now(UTC), retention_days=7)
        await evaluate_ingested(runtime.db, tenant_id=tenant.tenant_id, keys=stored.events)
        async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
            delivery = await tx.session.scalar(select(WebhookDelivery))
        status = await send_delivery(runtime, tenant_id=tenant.tenant_id, delivery_id=delivery.id, attempt=1,
                                     final=False)
    finally:
        server.should_exit = True
        await serving

    assert status == "delivered" and len(received) == 1
    request_headers, body = received[0]
    stamp, digest = request_headers["x-atlas-signature"].removeprefix("t=").split(",v1=")
    expected = hmac.new(created["secret"].encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(digest, expected)
    payload = json.loads(body)
    assert payload["type"] == "incident.created" and payload["incident"]["severity"] == "SEV2"
    assert payload["change"]["kind"] == "created" and payload["change"]["data"]["rule"] == RULE["name"]
    assert request_headers["x-atlas-event"] == "incident.created"
