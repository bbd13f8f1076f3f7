"""Running the pipeline's steps: each idempotent, persisted in ``ai_pipeline_steps``, on the incident timeline
(so ``incidentChanged`` streams it), and chained through the outbox (RCA -> runbook -> remediation ->
verification). Every model call goes through the gateway.

A step's row says which run is wanted (``wanted``) and which completed (``run``). A job finding the wanted
run complete does nothing, so a job delivered twice, or run again after its worker died, adds no second
timeline entry; the completing transaction holds the row's lock and re-checks.

Verification closes the loop: the chain's first run says it waits for a remediation; when an automation run
on the incident succeeds (``remediation_finished``), verification runs again once the run has settled, and a
remediation that did not bring the signals back re-runs RCA (then the runbook draft and the plan) with that
failure as evidence, so its hypothesis is demoted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from domain import clock
from domain.ai.pipeline import compute, verify
from domain.ai.pipeline.models import STEPS, AiPipelineStep
from domain.errors import NotFound, ValidationFailed
from domain.incidents import timeline
from domain.incidents.queries import get_incident
from domain.uow import AI_QUEUE

if TYPE_CHECKING:
    from domain.ai.gateway import Gateway
    from domain.uow import Transaction, UnitOfWork

NEXT = {"rca": "runbook", "runbook": "remediation", "remediation": "verification", "verification": None}
PREVIOUS = {after: before for before, after in NEXT.items() if after}
FEATURES = {"rca": "ai.rca", "runbook": "ai.runbooks", "remediation": "ai.remediation", "verification": "ai.rca"}
ACTOR = "ai:pipeline"
LOOP = "ai:verification"  # requested_by of the runs verification re-opens (they chain up to the plan)
SETTLE_SECONDS, HOLD_MINUTES = 300, 5  # defaults of ATLAS_AI_VERIFY_SETTLE_SECONDS / _HOLD_MINUTES


@dataclass(frozen=True)
class StepRun:
    """What a job did: ``done`` (this run completed it), ``already`` (nothing to do), ``waiting`` (the previous
    step has not completed; it queues this one when it does) or ``failed``."""

    outcome: str
    step: str
    run: int


def step_job_id(incident_id: uuid.UUID | str, step: str, run: int) -> str:
    return f"ai-step:{incident_id}:{step}:{run}"


def check_step(step: str) -> str:
    if step not in STEPS:
        raise ValidationFailed(f"Step must be one of {', '.join(STEPS)}.", field="step")
    return step


async def locked_step(tx: Transaction, *, incident_id: uuid.UUID, step: str) -> AiPipelineStep:
    """The incident's row for ``step`` (made on first use), locked for update."""
    await tx.session.execute(text(
        "INSERT INTO ai_pipeline_steps (id, tenant_id, incident_id, step) VALUES (:id, :t, :i, :s) "
        "ON CONFLICT (tenant_id, incident_id, step) DO NOTHING"),
        {"id": uuid.uuid4(), "t": tx.tenant_id, "i": incident_id, "s": step})
    return await tx.session.scalar(select(AiPipelineStep).where(
        AiPipelineStep.tenant_id == tx.tenant_id, AiPipelineStep.incident_id == incident_id,
        AiPipelineStep.step == step).with_for_update().execution_options(populate_existing=True))


def enqueue_step(tx: Transaction, *, incident_id: uuid.UUID, step: str, run: int, due: datetime | None = None) -> None:
    """Queue the job of ``run`` of ``step`` after this commit (at ``due``, if given)."""
    job_id, extra = step_job_id(incident_id, step, run), {}
    if due is not None:
        job_id += f":due:{int(due.timestamp())}"
        extra = {"_defer_by": max(0.0, (due - clock.now()).total_seconds())}
    tx.enqueue("ai_pipeline_step", queue=AI_QUEUE, job_id=job_id, tenant_id=str(tx.tenant_id),
               incident_id=str(incident_id), step=step, **extra)


def queue_pipeline(tx: Transaction, *, incident_id: uuid.UUID) -> None:
    """Queue the pipeline of a new incident (its RCA; the rest follow) once this transaction commits."""
    tx.enqueue("ai_pipeline", queue=AI_QUEUE, job_id=f"ai-pipeline:{incident_id}",
               tenant_id=str(tx.tenant_id), incident_id=str(incident_id))


