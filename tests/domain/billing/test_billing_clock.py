"""Billing over time: grace periods ending, paid periods ending, AI credit periods starting (once each)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from domain.billing.events import apply_event, parse_event
from domain.billing.service import subscribe
from domain.clock import clock_at
from domain.outbox.models import OutboxJob
from domain.tenants.models import Tenant
from tests.domain.billing.payloads import event_body, subscription_entity
from workers.jobs.billing import billing_tenant_tick

T0 = 1_800_000_000


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


async def _subscribed_pro(runtime, make_tenant):
    tenant = await make_tenant(plan="free")
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        account = await subscribe(tx, config=runtime.billing, plan="pro", email=None, actor="test")
    return tenant, account.provider_subscription_id


async def _event(runtime, tenant, sub_id, name, status, *, at: int, current_start: int = T0):
    body = event_body(name, created_at=at, subscription=subscription_entity(
        sub_id, status=status, tenant_id=tenant.tenant_id, current_start=current_start))
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await apply_event(tx, event=parse_event(body, event_id=f"evt_{sub_id}_{at}"), config=runtime.billing)


async def _plan_and_version(runtime, tenant, at: int):
    with clock_at(_at(at)):
        await billing_tenant_tick(runtime, tenant.tenant_id)
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        row = await tx.session.get(Tenant, tenant.tenant_id)
        from domain.billing.entitlements import account_of
        return (await account_of(tx)).effective_plan, row.entitlements_version


async def test_halted_keeps_the_plan_through_the_grace_period_then_downgrades(runtime, make_tenant):
    tenant, sub_id = await _subscribed_pro(runtime, make_tenant)
    await _event(runtime, tenant, sub_id, "subscription.halted", "halted", at=T0)
    grace = timedelta(days=runtime.billing.grace_days).total_seconds()

    during = await _plan_and_version(runtime, tenant, T0 + int(grace) - 60)
    after = await _plan_and_version(runtime, tenant, T0 + int(grace) + 60)
    again = await _plan_and_version(runtime, tenant, T0 + int(grace) + 3600)

    assert during == ("pro", 2)
    assert after == ("free", 3)  # the downgrade bumps the version: old tokens are refused
    assert again == ("free", 3)  # the tick is idempotent


async def test_cancelled_keeps_access_to_the_end_of_the_paid_period(runtime, make_tenant):
    tenant, sub_id = await _subscribed_pro(runtime, make_tenant)
    await _event(runtime, tenant, sub_id, "subscription.cancelled", "cancelled", at=T0 + 60)
    period_end = T0 + 30 * 86400

    assert await _plan_and_version(runtime, tenant, period_end - 60) == ("pro", 2)
    assert await _plan_and_version(runtime, tenant, period_end + 60) == ("free", 3)


async def test_a_charge_asks_once_for_the_periods_ai_credits(runtime, make_tenant):
    tenant, sub_id = await _subscribed_pro(runtime, make_tenant)
    with clock_at(_at(T0 + 120)):
        await _event(runtime, tenant, sub_id, "subscription.charged", "active", at=T0 + 100)
        await billing_tenant_tick(runtime, tenant.tenant_id)  # the same period: nothing more to ask
    with clock_at(_at(T0 + 30 * 86400 + 120)):  # next period: the charge and the tick both see it
        await _event(runtime, tenant, sub_id, "subscription.charged", "active", at=T0 + 30 * 86400 + 100,
                     current_start=T0 + 30 * 86400)
        await billing_tenant_tick(runtime, tenant.tenant_id)

    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        jobs = list(await tx.session.scalars(select(OutboxJob).where(OutboxJob.function == "ai_credits_renewed")))
    keys = sorted(job.job_id for job in jobs)
    assert keys == [f"ai_credits_renewed:{tenant.tenant_id}:{sub_id}:{_at(T0):%Y-%m-%dT%H:%M}",
                    f"ai_credits_renewed:{tenant.tenant_id}:{sub_id}:{_at(T0 + 30 * 86400):%Y-%m-%dT%H:%M}"]


async def test_a_free_tenant_without_credits_asks_for_none(runtime, make_tenant):
    tenant = await make_tenant(plan="free")

    await billing_tenant_tick(runtime, tenant.tenant_id)

    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert list(await tx.session.scalars(select(OutboxJob.job_id).where(
            OutboxJob.function == "ai_credits_renewed"))) == []
