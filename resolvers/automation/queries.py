"""Automation queries: thin reads through domain/automation/queries.py."""

from __future__ import annotations

import strawberry

from domain.automation import queries
from domain.uow import Transaction
from resolvers.automation.types import Agent, Approval, ApprovalStatus, AutomationRun, Runbook, RunStatus, Workflow
from resolvers.ids import parse_id


async def present_runs(tx: Transaction, runs: list, *, with_events: bool = False) -> list[AutomationRun]:
    """Runs with their steps and runbook names (two more queries for the whole list)."""
    ids = [run.id for run in runs]
    steps = await queries.steps_of(tx, ids)
    names = await queries.runbook_names(tx, list({run.runbook_id for run in runs}))
    return [AutomationRun.of(run, steps=steps[run.id], runbook=names.get(run.runbook_id, ("?", 0)),
                             events=await queries.run_events(tx, run.id) if with_events else None)
            for run in runs]


async def resolve_runbooks(info: strawberry.Info, include_archived: bool = False) -> list[Runbook]:
    async with info.context.transaction() as tx:
        return [Runbook.of(r) for r in await queries.list_runbooks(tx, include_archived=include_archived)]


async def resolve_runbook(info: strawberry.Info, id: strawberry.ID) -> Runbook | None:
    async with info.context.transaction() as tx:
        found = await queries.get_runbook(tx, parse_id(id))
        return Runbook.of(found) if found else None


async def resolve_workflows(info: strawberry.Info) -> list[Workflow]:
    async with info.context.transaction() as tx:
        return [Workflow.of(w) for w in await queries.list_workflows(tx)]


async def resolve_runs(info: strawberry.Info, first: int = 50, status: RunStatus | None = None) -> list[AutomationRun]:
    async with info.context.transaction() as tx:
        runs = await queries.list_runs(tx, first=first, status=status.value if status else None)
        return await present_runs(tx, runs)


async def resolve_run(info: strawberry.Info, id: strawberry.ID) -> AutomationRun | None:
    async with info.context.transaction() as tx:
        runs = await queries.list_runs(tx, run_ids=[parse_id(id)])
        return (await present_runs(tx, runs, with_events=True))[0] if runs else None


async def resolve_approvals(info: strawberry.Info, status: ApprovalStatus | None = ApprovalStatus.PENDING
                            ) -> list[Approval]:
    async with info.context.transaction() as tx:
        return [Approval.of(a) for a in await queries.list_approvals(tx, status=status.value if status else None)]


async def resolve_agents(info: strawberry.Info) -> list[Agent]:
    async with info.context.transaction() as tx:
        return [Agent.of(a) for a in await queries.list_agents(tx)]
