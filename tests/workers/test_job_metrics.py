"""Every job a worker runs is observed: a duration by job and outcome, and its tenant in its log lines; the
lines arq writes for every job that ends normally only at debug."""

import io
import logging

import pytest
from opentelemetry.trace import NoOpTracer
from prometheus_client import REGISTRY

from atlas.jobs_observed import observed
from atlas.logs import RedactingFilter, configure_logging


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


@pytest.fixture
def worker_log():
    """The worker's log as ``atlas worker`` configures it, written to a string; the test's logging comes back after."""
    root, arq_log = logging.getLogger(), logging.getLogger("arq.worker")
    saved = root.handlers[:], root.level, arq_log.filters[:]
    stream = io.StringIO()
    yield lambda level: configure_logging(level, stream=stream), stream
    root.handlers[:], arq_log.filters[:] = saved[0], saved[2]
    root.setLevel(saved[1])


async def test_a_job_that_ends_normally_writes_no_info_lines_but_a_failing_one_is_logged(
        runtime, make_tenant, forget_earlier_jobs, run_burst_worker, worker_log):
    configure, stream = worker_log
    configure("info")
    tenant = await make_tenant()

    await runtime.redis.enqueue_job("prune_audit_events", tenant_id=str(tenant.tenant_id), _job_id="quiet-1")
    await runtime.redis.enqueue_job("no_such_job", _job_id="loud-1")
    await run_burst_worker()

    lines = stream.getvalue().splitlines()
    assert not [line for line in lines if "quiet-1" in line]
    assert [line for line in lines if "loud-1" in line and "WARNING" in line]


async def test_at_debug_the_worker_logs_each_job_starting_and_finishing(
        runtime, make_tenant, forget_earlier_jobs, run_burst_worker, worker_log):
    configure, stream = worker_log
    configure("debug")
    tenant = await make_tenant()

    await runtime.redis.enqueue_job("prune_audit_events", tenant_id=str(tenant.tenant_id), _job_id="seen-1")
    await run_burst_worker()

    lines = [line for line in stream.getvalue().splitlines() if "seen-1:prune_audit_events" in line]
    assert [("→" in line, "←" in line, "DEBUG" in line) for line in lines] == [(True, False, True), (False, True, True)]