def _want_another(tx: Transaction, row: AiPipelineStep, *, incident_id: uuid.UUID, actor: str) -> None:
    """Ask for one more run of ``row``'s step unless one is already wanted, and queue it."""
    if row.run >= row.wanted or row.status == "failed":
        row.wanted = row.run + 1
    row.status, row.requested_by, row.updated_at, row.attempts = "pending", actor, clock.now(), 0
    enqueue_step(tx, incident_id=incident_id, step=row.step, run=row.wanted)


async def remediation_finished(tx: Transaction, *, subject: dict[str, Any]) -> None:
    """An automation run on an incident succeeded: verify it (after it settles) if the pipeline got that far.

    Before the chain reaches verification there is nothing to do: its first run finds the run itself."""
    try:
        incident_id = uuid.UUID(str(subject.get("id")))
    except ValueError:
        return
    row = await tx.session.scalar(select(AiPipelineStep).where(
        AiPipelineStep.tenant_id == tx.tenant_id, AiPipelineStep.incident_id == incident_id,
        AiPipelineStep.step == "verification").with_for_update())
    if row is None or row.run == 0:
        return
    if row.status == "running":  # it may be looking at an earlier remediation: one more run after it
        row.wanted, row.requested_by = row.run + 2, "automation"
        enqueue_step(tx, incident_id=incident_id, step="verification", run=row.wanted)
        return
    if row.run < row.wanted and row.status != "failed":
        return  # a run is already on its way (or settling); it verifies the latest remediation
    _want_another(tx, row, incident_id=incident_id, actor="automation")


async def request_rerun(tx: Transaction, *, incident_id: uuid.UUID, step: str, actor: str,
                        features: frozenset[str] | set[str]) -> AiPipelineStep:
    """Ask for one more run of ``step`` (it alone, not the steps after it); the worker runs it."""
    check_step(step)
    if FEATURES[step] not in features:
        raise ValidationFailed(f"The plan does not include {FEATURES[step]}.", field="step")
    await get_incident(tx, incident_id)
    row = await locked_step(tx, incident_id=incident_id, step=step)
    if PREVIOUS.get(step) and (await locked_step(tx, incident_id=incident_id, step=PREVIOUS[step])).run == 0:
        raise ValidationFailed(f"Run {PREVIOUS[step]} before {step}.", field="step")
    _want_another(tx, row, incident_id=incident_id, actor=actor)
    return row


async def pipeline_steps(tx: Transaction, *, incident_id: uuid.UUID) -> list[AiPipelineStep]:
    """The incident's steps in pipeline order (only those started; none for an unknown incident)."""
    rows = list(await tx.session.scalars(select(AiPipelineStep).where(
        AiPipelineStep.tenant_id == tx.tenant_id, AiPipelineStep.incident_id == incident_id)))
    return sorted(rows, key=lambda r: STEPS.index(r.step))


async def run_step(*, db: UnitOfWork, gateway: Gateway, tenant_id: uuid.UUID, incident_id: uuid.UUID, step: str,
                   final_attempt: bool = True, settle_seconds: int = SETTLE_SECONDS,
                   hold_minutes: int = HOLD_MINUTES) -> StepRun:
    """Run ``step`` for the incident unless its wanted run is complete; persist, record and chain it.

    Verification of a remediation waits until the run finished ``max(settle_seconds, hold_minutes)`` ago
    (it queues itself for then and answers ``settling``)."""
    check_step(step)
    async with db.transaction(tenant_id=tenant_id) as tx:
        try:
            await get_incident(tx, incident_id)
        except NotFound:
            return StepRun("already", step, 0)  # deleted since: nothing to explain
        row = await locked_step(tx, incident_id=incident_id, step=step)
        if row.run >= row.wanted:
            return StepRun("already", step, row.run)
        if row.status == "failed":
            return StepRun("failed", step, row.wanted)  # gave up on this run; a re-run on demand asks again
        wanted, prior = row.wanted, await _prior_result(tx, incident_id, step)
        if prior is not None and prior["previous"] is None:
            return StepRun("waiting", step, row.run)  # the previous step queues this one when it completes
        if step == "verification":
            remediation = await verify.latest_remediation(tx, incident_id)
            if remediation is not None:
                due = remediation.finished_at + timedelta(seconds=max(settle_seconds, hold_minutes * 60))
                if clock.now() < due - timedelta(seconds=1):
                    enqueue_step(tx, incident_id=incident_id, step=step, run=wanted, due=due)
                    return StepRun("settling", step, row.run)
            prior.update(remediation=remediation, verification=row.result, hold_minutes=hold_minutes)
        features = await compute.plan_features(tx)
        row.status, row.attempts, row.updated_at = "running", row.attempts + 1, clock.now()
    try:
        if FEATURES[step] not in features:
            reason = f"The plan does not include {FEATURES[step]}."
            output = compute.Output(result={"skipped": True, "reason": reason}, summary=f"Skipped: {reason}")
        else:
            output = await compute.STEPS[step](db=db, gateway=gateway, tenant_id=tenant_id, incident_id=incident_id,
                                               prior=prior)
    except Exception as exc:
        await _record_failure(db, tenant_id, incident_id, step, wanted, exc, final=final_attempt)
        if not final_attempt:
            raise
        return StepRun("failed", step, wanted)
    return await _complete(db, tenant_id, incident_id, step, wanted, output)


