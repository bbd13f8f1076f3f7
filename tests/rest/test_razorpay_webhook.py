"""POST /api/webhooks/razorpay: signatures, exactly one effect per event id, order tolerance, the job."""

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from domain.billing.models import BillingAccount, BillingEvent
from domain.billing.service import subscribe
from domain.outbox.models import OutboxJob
from domain.tenants.models import Tenant
from tests.domain.billing.payloads import event_body, payment_entity, signed, subscription_entity
from workers.jobs.billing import razorpay_event

SECRET, PREVIOUS = "whsec_current_3f9a", "whsec_previous_77c1"


@pytest.fixture
def billing(app):
    """The app's billing settings with webhook secrets (the current and, while rotating, the previous)."""
    runtime = app.state.runtime
    before = runtime.billing
    runtime.billing = replace(before, webhook_secrets=(SECRET, PREVIOUS))
    yield runtime
    runtime.billing = before


async def _subscribed(runtime, make_tenant):
    tenant = await make_tenant(plan="free")
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        account = await subscribe(tx, config=runtime.billing, plan="pro", email=None, actor="test")
        return tenant, account.provider_subscription_id


async def _post(client, body: dict, *, event_id: str, secret: str = SECRET, tamper: bool = False):
    raw, signature = signed(body, secret)
    if tamper:
        raw = raw[:-2] + bytes([raw[-2] ^ 1]) + raw[-1:]
    return await client.post("/api/webhooks/razorpay", content=raw, headers={
        "Content-Type": "application/json", "X-Razorpay-Signature": signature, "x-razorpay-event-id": event_id})


async def _deliver(runtime, client, body: dict, *, event_id: str) -> str:
    """POST the event, then run the job the webhook queued (as the worker would)."""
    response = await _post(client, body, event_id=event_id)
    assert response.json() == {"status": "accepted"}
    return await razorpay_event({"runtime": runtime}, tenant_id=body["payload"]["subscription"]["entity"]["notes"]
                                ["tenant_id"], event_id=event_id, body=json.dumps(body, separators=(",", ":")))


async def _state(runtime, tenant_id):
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        account = await tx.session.scalar(select(BillingAccount))
        tenant = await tx.session.get(Tenant, tenant_id)
        events = await tx.session.scalar(select(func.count()).select_from(BillingEvent))
        return account.status, account.effective_plan, tenant.entitlements_version, events


@pytest.mark.parametrize("headers", [{}, {"X-Razorpay-Signature": "0" * 64}, {"X-Razorpay-Signature": ""}],
                         ids=["missing", "wrong", "empty"])
async def test_a_missing_or_wrong_signature_is_400_and_queues_nothing(client, billing, make_tenant, headers):
    tenant, sub_id = await _subscribed(billing, make_tenant)
    body = event_body("subscription.halted", created_at=1_800_000_000,
                      subscription=subscription_entity(sub_id, status="halted", tenant_id=tenant.tenant_id))

    response = await client.post("/api/webhooks/razorpay", content=json.dumps(body).encode(),
                                 headers={"x-razorpay-event-id": "evt_bad_sig", **headers})

    assert response.status_code == 400
    assert response.json()["message"] == "X-Razorpay-Signature is missing or does not match the body."
    async with billing.db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert await tx.session.scalar(select(func.count()).select_from(OutboxJob).where(
            OutboxJob.job_id == "razorpay_event:evt_bad_sig")) == 0


async def test_a_one_byte_tamper_is_rejected(client, billing, make_tenant):
    tenant, sub_id = await _subscribed(billing, make_tenant)
    body = event_body("subscription.cancelled", created_at=1_800_000_000,
                      subscription=subscription_entity(sub_id, status="cancelled", tenant_id=tenant.tenant_id))

    response = await _post(client, body, event_id="evt_tamper", tamper=True)

    assert response.status_code == 400


