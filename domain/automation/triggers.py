"""Workflow triggers: an event (an incident created or changed, ...) starts the workflows listening to it.

The event's producer calls :func:`request_workflows` inside its own transaction: when an enabled
workflow listens, a ``workflow_trigger`` job goes to the outbox with the commit. The job
(:func:`trigger_workflows`) checks each workflow's condition (CEL over the subject) and its
concurrency limit: a storm of events starts at most ``max_concurrent`` runs per workflow at a time
and counts the rest as skipped. A job run twice starts nothing twice (its job id keys the runs).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from croniter import croniter
from sqlalchemy import func, select

from domain import clock
from domain.alerting.cel import compile_condition
from domain.automation.models import Run, Workflow
from domain.automation.runbooks import has_workflows, published_runbook
from domain.automation.runs import record, start_run
from domain.automation.spec import condition_root
from domain.errors import NotFound, ValidationFailed
from domain.incidents.models import Incident

if TYPE_CHECKING:
    from domain.uow import Transaction

TRIGGER_JOB = "workflow_trigger"
ACTIVE_RUNS = ("running", "waiting")


async def request_workflows(tx: Transaction, *, event: str, subject_id: uuid.UUID) -> None:
    """After this commit, start the workflows listening to ``event`` (only if any listen)."""
    if await has_workflows(tx, event):
        tx.enqueue(TRIGGER_JOB, tenant_id=str(tx.tenant_id), event=event, subject_id=str(subject_id))


async def _subject(tx: Transaction, event: str, subject_id: uuid.UUID) -> dict[str, Any]:
    if not event.startswith("incident."):
        return {"id": str(subject_id)}
    incident = await tx.session.get(Incident, subject_id)
    return {} if incident is None else incident_subject(incident)


async def subject_for_incident(tx: Transaction, incident_id: uuid.UUID) -> dict[str, Any]:
    """The subject of a run started by hand for an incident (the AI pipeline verifies it as a remediation)."""
    incident = await tx.session.scalar(select(Incident).where(Incident.tenant_id == tx.tenant_id,
                                                              Incident.id == incident_id))
    if incident is None:
        raise NotFound("No such incident.", field="incidentId")
    return incident_subject(incident)


def incident_subject(incident: Incident) -> dict[str, Any]:
    """What a run's ``subject`` holds of an incident."""
    return {"id": str(incident.id), "number": incident.number, "title": incident.title,
            "severity": incident.severity, "priority": incident.priority, "status": incident.status,
            "services": list(incident.services), "labels": dict(incident.labels), "source": incident.source}


def matches(workflow: Workflow, subject: dict) -> bool:
    if not workflow.condition.strip():
        return True
    try:
        return compile_condition(workflow.condition, root=condition_root(workflow.trigger)).matches(subject)
    except ValidationFailed:
        return False


async def _active_runs(tx: Transaction, workflow: Workflow) -> int:
    return await tx.session.scalar(select(func.count()).select_from(Run).where(
        Run.tenant_id == tx.tenant_id, Run.workflow_id == workflow.id, Run.status.in_(ACTIVE_RUNS)))


async def trigger_workflows(tx: Transaction, *, event: str, subject_id: uuid.UUID, trigger_key: str) -> list[Run]:
    """Start a run of every enabled workflow on ``event`` whose condition holds, within its concurrency."""
    subject = await _subject(tx, event, subject_id)
    workflows = await tx.session.scalars(select(Workflow).where(
        Workflow.tenant_id == tx.tenant_id, Workflow.trigger == event, Workflow.enabled.is_(True))
        .order_by(Workflow.name).with_for_update())
    started = []
    for workflow in workflows:
        if subject and matches(workflow, subject):
            run = await start_for(tx, workflow, subject=subject, trigger_key=trigger_key, event=event)
            started += [run] if run else []
    return started


async def start_for(tx: Transaction, workflow: Workflow, *, subject: dict, trigger_key: str, event: str) -> Run | None:
    """Start the workflow's runbook unless this trigger started it already or the workflow is at its limit."""
    if await tx.session.scalar(select(Run.id).where(
            Run.tenant_id == tx.tenant_id, Run.workflow_id == workflow.id, Run.trigger_key == trigger_key)):
        return None  # this job ran before and started it
    runbook = await published_runbook(tx, workflow.runbook_name)
    if runbook is None or await _active_runs(tx, workflow) >= workflow.max_concurrent:
        workflow.skipped += 1
        return None
    run = await start_run(tx, runbook=runbook, inputs=dict(workflow.inputs), subject=subject,
                          actor=f"workflow:{workflow.name}", workflow_id=workflow.id, trigger_key=trigger_key)
    record(tx, run, kind="triggered", actor=f"workflow:{workflow.name}", event=event)
    return run


async def fire_schedules(tx: Transaction) -> int:
    """Start the scheduled workflows whose next occurrence has come (missed ones fire once, not each)."""
    now, fired = clock.now(), 0
    workflows = await tx.session.scalars(select(Workflow).where(
        Workflow.tenant_id == tx.tenant_id, Workflow.trigger == "schedule", Workflow.enabled.is_(True))
        .with_for_update(skip_locked=True))
    for workflow in workflows:
        due = croniter(workflow.schedule, workflow.last_fired_at or workflow.created_at).get_next(datetime)
        if due > now:
            continue
        workflow.last_fired_at = now
        subject = {"schedule": workflow.schedule, "due_at": due.isoformat()}
        fired += bool(await start_for(tx, workflow, subject=subject, trigger_key=f"schedule:{due.isoformat()}",
                                       event="schedule"))
    return fired
