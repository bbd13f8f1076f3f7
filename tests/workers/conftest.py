"""Running a real arq worker in burst mode, on a queue holding only the test's own jobs."""

import pytest

from atlas.worker import create_worker
from domain.uow import QUEUE_NAME


@pytest.fixture
async def forget_earlier_jobs(runtime):
    """Drop jobs earlier tests left queued (their tests are over; a burst worker would run them all)."""
    await runtime.redis.delete(QUEUE_NAME)


@pytest.fixture
def run_burst_worker(live_settings):
    """Run a worker until the queue is empty; returns the worker (for jobs_failed and friends)."""

    async def run():
        worker = create_worker(live_settings, burst=True, poll_delay=0.01)
        try:
            await worker.main()
        finally:
            await worker.close()
        return worker

    return run
