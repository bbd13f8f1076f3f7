"""A worker asked to stop (SIGTERM, as on a deploy) takes no new jobs, lets the running ones finish
within its drain time, and hands back what is still running after it, so another worker runs it at once."""

import signal
import time

from tests.faults.lab import critical_events, delivery_states, wait_for


async def _one_delivery_in_flight(lab_client, tenant, receiver, prefix):
    receiver.hold()
    response = await lab_client.post("/api/ingest/events", json=critical_events(["checkout"], prefix=prefix),
                                      headers={"X-Api-Key": tenant.ingest_key})
    assert response.status_code == 202
    await wait_for(lambda: len(receiver.requests) == 1, timeout=30, what="a delivery in flight")


async def test_a_stopping_worker_finishes_its_running_job_before_it_exits(
        lab_client, lab_runtime, tenant, receiver, workers):
    worker = workers(ATLAS_WORKER_DRAIN_SECONDS="20")
    await worker.wait_for_log("Starting worker")
    await _one_delivery_in_flight(lab_client, tenant, receiver, "drain")

    worker.process.send_signal(signal.SIGTERM)
    await wait_for(lambda: "allow_pick_jobs" in worker.text(), timeout=10, what="the worker to stop picking jobs")
    receiver.release()

    await wait_for(lambda: worker.process.poll() is not None, timeout=30, what="the worker to exit")
    assert worker.process.returncode == 0
    assert await delivery_states(lab_runtime, tenant.tenant_id) == {"delivered": 1}
    assert len(receiver.requests) == 1, "finished by the stopping worker, not sent again"


async def test_a_job_still_running_after_the_drain_is_handed_back_and_run_by_another_worker_at_once(
        lab_client, lab_runtime, tenant, receiver, workers):
    first = workers(ATLAS_WORKER_DRAIN_SECONDS="1")
    await first.wait_for_log("Starting worker")
    await _one_delivery_in_flight(lab_client, tenant, receiver, "handback")
    second = workers()
    await second.wait_for_log("Starting worker")

    first.process.send_signal(signal.SIGTERM)
    await wait_for(lambda: first.process.poll() is not None, timeout=30, what="the worker to exit")
    stopped_at = time.monotonic()
    receiver.release()

    await wait_for(lambda: _delivered(lab_runtime, tenant), timeout=30, what="the delivery to be delivered")
    assert time.monotonic() - stopped_at < 10, "handed back at once, not left to its lease (20 s) expiring"
    assert "cancelled, will be run again" in first.text()


async def _delivered(runtime, tenant) -> bool:
    return await delivery_states(runtime, tenant.tenant_id) == {"delivered": 1}
