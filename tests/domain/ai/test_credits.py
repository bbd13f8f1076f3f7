"""Credits: reserved before a call, settled after; never overspent, even by 200 concurrent calls."""

import asyncio

import pytest
from sqlalchemy import select, text

from domain.ai import credits
from domain.ai.models import AiCall, CreditEntry
from domain.ai.queries import usage
from domain.ai.types import ChatRequest, Evidence, NotEnoughCredits

EVIDENCE = (Evidence(id="e1", text="The cache node ran out of memory and was restarted."),)


async def _grant(db, tenant, credits_: int, period: str = "test-period") -> None:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await credits.grant_period(tx, period_key=period, credits=credits_)


async def test_200_concurrent_calls_never_overspend_and_the_balance_equals_the_ledger(db, make_tenant, make_gateway,
                                                                                      register):
    # given 1000 credits and a model so dear that 200 calls cost far more (about 27 each, worst case ~200)
    tenant = await make_tenant(plan="pro")
    await _grant(db, tenant, 1000)
    key = await register("local", "extractive", price_in=1000, price_out=1000, residency="local")
    gateway = make_gateway()
    request = ChatRequest(task="copilot", question="memory cache?", evidence=EVIDENCE, max_tokens=60, model=key)

    # when 200 calls race
    results = await asyncio.gather(*(gateway.chat(tenant_id=tenant.tenant_id, actor="a", request=request)
                                     for _ in range(200)), return_exceptions=True)

    # then some were refused for credits, none overspent, and balance == ledger sum == 1000 - spent
    done = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, NotEnoughCredits)]
    assert len(done) + len(refused) == 200 and refused and done
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        state = await usage(tx)
        audited = await tx.session.scalar(text("SELECT count(*) FROM ai_calls WHERE outcome = 'refused'"))
    spent = sum(r.credits for r in done)
    assert state.balance == state.ledger_sum == 1000 - spent >= 0
    assert audited == len(refused)
    assert refused[0].code == "NOT_ENOUGH_CREDITS"


async def test_a_call_the_balance_cannot_cover_is_refused_and_changes_nothing(db, make_tenant, make_gateway,
                                                                              register):
    tenant = await make_tenant(plan="pro")
    await _grant(db, tenant, 5)
    key = await register("local", "extractive", price_in=1000, price_out=1000, residency="local")
    with pytest.raises(NotEnoughCredits, match="may cost up to"):
        await make_gateway().chat(tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(
            task="rca", question="q", max_tokens=500, model=key))
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert (await usage(tx)).balance == 5


async def test_a_settle_retried_for_the_same_request_changes_nothing(db, make_tenant):
    import uuid

    from domain.ai.audit import CallRecord, settle_call

    tenant = await make_tenant(plan="pro")
    await _grant(db, tenant, 100)
    record = CallRecord(id=uuid.uuid4(), actor="a", task="rca", credits=10)
    assert await credits.reserve_now(db, tenant_id=tenant.tenant_id, request_key=record.id.hex, credits=30) == 70
    assert await settle_call(db, tenant_id=tenant.tenant_id, record=record, kind="settle", give_back=20) == 90
    assert await settle_call(db, tenant_id=tenant.tenant_id, record=record, kind="settle", give_back=20) is None
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        state = await usage(tx)
        audited = await tx.session.scalar(text("SELECT count(*) FROM ai_calls"))
    assert state.balance == state.ledger_sum == 90 and audited == 1


async def test_granting_one_period_twice_grants_once_and_a_new_period_expires_the_rest(db, make_tenant):
    tenant = await make_tenant(plan="pro")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert await credits.grant_period(tx, period_key="2026-11", credits=300)
        assert not await credits.grant_period(tx, period_key="2026-11", credits=300)
        await credits.reserve(tx, request_key="r", credits=100)
        assert await credits.grant_period(tx, period_key="2026-12", credits=500)
        state = await usage(tx)
        kinds = list(await tx.session.scalars(select(CreditEntry.kind).order_by(CreditEntry.seq)))
    assert state.balance == state.ledger_sum == 500 and state.period_key == "2026-12"
    assert kinds == ["expire", "grant", "reserve", "expire", "grant"]


async def test_the_first_call_grants_the_plan_credits_of_the_calendar_month(db, make_tenant, make_gateway):
    tenant = await make_tenant(plan="enterprise")
    result = await make_gateway().chat(tenant_id=tenant.tenant_id, actor="a", request=ChatRequest(
        task="rca", question="cache memory", evidence=EVIDENCE))
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        state = await usage(tx)
    assert state.period_key == credits.calendar_period()
    assert state.balance == 100_000 - result.credits == state.ledger_sum


async def test_the_ledger_is_append_only_for_the_app(db, make_tenant):
    tenant = await make_tenant(plan="pro")
    await _grant(db, tenant, 10)
    with pytest.raises(Exception, match="permission denied"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await tx.session.execute(text("UPDATE ai_credit_ledger SET amount = 1000000"))
    with pytest.raises(Exception, match="permission denied"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await tx.session.execute(text("DELETE FROM ai_calls"))
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert await tx.session.scalar(select(AiCall.id).limit(1)) is None
