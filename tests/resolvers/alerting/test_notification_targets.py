"""Notification targets through GraphQL: what each hears of, "send test" with the receiver's answer shown,
and the tenant's alerting settings."""

import asyncio
import contextlib
import json
import socket

import uvicorn

from tests.conftest import auth_headers, gql
from tests.waiting import wait_for

ERROR = "... on Error { code message field }"
CREATE = """mutation($name: String!, $url: String!, $s: NotificationTargetInput) {
  createNotificationTarget(name: $name, url: $url, subscription: $s) { __typename
    ... on NotificationTargetCreated { target { id eventTypes scope enabled } } ... on Error { code message field } } }"""
UPDATE = """mutation($id: ID!, $s: NotificationTargetInput!) { updateNotificationTarget(id: $id, subscription: $s) {
  __typename ... on NotificationTargetSaved { target { eventTypes scope enabled } } ... on Error { code message field } } }"""
TEST = f"""mutation($id: ID!) {{ sendTestNotification(id: $id) {{ __typename
  ... on TestNotificationSent {{ delivery {{ eventType status attempts lastStatusCode lastError deliveredAt }} }} {ERROR} }} }}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def receiver(status: int):
    """A local webhook receiver answering ``status``; yields (its URL, the requests it got)."""
    received: list[tuple[dict, bytes]] = []

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        received.append(({k.decode(): v.decode() for k, v in scope["headers"]}, body))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        await wait_for(lambda: server.started, timeout=10, every=0.02, what="the webhook receiver")
        yield f"http://127.0.0.1:{port}/hook", received
    finally:
        server.should_exit = True
        await serving


async def _owner(make_tenant, sign_in):
    return auth_headers(await sign_in(await make_tenant()))


async def _create(client, headers, url, name="ops", **subscription):
    made = await gql(client, CREATE, {"name": name, "url": url, "s": subscription or None}, headers)
    return made["data"]["createNotificationTarget"]


async def test_a_new_target_hears_of_every_incident_change_unless_told_otherwise(client, make_tenant, sign_in):
    headers = await _owner(make_tenant, sign_in)

    default = await _create(client, headers, "https://hooks.example.com/a")
    chosen = await _create(client, headers, "https://hooks.example.com/b", name="closures",
                           eventTypes=["INCIDENT_RESOLVED", "INCIDENT_CLOSED"], scope="RULE_INCIDENTS")
    changed = await gql(client, UPDATE, {"id": default["target"]["id"],
                                         "s": {"eventTypes": ["INCIDENT_REOPENED"], "enabled": False}}, headers)

    assert default["target"]["eventTypes"] == [
        "INCIDENT_CREATED", "INCIDENT_ACKNOWLEDGED", "INCIDENT_ESCALATED", "INCIDENT_SEVERITY_CHANGED",
        "INCIDENT_RESOLVED", "INCIDENT_REOPENED", "INCIDENT_CLOSED", "INCIDENT_SLA_WARNING", "INCIDENT_SLA_BREACHED"]
    assert chosen["target"] == {**chosen["target"], "eventTypes": ["INCIDENT_RESOLVED", "INCIDENT_CLOSED"],
                                "scope": "RULE_INCIDENTS", "enabled": True}
    assert changed["data"]["updateNotificationTarget"]["target"] == {
        "eventTypes": ["INCIDENT_REOPENED"], "scope": "ALL_INCIDENTS", "enabled": False}


async def test_send_test_posts_a_signed_test_delivery_and_shows_the_answer(client, make_tenant, sign_in):
    headers = await _owner(make_tenant, sign_in)
    async with receiver(204) as (url, received):
        target = (await _create(client, headers, url))["target"]

        sent = await gql(client, TEST, {"id": target["id"]}, headers)

    delivery = sent["data"]["sendTestNotification"]["delivery"]
    assert {k: delivery[k] for k in ("eventType", "status", "attempts", "lastStatusCode", "lastError")} == {
        "eventType": "test", "status": "delivered", "attempts": 1, "lastStatusCode": 204, "lastError": None}
    assert delivery["deliveredAt"] is not None
    [(request_headers, body)] = received
    assert request_headers["x-atlas-event"] == "test" and "x-atlas-signature" in request_headers
    assert json.loads(body)["target"]["name"] == "ops"


async def test_a_failing_test_says_how_it_failed_and_is_not_retried(client, make_tenant, sign_in):
    headers = await _owner(make_tenant, sign_in)
    async with receiver(500) as (url, _received):
        refusing = (await _create(client, headers, url))["target"]
        failed = (await gql(client, TEST, {"id": refusing["id"]}, headers))["data"]["sendTestNotification"]
    closed = (await _create(client, headers, f"http://127.0.0.1:{_free_port()}/gone", name="gone"))["target"]

    unreachable = (await gql(client, TEST, {"id": closed["id"]}, headers))["data"]["sendTestNotification"]

    assert failed["delivery"] == {**failed["delivery"], "status": "failed", "attempts": 1, "lastStatusCode": 500}
    assert unreachable["delivery"]["status"] == "failed" and unreachable["delivery"]["lastStatusCode"] is None
    assert unreachable["delivery"]["lastError"].startswith("ConnectError")


async def test_send_test_refuses_a_disabled_or_unknown_target(client, make_tenant, sign_in):
    headers = await _owner(make_tenant, sign_in)
    target = (await _create(client, headers, "https://hooks.example.com/a", enabled=False))["target"]

    disabled = (await gql(client, TEST, {"id": target["id"]}, headers))["data"]["sendTestNotification"]
    unknown = (await gql(client, TEST, {"id": "00000000-0000-0000-0000-000000000000"}, headers))

    assert disabled == {"__typename": "ConflictError", "code": "CONFLICT", "field": "id",
                        "message": "ops is disabled; enable it to send a test."}
    assert unknown["data"]["sendTestNotification"]["code"] == "NOT_FOUND"
    deliveries = await gql(client, "{ webhookDeliveries { id } }", headers=headers)
    assert deliveries["data"]["webhookDeliveries"] == []


SETTINGS = "reopenWindowMinutes groupBy groupWindowMinutes correlationHops correlationWindowMinutes updatedBy"
SAVE = f"""mutation($i: AlertingSettingsInput!) {{ updateAlertingSettings(input: $i) {{ __typename
  ... on AlertingSettingsSaved {{ settings {{ {SETTINGS} }} }} {ERROR} }} }}"""


async def test_alerting_settings_default_then_save_and_refuse_values_out_of_range(client, make_tenant, sign_in):
    headers = await _owner(make_tenant, sign_in)
    defaults = await gql(client, f"{{ alertingSettings {{ {SETTINGS} }} }}", headers=headers)

    saved = await gql(client, SAVE, {"i": {"reopenWindowMinutes": 0, "groupBy": "CI", "correlationHops": 2}}, headers)
    refused = [(await gql(client, SAVE, {"i": change}, headers))["data"]["updateAlertingSettings"]
               for change in ({"correlationHops": 7}, {"groupWindowMinutes": -1}, {"reopenWindowMinutes": 10081})]
    after = await gql(client, f"{{ alertingSettings {{ {SETTINGS} }} }}", headers=headers)

    assert defaults["data"]["alertingSettings"] == {
        "reopenWindowMinutes": 60, "groupBy": "SERVICE", "groupWindowMinutes": 10, "correlationHops": 3,
        "correlationWindowMinutes": 30, "updatedBy": None}
    assert saved["data"]["updateAlertingSettings"]["settings"]["groupBy"] == "CI"
    assert [(r["code"], r["field"], r["message"]) for r in refused] == [
        ("VALIDATION", "correlationHops", "correlationHops must be a whole number from 1 to 6."),
        ("VALIDATION", "groupWindowMinutes", "groupWindowMinutes must be a whole number from 0 to 1440."),
        ("VALIDATION", "reopenWindowMinutes", "reopenWindowMinutes must be a whole number from 0 to 10080.")]
    assert after["data"]["alertingSettings"] == {**saved["data"]["updateAlertingSettings"]["settings"]}
    assert after["data"]["alertingSettings"]["reopenWindowMinutes"] == 0
