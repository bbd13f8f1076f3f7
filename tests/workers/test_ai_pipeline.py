"""The AI pipeline in real arq workers on the AI queue: the alerting engine's ``ai_pipeline`` job runs every step,
and a worker stopped mid-pipeline leaves the rest to the next one, with no step recorded twice."""

import asyncio
import contextlib
import re

import pytest
from sqlalchemy import select

from atlas.worker import create_worker
from domain.ai.pipeline.models import AiPipelineStep
from domain.incidents.models import TimelineEntry
from domain.uow import AI_QUEUE
from tests.domain.ai.pipeline_scenario import plant
from tests.waiting import wait_for

ALL_DONE = dict.fromkeys(("rca", "runbook", "remediation", "verification"), ("done", 1))


@pytest.fixture
async def ai_worker(runtime, live_settings, forget_earlier_jobs):
    """Run a worker on the AI queue: drain it, or (``until``) stop it mid-way as a kill would."""
    await runtime.redis.delete(AI_QUEUE)

    async def run(*, until=None):
        worker = create_worker(live_settings, burst=until is None, poll_delay=0.01, handle_signals=False,
                               cron_jobs=[], queue_name=AI_QUEUE)
        task = asyncio.create_task(worker.main())
        try:
            if until is None:
                await task
            else:
                await wait_for(until, timeout=30, what="the AI worker's progress")
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(asyncio.CancelledError):
                await worker.close()
        return worker

    return run


async def _rows(db, tenant, incident_id) -> dict:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return {r.step: r for r in await tx.session.scalars(
            select(AiPipelineStep).where(AiPipelineStep.incident_id == incident_id))}


async def _kinds(db, tenant, incident_id) -> list[str]:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return list(await tx.session.scalars(select(TimelineEntry.kind).where(
            TimelineEntry.incident_id == incident_id, TimelineEntry.kind.like("ai_%"))
            .order_by(TimelineEntry.stream_seq)))


async def _queue_pipeline(runtime, tenant, incident_id, job_id=None) -> None:
    """What the alerting engine queues for a new incident."""
    await runtime.redis.enqueue_job("ai_pipeline", tenant_id=str(tenant.tenant_id), incident_id=str(incident_id),
                                    _queue_name=AI_QUEUE, _job_id=job_id or f"ai-pipeline:{incident_id}")


async def test_the_queued_pipeline_job_runs_every_step_once(runtime, db, make_tenant, ai_worker):
    tenant = await make_tenant(plan="enterprise")
    planted = await plant(db, tenant)
    await _queue_pipeline(runtime, tenant, planted.incident_id)

    worker = await ai_worker()

    rows = await _rows(db, tenant, planted.incident_id)
    assert worker.jobs_failed == 0
    assert {step: (r.status, r.run) for step, r in rows.items()} == ALL_DONE
    assert rows["rca"].result["hypotheses"][0]["ci"] == "payments"
    assert await _kinds(db, tenant, planted.incident_id) == ["ai_rca", "ai_runbook", "ai_remediation",
                                                             "ai_verification"]


async def test_a_worker_stopped_mid_pipeline_leaves_the_rest_to_the_next_and_nothing_twice(runtime, db, make_tenant,
                                                                                          ai_worker):
    # given a pipeline whose worker stopped once the RCA was recorded
    tenant = await make_tenant(plan="enterprise")
    planted = await plant(db, tenant)
    await _queue_pipeline(runtime, tenant, planted.incident_id)

    async def rca_done() -> bool:
        rows = await _rows(db, tenant, planted.incident_id)
        return "rca" in rows and rows["rca"].run == 1

    await ai_worker(until=rca_done)

    # when arq runs the first job again (its worker died) and a new worker drains the queue
    stale = [key async for key in runtime.redis.scan_iter(match="arq:in-progress:*")]
    if stale:
        await runtime.redis.delete(*stale)  # the dead worker's claims lapse (see workers/resilience.py LEASE)
    await _queue_pipeline(runtime, tenant, planted.incident_id, job_id=f"rerun-{planted.incident_id}")
    for step in ("runbook", "remediation", "verification"):  # whichever step was cut short runs again too
        await runtime.redis.enqueue_job("ai_pipeline_step", tenant_id=str(tenant.tenant_id),
                                        incident_id=str(planted.incident_id), step=step, _queue_name=AI_QUEUE,
                                        _job_id=f"rerun-{planted.incident_id}-{step}")
    worker = await ai_worker()

    # then the pipeline finished, each step recorded once
    rows = await _rows(db, tenant, planted.incident_id)
    assert worker.jobs_failed == 0
    assert {step: (r.status, r.run) for step, r in rows.items()} == ALL_DONE
    assert await _kinds(db, tenant, planted.incident_id) == ["ai_rca", "ai_runbook", "ai_remediation",
                                                             "ai_verification"]


async def test_atlas_ai_drain_runs_what_piled_up_on_the_ai_queue(runtime, db, make_tenant, live_settings,
                                                                 forget_earlier_jobs):
    import subprocess
    import sys

    # given a pipeline job queued while no AI worker ran
    await runtime.redis.delete(AI_QUEUE)
    tenant = await make_tenant(plan="enterprise")
    planted = await plant(db, tenant)
    await _queue_pipeline(runtime, tenant, planted.incident_id)

    # when an operator drains the AI queue
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "atlas", "ai", "drain", "--data-dir",
                                                    str(live_settings.data_dir)], capture_output=True, text=True,
                                   timeout=120)

    # then every step ran, and the command said so
    assert done.returncode == 0, done.stderr
    # (at least this pipeline's four steps: jobs earlier tests' pipelines chained may be drained with them)
    drained = re.search(r"AI queue drained: (\d+) done, 0 failed", done.stdout)
    assert drained and int(drained.group(1)) >= 4, done.stdout
    rows = await _rows(db, tenant, planted.incident_id)
    assert {step: (r.status, r.run) for step, r in rows.items()} == ALL_DONE
