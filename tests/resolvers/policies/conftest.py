"""Policy tests run the policy_published job themselves: their outbox rows must not reach a later test's
burst worker, which would apply them to that test's tenants."""

import pytest

from tests.outbox_cleanup import delete_pending_jobs


@pytest.fixture(autouse=True)
async def no_policy_jobs_left(live_settings):
    yield
    await delete_pending_jobs(live_settings, "policy_published")
