"""Verification closes the AI pipeline's loop: a remediation run on the incident succeeds, settles, and the
signals that fired are checked; a remediation that did not bring them back re-runs RCA with it demoted."""

from datetime import timedelta

from sqlalchemy import select

from domain import clock
from domain.ai.pipeline.drafts import draft_update
from domain.ai.pipeline.service import pipeline_steps, run_step, step_job_id
from domain.automation.models import Run
from domain.incidents.models import TimelineEntry
from domain.telemetry.models import MetricPoint
from domain.uow import AI_QUEUE
from tests.domain.ai.pipeline_scenario import _series, _value, plant
from tests.domain.automation.helpers import advance, published, start

ROLLBACK = {"name": "rollback-payments", "steps": [{"name": "rollback", "kind": "condition", "when": "true"}]}
STEPS = ("rca", "runbook", "remediation", "verification")
WATCHED = ("payments", "checkout", "frontend")  # the services whose latency the RCA saw rise


async def _steps(db, tenant, incident_id) -> dict:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return {row.step: row for row in await pipeline_steps(tx, incident_id=incident_id)}


async def _entries(db, tenant, incident_id) -> list[tuple[str, dict]]:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return [(e.kind, e.data) for e in await tx.session.scalars(select(TimelineEntry).where(
            TimelineEntry.incident_id == incident_id, TimelineEntry.kind.like("ai_%"))
            .order_by(TimelineEntry.stream_seq))]


async def _step(runtime, tenant, planted, step):
    return await run_step(db=runtime.db, gateway=runtime.ai, tenant_id=tenant.tenant_id,
                          incident_id=planted.incident_id, step=step, settle_seconds=300, hold_minutes=5)


async def _draft(runtime, tenant, planted, audience):
    return await draft_update(db=runtime.db, gateway=runtime.ai, tenant_id=tenant.tenant_id,
                              incident_id=planted.incident_id, audience=audience, actor="t")


async def _pipeline_then_remediation(runtime, db, tenant):
    """The scripted incident through its whole pipeline, then a remediation run on it that succeeds."""
    planted = await plant(db, tenant)
    for step in STEPS:
        await _step(runtime, tenant, planted, step)
    runbook = await published(db, tenant, ROLLBACK)
    run_id = await start(db, tenant, runbook, subject={"id": str(planted.incident_id)})
    assert await advance(runtime, tenant, run_id) == "succeeded"
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        finished = await tx.session.scalar(select(Run.finished_at).where(Run.id == run_id))
    return planted, run_id, finished