async def _prior_result(tx: Transaction, incident_id: uuid.UUID, step: str) -> dict[str, Any] | None:
    before = PREVIOUS.get(step)
    if before is None:
        return None
    row = await tx.session.scalar(select(AiPipelineStep).where(
        AiPipelineStep.tenant_id == tx.tenant_id, AiPipelineStep.incident_id == incident_id,
        AiPipelineStep.step == before))
    rca = await tx.session.scalar(select(AiPipelineStep.result).where(
        AiPipelineStep.tenant_id == tx.tenant_id, AiPipelineStep.incident_id == incident_id,
        AiPipelineStep.step == "rca"))
    return {"previous": row.result if row is not None and row.run > 0 else None, "rca": rca or {}}


async def _complete(db: UnitOfWork, tenant_id: uuid.UUID, incident_id: uuid.UUID, step: str, wanted: int,
                    output: compute.Output) -> StepRun:
    async with db.transaction(tenant_id=tenant_id) as tx:
        row = await locked_step(tx, incident_id=incident_id, step=step)
        if row.run >= wanted:
            return StepRun("already", step, row.run)  # another worker finished this run first
        row.result, row.status, row.run, row.error = {**output.result, "summary": output.summary}, "done", wanted, ""
        row.dropped_hypotheses, row.model_key = output.dropped, output.model_key
        row.completed_at = row.updated_at = clock.now()
        incident = await get_incident(tx, incident_id)
        await timeline.append(tx, incident, kind=f"ai_{step}", actor=ACTOR, data={
            "step": step, "run": wanted, "summary": output.summary, "dropped_hypotheses": output.dropped,
            **_timeline_extra(step, output.result)})
        following = NEXT[step]
        if wanted == 1 and following:  # the first run chains on; a re-run on demand stays one step
            nxt = await locked_step(tx, incident_id=incident_id, step=following)
            if nxt.run < nxt.wanted:
                enqueue_step(tx, incident_id=incident_id, step=following, run=nxt.wanted)
        elif row.requested_by == LOOP and following and following != "verification":
            nxt = await locked_step(tx, incident_id=incident_id, step=following)
            _want_another(tx, nxt, incident_id=incident_id, actor=LOOP)  # the re-opened loop redoes the plan
        if step == "verification" and output.result.get("reopen"):
            rca = await locked_step(tx, incident_id=incident_id, step="rca")
            _want_another(tx, rca, incident_id=incident_id, actor=LOOP)
    return StepRun("done", step, wanted)


def _timeline_extra(step: str, result: dict[str, Any]) -> dict[str, Any]:
    """What a verification entry shows beyond its summary: the outcome and the evidence behind it."""
    if step != "verification":
        return {}
    return {"state": result.get("state"), "verified": result.get("verified"),
            "remediation": result.get("remediation"), "reopened": bool(result.get("reopen")),
            "checks": [{"id": c["id"], "ok": c["ok"], "text": c["text"]} for c in result.get("checks", [])]}


async def _record_failure(db: UnitOfWork, tenant_id: uuid.UUID, incident_id: uuid.UUID, step: str, wanted: int,
                          exc: Exception, *, final: bool) -> None:
    """Keep the reason; on the last attempt mark the step failed and say why on the timeline (once)."""
    reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"[:500]
    async with db.transaction(tenant_id=tenant_id) as tx:
        row = await locked_step(tx, incident_id=incident_id, step=step)
        if row.run >= wanted:
            return
        row.error, row.updated_at = reason, clock.now()
        if final and row.status != "failed":
            row.status = "failed"
            incident = await get_incident(tx, incident_id)
            await timeline.append(tx, incident, kind="ai_step_failed", actor=ACTOR, data={
                "step": step, "run": wanted, "reason": reason, "attempts": row.attempts})
        elif not final:
            row.status = "pending"

