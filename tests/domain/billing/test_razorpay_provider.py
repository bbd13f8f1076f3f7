"""The Razorpay provider through the official client, against a local server with recorded responses."""

import json

import pytest

from domain.billing.providers import BillingConfig, ProviderUnavailable
from domain.billing.razorpay import RazorpayProvider
from domain.billing.service import cancel, change_plan, invoices, subscribe
from tests.domain.billing.fake_razorpay import FakeRazorpay

PLAN_IDS = {"pro": "plan_pro_rzp", "enterprise": "plan_ent_rzp"}


@pytest.fixture
def razorpay():
    with FakeRazorpay() as fake:
        provider = RazorpayProvider(key_id="rzp_test_key", key_secret="rzp_test_secret", base_url=fake.url)
        yield fake, BillingConfig(provider=provider, grace_days=7, plan_ids=PLAN_IDS)


async def test_subscribing_creates_a_razorpay_subscription_and_keeps_its_checkout_link(db, make_tenant, razorpay):
    fake, config = razorpay
    tenant = await make_tenant(plan="free")

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        account = await subscribe(tx, config=config, plan="pro", email="owner@example.com", actor="test")

    sent = fake.requests[0]
    assert (sent["method"], sent["path"], sent["user"]) == ("POST", "/v1/subscriptions", "rzp_test_key")
    body = json.loads(sent["body"])
    assert body["plan_id"] == "plan_pro_rzp" and body["notes"] == {"tenant_id": str(tenant.tenant_id)}
    assert (account.status, account.plan, account.effective_plan) == ("created", "pro", "free")  # paid: a webhook
    assert account.checkout_url == "https://rzp.io/i/z3b1R61A9"
    assert account.provider_subscription_id == fake.subscription_id


async def test_change_cancel_and_invoices_call_the_documented_endpoints(db, make_tenant, razorpay):
    fake, config = razorpay
    tenant = await make_tenant(plan="free")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await subscribe(tx, config=config, plan="pro", email=None, actor="test")
        changed = await change_plan(tx, config=config, plan="enterprise", actor="test")
        changed_plan = changed.plan
        cancelled = await cancel(tx, config=config, actor="test")
        listed = await invoices(tx, config=config)

    sub = fake.subscription_id
    calls = [(r["method"], r["path"]) for r in fake.requests]
    assert calls == [("POST", "/v1/subscriptions"), ("PATCH", f"/v1/subscriptions/{sub}"),
                     ("POST", f"/v1/subscriptions/{sub}/cancel"), ("GET", "/v1/invoices")]
    assert json.loads(fake.requests[1]["body"]) == {"plan_id": "plan_ent_rzp", "schedule_change_at": "now"}
    assert json.loads(fake.requests[2]["body"]) == {"cancel_at_cycle_end": 1}
    assert fake.requests[3]["query"] == {"subscription_id": [sub]}
    assert changed_plan == "enterprise" and cancelled.status == "cancelled"
    assert [(i.id, i.status, i.amount, i.payment_id) for i in listed] == [
        ("inv_00000000000001", "paid", 499900, "pay_00000000000001")]


async def test_a_razorpay_error_is_a_typed_failure_and_nothing_is_stored(db, make_tenant, razorpay):
    fake, config = razorpay
    fake.failing = (500, {"error": {"code": "SERVER_ERROR", "description": "The server encountered an error"}})
    tenant = await make_tenant(plan="free")

    with pytest.raises(ProviderUnavailable) as failure:
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await subscribe(tx, config=config, plan="pro", email=None, actor="test")

    assert failure.value.code == "BILLING_PROVIDER_UNAVAILABLE"
    assert failure.value.message == "Razorpay is unavailable: The server encountered an error"
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        from domain.billing.entitlements import account_of
        assert await account_of(tx) is None


async def test_an_unreachable_razorpay_is_a_typed_failure(db, make_tenant):
    provider = RazorpayProvider(key_id="k", key_secret="s", base_url="http://127.0.0.1:9")
    config = BillingConfig(provider=provider, plan_ids=PLAN_IDS)
    tenant = await make_tenant(plan="free")

    with pytest.raises(ProviderUnavailable, match=r"^Razorpay is unavailable: "):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await subscribe(tx, config=config, plan="pro", email=None, actor="test")
