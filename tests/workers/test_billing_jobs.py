"""The Razorpay webhook's job, run by a real arq worker: accepted at the route, applied by the worker, once."""

from dataclasses import replace

from sqlalchemy import func, select

from domain.billing.models import BillingAccount, BillingEvent
from domain.billing.service import subscribe
from tests.domain.billing.payloads import event_body, signed, subscription_entity

SECRET = "whsec_worker_test"


async def test_a_webhook_event_is_applied_by_the_worker_once_however_often_it_is_delivered(
        app, client, make_tenant, forget_earlier_jobs, run_burst_worker):
    runtime = app.state.runtime
    before, runtime.billing = runtime.billing, replace(runtime.billing, webhook_secrets=(SECRET,))
    try:
        tenant = await make_tenant(plan="free")
        async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
            account = await subscribe(tx, config=runtime.billing, plan="pro", email=None, actor="t")
        sub_id = account.provider_subscription_id
        raw, signature = signed(event_body("subscription.pending", created_at=1_900_000_000, subscription=(
            subscription_entity(sub_id, status="pending", tenant_id=tenant.tenant_id))), SECRET)
        headers = {"X-Razorpay-Signature": signature, "x-razorpay-event-id": f"evt_w_{sub_id}"}

        answers = [(await client.post("/api/webhooks/razorpay", content=raw, headers=headers)).json()
                   for _ in range(3)]
        worker = await run_burst_worker()
    finally:
        runtime.billing = before

    assert answers == [{"status": "accepted"}] * 3
    assert worker.jobs_failed == 0
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        status = await tx.session.scalar(select(BillingAccount.status))
        events = await tx.session.scalar(select(func.count()).select_from(BillingEvent))
    assert (status, events) == ("pending", 1)
