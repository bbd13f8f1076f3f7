"""Billing tests leave no AI credit renewals behind: the ledger's job belongs to the AI issue, and a later
test's burst worker would count them as failed jobs."""

import pytest

from tests.outbox_cleanup import delete_pending_jobs


@pytest.fixture(autouse=True)
async def no_credit_renewals_left(live_settings):
    yield
    await delete_pending_jobs(live_settings, "ai_credits_renewed")
