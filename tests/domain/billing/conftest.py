"""Billing tests leave no AI credit renewals behind: the ledger's job belongs to the AI issue, and a burst
worker of a later test (its outbox sweep relays every pending row) would count them as failed jobs."""

import pytest
from sqlalchemy import text


@pytest.fixture(autouse=True)
async def no_credit_renewals_left(live_settings):
    yield
    from atlas.db import Database

    owner = Database(live_settings.database_url, pool_size=1)  # the owner sees every tenant's outbox rows
    try:
        async with owner.transaction(tenant_id=None) as tx:
            await tx.session.execute(text("DELETE FROM job_outbox WHERE function = 'ai_credits_renewed'"))
    finally:
        await owner.dispose()
