"""The read side of automation: lists for the API and the console (each one or two queries, no N+1)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.automation.models import Agent, Approval, Run, Runbook, RunEvent, RunStep, Workflow

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_RUNS = 200


async def list_runbooks(tx: Transaction, *, include_archived: bool = False) -> list[Runbook]:
    """Every runbook version, newest version of each name first."""
    query = select(Runbook).where(Runbook.tenant_id == tx.tenant_id)
    if not include_archived:
        query = query.where(Runbook.status != "archived")
    return list(await tx.session.scalars(query.order_by(Runbook.name, Runbook.version.desc())))


async def get_runbook(tx: Transaction, runbook_id: uuid.UUID) -> Runbook | None:
    return await tx.session.scalar(select(Runbook).where(Runbook.tenant_id == tx.tenant_id, Runbook.id == runbook_id))


async def list_workflows(tx: Transaction) -> list[Workflow]:
    return list(await tx.session.scalars(select(Workflow).where(Workflow.tenant_id == tx.tenant_id)
                                         .order_by(Workflow.name)))


async def list_runs(tx: Transaction, *, first: int = 50, status: str | None = None,
                    run_ids: list[uuid.UUID] | None = None) -> list[Run]:
    """The latest runs (or those named), newest first."""
    query = select(Run).where(Run.tenant_id == tx.tenant_id)
    if status:
        query = query.where(Run.status == status)
    if run_ids is not None:
        query = query.where(Run.id.in_(run_ids))
    return list(await tx.session.scalars(query.order_by(Run.created_at.desc(), Run.id)
                                         .limit(max(1, min(first, MAX_RUNS)))))


async def steps_of(tx: Transaction, run_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[RunStep]]:
    """The steps of these runs, in order, by run (one query)."""
    by_run: dict[uuid.UUID, list[RunStep]] = {run_id: [] for run_id in run_ids}
    rows = await tx.session.scalars(select(RunStep).where(RunStep.tenant_id == tx.tenant_id,
                                                          RunStep.run_id.in_(run_ids))
                                    .order_by(RunStep.run_id, RunStep.position))
    for step in rows:
        by_run[step.run_id].append(step)
    return by_run


async def runbook_names(tx: Transaction, runbook_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, int]]:
    rows = await tx.session.execute(select(Runbook.id, Runbook.name, Runbook.version).where(
        Runbook.tenant_id == tx.tenant_id, Runbook.id.in_(runbook_ids)))
    return {row.id: (row.name, row.version) for row in rows}


async def run_events(tx: Transaction, run_id: uuid.UUID) -> list[RunEvent]:
    """The run's audit trail, oldest first."""
    return list(await tx.session.scalars(select(RunEvent).where(
        RunEvent.tenant_id == tx.tenant_id, RunEvent.run_id == run_id).order_by(RunEvent.id)))


async def list_approvals(tx: Transaction, *, status: str | None = "pending") -> list[Approval]:
    """Approvals (pending by default), oldest first: the queue people work through."""
    query = select(Approval).where(Approval.tenant_id == tx.tenant_id)
    if status:
        query = query.where(Approval.status == status)
    return list(await tx.session.scalars(query.order_by(Approval.created_at).limit(MAX_RUNS)))


async def list_agents(tx: Transaction) -> list[Agent]:
    return list(await tx.session.scalars(select(Agent).where(Agent.tenant_id == tx.tenant_id,
                                                             Agent.revoked_at.is_(None)).order_by(Agent.name)))