async def test_the_previous_secret_stays_valid_during_a_rotation(client, billing, make_tenant):
    tenant, sub_id = await _subscribed(billing, make_tenant)
    body = event_body("subscription.charged", created_at=1_800_000_000,
                      subscription=subscription_entity(sub_id, status="active", tenant_id=tenant.tenant_id))

    assert (await _post(client, body, event_id=f"evt_old_{sub_id}", secret=PREVIOUS)).status_code == 200
    assert (await _post(client, body, event_id=f"evt_other_{sub_id}", secret="whsec_unknown")).status_code == 400


async def test_a_signed_event_about_an_unknown_subscription_is_acknowledged_and_ignored(client, billing):
    body = event_body("subscription.activated", created_at=1_800_000_000, subscription=subscription_entity(
        "sub_NotOurs0000001", status="active", tenant_id="00000000-0000-0000-0000-000000000000"))

    response = await _post(client, body, event_id="evt_not_ours")

    assert response.status_code == 200 and response.json() == {"status": "ignored"}


async def test_a_malformed_signed_body_is_400(client, billing):
    raw, signature = signed({"event": "subscription.activated"}, SECRET)

    response = await client.post("/api/webhooks/razorpay", content=raw, headers={
        "X-Razorpay-Signature": signature, "x-razorpay-event-id": "evt_no_created_at"})

    assert response.status_code == 400
    assert response.json()["message"] == "The body must carry 'created_at' (epoch seconds)."


async def test_each_event_id_has_exactly_one_effect(client, billing, make_tenant):
    tenant, sub_id = await _subscribed(billing, make_tenant)
    version_before = (await _state(billing, tenant.tenant_id))[2]
    body = event_body("subscription.halted", created_at=1_800_000_000,
                      subscription=subscription_entity(sub_id, status="halted", tenant_id=tenant.tenant_id))

    first = await _deliver(billing, client, body, event_id=f"evt_halt_{sub_id}")
    second = await _deliver(billing, client, body, event_id=f"evt_halt_{sub_id}")

    assert (first, second) == ("applied", "duplicate")
    status, plan, version, events = await _state(billing, tenant.tenant_id)
    assert (status, plan, events) == ("halted", "pro", 1)  # halted: still pro during the grace period
    assert version == version_before


async def test_an_event_older_than_the_last_applied_one_is_recorded_but_not_applied(client, billing, make_tenant):
    tenant, sub_id = await _subscribed(billing, make_tenant)
    cancelled = event_body("subscription.cancelled", created_at=1_800_000_100, subscription=subscription_entity(
        sub_id, status="cancelled", tenant_id=tenant.tenant_id, current_start=1_700_000_000))
    late_activated = event_body("subscription.activated", created_at=1_800_000_000,
                                subscription=subscription_entity(sub_id, status="active", tenant_id=tenant.tenant_id))

    outcomes = [await _deliver(billing, client, cancelled, event_id=f"evt_c_{sub_id}"),
                await _deliver(billing, client, late_activated, event_id=f"evt_a_{sub_id}")]

    assert outcomes == ["applied", "stale"]
    status, plan, _, events = await _state(billing, tenant.tenant_id)
    assert (status, plan, events) == ("cancelled", "free", 2)  # its paid period ended long ago


async def test_a_failed_payment_is_recorded_as_a_payment_seen(client, billing, make_tenant):
    tenant, sub_id = await _subscribed(billing, make_tenant)
    payment = {**payment_entity("pay_NB2xFailed01", tenant_id=tenant.tenant_id, status="failed"),
               "subscription_id": sub_id}
    body = event_body("payment.failed", created_at=1_800_000_000, payment=payment)
    raw = json.dumps(body, separators=(",", ":"))
    assert (await _post(client, body, event_id=f"evt_pf_{sub_id}")).json() == {"status": "accepted"}

    outcome = await razorpay_event({"runtime": billing}, tenant_id=str(tenant.tenant_id),
                                   event_id=f"evt_pf_{sub_id}", body=raw)

    assert outcome == "recorded"
    async with billing.db.transaction(tenant_id=tenant.tenant_id) as tx:
        seen = await tx.session.scalar(select(BillingEvent.payment))
    assert seen["id"] == "pay_NB2xFailed01" and seen["status"] == "failed" and seen["amount"] == 499900
