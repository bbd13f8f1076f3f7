"""The job outbox: a job is recorded with the transaction that asks for it, relayed when Redis could not take it,
deleted once it ran, relayed again when it failed, and kept as failed after too many tries."""

import uuid

import pytest
from arq.jobs import Job, JobStatus
from redis.asyncio import Redis
from sqlalchemy import text

from atlas.relay import OutboxRelay
from atlas.worker import create_worker
from domain.outbox import store as outbox
from domain.uow import QUEUE_NAME


class Refused(Exception):
    pass


async def _rows(runtime, job_id: str) -> list:
    async with runtime.db.transaction(tenant_id=None) as tx:
        await outbox.bind_relay(tx.session)
        return (await tx.session.execute(text(
            "SELECT status, relays, last_error FROM job_outbox WHERE job_id = :j"), {"j": job_id})).all()


async def _make_due(runtime, job_id: str, **changes) -> None:
    sets = ", ".join(["available_at = now()", *(f"{k} = :{k}" for k in changes)])
    async with runtime.db.transaction(tenant_id=None) as tx:
        await outbox.bind_relay(tx.session)
        await tx.session.execute(text(f"UPDATE job_outbox SET {sets} WHERE job_id = :j"), {"j": job_id, **changes})


async def _run_queue(lab) -> None:
    worker = create_worker(lab.settings, burst=True, poll_delay=0.01)
    try:
        await worker.main()
    finally:
        await worker.close()


@pytest.fixture
async def empty_queue(lab_runtime):
    await lab_runtime.redis.delete(QUEUE_NAME)


async def test_a_job_is_recorded_only_when_its_transaction_commits(lab_runtime, tenant):
    kept, dropped = f"kept-{uuid.uuid4()}", f"dropped-{uuid.uuid4()}"

    async with lab_runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        tx.enqueue("prune_audit_events", job_id=kept, tenant_id=str(tenant.tenant_id))
    with pytest.raises(Refused):
        async with lab_runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
            tx.enqueue("prune_audit_events", job_id=dropped, tenant_id=str(tenant.tenant_id))
            raise Refused

    assert await _rows(lab_runtime, kept) == [("pending", 0, None)]
    assert await Job(kept, lab_runtime.redis, _queue_name=QUEUE_NAME).status() == JobStatus.queued
    assert await _rows(lab_runtime, dropped) == []
    assert await Job(dropped, lab_runtime.redis, _queue_name=QUEUE_NAME).status() == JobStatus.not_found


async def test_a_job_redis_could_not_take_is_relayed_by_the_sweep_and_forgotten_once_it_ran(
        lab, lab_runtime, tenant, empty_queue):
    # given a job committed while the fast path could not reach Redis
    job_id = f"late-{uuid.uuid4()}"
    dead = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    lab_runtime.db.job_sink = OutboxRelay(lab_runtime.db, dead)
    try:
        async with lab_runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
            tx.enqueue("prune_audit_events", job_id=job_id, tenant_id=str(tenant.tenant_id))
    finally:
        lab_runtime.db.job_sink = lab_runtime.relay
        await dead.aclose()
    assert await Job(job_id, lab_runtime.redis, _queue_name=QUEUE_NAME).status() == JobStatus.not_found

    # when the sweep looks at it, and a worker runs the queue
    await _make_due(lab_runtime, job_id)
    await lab_runtime.relay.sweep()
    queued = await Job(job_id, lab_runtime.redis, _queue_name=QUEUE_NAME).status()
    await _run_queue(lab)

    # then it was queued, ran, and its row is gone
    assert queued == JobStatus.queued
    assert (await Job(job_id, lab_runtime.redis, _queue_name=QUEUE_NAME).result_info()).success
    assert await _rows(lab_runtime, job_id) == []


async def test_a_failed_job_is_relayed_again_then_kept_as_failed(lab, lab_runtime, tenant, empty_queue):
    # given a job that fails every time it runs (no such delivery id), after its first run
    job_id = f"broken-{uuid.uuid4()}"
    async with lab_runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        tx.enqueue("deliver_webhook", job_id=job_id, tenant_id=str(tenant.tenant_id), delivery_id="not-a-uuid")
    await _run_queue(lab)
    assert not (await Job(job_id, lab_runtime.redis, _queue_name=QUEUE_NAME).result_info()).success

    # when the sweep finds it, it is queued again (one more relay)
    await _make_due(lab_runtime, job_id)
    await lab_runtime.relay.sweep()
    assert await Job(job_id, lab_runtime.redis, _queue_name=QUEUE_NAME).status() == JobStatus.queued
    assert await _rows(lab_runtime, job_id) == [("pending", 1, None)]

    # and after the last allowed relay fails too, it is kept as failed with the error, not relayed again
    await _run_queue(lab)
    await _make_due(lab_runtime, job_id, relays=outbox.MAX_RELAYS)
    await lab_runtime.relay.sweep()
    [(status, relays, error)] = await _rows(lab_runtime, job_id)
    assert (status, relays) == ("failed", outbox.MAX_RELAYS)
    assert error.startswith("ValueError: badly formed hexadecimal UUID string")
    await _make_due(lab_runtime, job_id)
    assert await lab_runtime.relay.sweep() == 0
