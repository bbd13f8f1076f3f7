"""Every job a worker runs is observed: a duration by job and outcome, and its tenant in its log lines."""

import logging

import pytest
from opentelemetry.trace import NoOpTracer
from prometheus_client import REGISTRY

from atlas.jobs_observed import observed
from atlas.logs import RedactingFilter


def _runs(job: str, outcome: str = "ok") -> float:
    return REGISTRY.get_sample_value("atlas_job_duration_seconds_count", {"job": job, "outcome": outcome}) or 0.0


async def test_a_job_run_by_the_worker_is_timed_by_name_and_outcome(
        runtime, make_tenant, forget_earlier_jobs, run_burst_worker):
    tenant = await make_tenant()
    before = _runs("prune_audit_events")

    await runtime.redis.enqueue_job("prune_audit_events", tenant_id=str(tenant.tenant_id))
    await run_burst_worker()

    assert _runs("prune_audit_events") - before == 1


async def test_a_jobs_log_lines_name_the_job_its_id_and_tenant_and_a_failure_is_counted(caplog):
    log = logging.getLogger("atlas.test.job")

    async def flaky(ctx, *, tenant_id):
        log.warning("cannot reach the webhook target")
        raise RuntimeError("target down")

    caplog.handler.addFilter(RedactingFilter())
    before = _runs("flaky", "failed")
    with pytest.raises(RuntimeError):
        await observed("flaky", flaky, NoOpTracer())({"job_id": "j-1"}, tenant_id="t-42")

    record = next(r for r in caplog.records if r.name == "atlas.test.job")
    assert (record.job, record.job_id, record.tenant_id) == ("flaky", "j-1", "t-42")
    assert _runs("flaky", "failed") - before == 1