async def _latency_after(db, tenant, finished, *, recovered: bool) -> None:
    """Six minutes of latency points after the run finished: back at baseline, or still four times as high."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        tx.session.add_all([
            MetricPoint(tenant_id=tx.tenant_id, name="latency_ms", ts=finished + timedelta(minutes=m),
                        series=_series(svc, "latency_ms"), kind="gauge", service=svc, labels={"service": svc},
                        value=_value(svc, "latency_ms", 30) * (1 if recovered else 4))
            for svc in WATCHED for m in range(1, 7)])


async def test_a_remediation_that_brings_the_signals_back_is_verified_after_it_settles(runtime, db, make_tenant,
                                                                                     forget_earlier_jobs):
    # given the pipeline done (verification waiting) and a remediation run on the incident that succeeded
    tenant = await make_tenant(plan="enterprise")
    planted, run_id, finished = await _pipeline_then_remediation(runtime, db, tenant)

    # then verification is wanted again, and a job verifying it is queued
    steps = await _steps(db, tenant, planted.incident_id)
    assert (steps["verification"].run, steps["verification"].wanted, steps["verification"].status) == (1, 2, "pending")
    queued = [job.job_id for job in await runtime.redis.queued_jobs(queue_name=AI_QUEUE)
              if job.kwargs.get("incident_id") == str(planted.incident_id)]
    assert step_job_id(planted.incident_id, "verification", 2) in queued

    # when its job runs before the run has settled: it waits, queued again for the end of the settle window
    early = await _step(runtime, tenant, planted, "verification")
    due = int((finished + timedelta(seconds=300)).timestamp())
    deferred = [job for job in await runtime.redis.queued_jobs(queue_name=AI_QUEUE)
                if job.job_id == f"{step_job_id(planted.incident_id, 'verification', 2)}:due:{due}"]
    assert early.outcome == "settling" and len(deferred) == 1

    # and when it runs six minutes later, the latency of every service that fired having come back
    await _latency_after(db, tenant, finished, recovered=True)
    with clock.clock_at(finished + timedelta(minutes=6)):
        done = await _step(runtime, tenant, planted, "verification")

    # then the remediation is verified, with each signal as evidence on the timeline, and RCA is left alone
    steps = await _steps(db, tenant, planted.incident_id)
    result = steps["verification"].result
    assert (done.outcome, done.run) == ("done", 2)
    assert (result["state"], result["verified"], result["reopen"]) == ("verified", True, False)
    assert result["remediation"]["run_id"] == str(run_id)
    assert [(c["id"], c["ok"]) for c in result["checks"]] == [
        ("metric:checkout:latency_ms", True), ("metric:frontend:latency_ms", True),
        ("metric:payments:latency_ms", True)]
    kind, data = (await _entries(db, tenant, planted.incident_id))[-1]
    assert (kind, data["verified"], data["reopened"]) == ("ai_verification", True, False)
    assert data["summary"] == "Verified: rollback-payments brought the signals back (3 checked)."
    assert [c["id"] for c in data["checks"]] == [c["id"] for c in result["checks"]]
    assert (steps["rca"].run, steps["rca"].wanted) == (1, 1)
    # and status-update drafts say so, citing the verification
    draft = await _draft(runtime, tenant, planted, "executives")
    assert "The fix has been verified: the signals are back to normal [finding:verification]." in draft.text
    assert "finding:verification" in draft.cited and not draft.flagged


async def test_a_remediation_that_does_not_help_reopens_rca_with_its_hypothesis_demoted(runtime, db, make_tenant,
                                                                                       forget_earlier_jobs):
    # given the pipeline done, a remediation of its top hypothesis (the bad change on payments) that succeeded,
    # and latency still four times its baseline six minutes later
    tenant = await make_tenant(plan="enterprise")
    planted, run_id, finished = await _pipeline_then_remediation(runtime, db, tenant)
    before = (await _steps(db, tenant, planted.incident_id))["rca"].result["hypotheses"][0]
    await _latency_after(db, tenant, finished, recovered=False)

    # when verification runs, then RCA (which it re-opened)
    with clock.clock_at(finished + timedelta(minutes=6)):
        verified = await _step(runtime, tenant, planted, "verification")
        steps = await _steps(db, tenant, planted.incident_id)
        reopened = (steps["rca"].wanted, steps["rca"].status)
        rca = await _step(runtime, tenant, planted, "rca")

    # then it is not verified, says what is still wrong, and the failed remediation is learnt
    steps = await _steps(db, tenant, planted.incident_id)
    result = steps["verification"].result
    assert (verified.outcome, result["state"], result["verified"], result["reopen"]) == (
        "done", "not_verified", False, True)
    assert [c["ok"] for c in result["checks"]] == [False, False, False]
    assert result["checks"][2]["text"].startswith("latency_ms on payments still above its baseline")
    assert result["failed_remediations"] == [{**result["remediation"], "ci": "payments", "cause": before["cause"],
                                              "action": "rollback_change", "not_recovered": [
                                                  "metric:checkout:latency_ms", "metric:frontend:latency_ms",
                                                  "metric:payments:latency_ms"]}]
    # and RCA ran again with that remediation as evidence, its hypothesis demoted below another
    assert reopened == (2, "pending") and (rca.outcome, rca.run) == ("done", 2)
    hypotheses = steps["rca"].result["hypotheses"]
    demoted = next(h for h in hypotheses if h["ci"] == "payments")
    assert hypotheses[0]["ci"] != "payments", [(h["ci"], h["confidence"], h["cause"]) for h in hypotheses]
    assert demoted["confidence"] < before["confidence"] / 3
    assert f"remediation:{run_id}" in demoted["evidence_ids"]
    assert demoted["reasons"][-1] == ("demoted: rollback_change ran (rollback-payments) and the signals did not "
                                      "recover")
    assert f"remediation:{run_id}" in {e["id"] for e in steps["rca"].result["evidence"]}
    # and the re-opened loop redoes the runbook draft and the plan for the new top hypothesis
    assert (steps["runbook"].run, steps["runbook"].wanted, steps["runbook"].status) == (1, 2, "pending")
    kinds = [kind for kind, _ in await _entries(db, tenant, planted.incident_id)]
    assert kinds == ["ai_rca", "ai_runbook", "ai_remediation", "ai_verification", "ai_verification", "ai_rca"]
    last_verification = (await _entries(db, tenant, planted.incident_id))[-2][1]
    assert last_verification["reopened"] is True
    assert last_verification["summary"].endswith("RCA re-runs with this remediation demoted.")
    responders = await _draft(runtime, tenant, planted, "responders")
    executives = await _draft(runtime, tenant, planted, "executives")
    assert "Not verified: rollback-payments ran but" in responders.text
    assert "A first fix did not resolve it; we are working on the next one [finding:verification]." in executives.text


async def test_redelivered_verification_and_rca_jobs_add_nothing(runtime, db, make_tenant, forget_earlier_jobs):
    # given a failed verification that re-opened RCA, both done
    tenant = await make_tenant(plan="enterprise")
    planted, _, finished = await _pipeline_then_remediation(runtime, db, tenant)
    await _latency_after(db, tenant, finished, recovered=False)
    with clock.clock_at(finished + timedelta(minutes=6)):
        await _step(runtime, tenant, planted, "verification")
        await _step(runtime, tenant, planted, "rca")
        entries = await _entries(db, tenant, planted.incident_id)

        # when arq delivers each of their jobs again
        again = [await _step(runtime, tenant, planted, step) for step in ("verification", "rca", "verification")]

    # then nothing ran twice and nothing was learnt twice
    steps = await _steps(db, tenant, planted.incident_id)
    assert [r.outcome for r in again] == ["already"] * 3
    assert await _entries(db, tenant, planted.incident_id) == entries
    assert len(steps["verification"].result["failed_remediations"]) == 1
    assert (steps["rca"].run, steps["rca"].wanted, steps["verification"].run) == (2, 2, 2)


async def test_a_remediation_finishing_while_verification_runs_gets_a_run_of_its_own(runtime, db, make_tenant,
                                                                                    forget_earlier_jobs):
    from domain.ai.pipeline.service import locked_step

    # given a verification run in progress (looking at the first remediation)
    tenant = await make_tenant(plan="enterprise")
    planted, _, _ = await _pipeline_then_remediation(runtime, db, tenant)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        (await locked_step(tx, incident_id=planted.incident_id, step="verification")).status = "running"

    # when a second remediation run on the incident succeeds
    runbook = await published(db, tenant, {**ROLLBACK, "name": "restart-payments"})
    second = await start(db, tenant, runbook, subject={"id": str(planted.incident_id)})
    assert await advance(runtime, tenant, second) == "succeeded"

    # then one more verification run is wanted after the one in progress, and queued
    steps = await _steps(db, tenant, planted.incident_id)
    assert (steps["verification"].run, steps["verification"].wanted) == (1, 3)
    queued = [job.job_id for job in await runtime.redis.queued_jobs(queue_name=AI_QUEUE)]
    assert step_job_id(planted.incident_id, "verification", 3) in queued
