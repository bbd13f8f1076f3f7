"""The per-tenant ingest budget, counted in Redis per minute across every web instance."""

import uuid

import pytest

from domain.telemetry.limits import RateLimited, take

MINUTE_START = 1_800_000_000.0  # a whole minute: the budget resets 60 s later


async def test_a_tenant_spends_its_minute_and_a_refused_batch_costs_nothing(runtime):
    tenant = uuid.uuid4()
    await take(runtime.redis, tenant_id=tenant, items=70, per_minute=100, now=MINUTE_START)

    with pytest.raises(RateLimited) as refused:
        await take(runtime.redis, tenant_id=tenant, items=40, per_minute=100, now=MINUTE_START + 15)
    await take(runtime.redis, tenant_id=tenant, items=30, per_minute=100, now=MINUTE_START + 20)

    assert refused.value.retry_after == 45
    assert refused.value.message == "Ingest limit of 100 items per minute reached; retry in 45 s."


async def test_each_tenant_and_each_minute_has_its_own_budget(runtime):
    first, second = uuid.uuid4(), uuid.uuid4()
    await take(runtime.redis, tenant_id=first, items=100, per_minute=100, now=MINUTE_START)

    await take(runtime.redis, tenant_id=second, items=100, per_minute=100, now=MINUTE_START)
    await take(runtime.redis, tenant_id=first, items=100, per_minute=100, now=MINUTE_START + 60)

    with pytest.raises(RateLimited):
        await take(runtime.redis, tenant_id=first, items=1, per_minute=100, now=MINUTE_START + 61)
