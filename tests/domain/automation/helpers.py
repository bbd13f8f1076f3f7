"""Building runbooks and runs for the automation tests, and reading them back."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from domain.auth.principals import user_principal
from domain.automation import engine
from domain.automation.models import Approval, Run, RunEvent, RunStep
from domain.automation.runbooks import publish_runbook, save_runbook
from domain.automation.runs import start_run
from domain.automation.spec import RunbookSpec
from domain.members.models import User


async def published(db, tenant, spec: dict):
    """Save and publish a runbook from a spec dict; returns the Runbook."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        runbook = await save_runbook(tx, spec=RunbookSpec.model_validate(spec), actor="test")
        return await publish_runbook(tx, runbook_id=runbook.id)


async def start(db, tenant, runbook, *, inputs: dict | None = None, subject: dict | None = None,
                actor: str = "requester@example.com") -> uuid.UUID:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        run = await start_run(tx, runbook=runbook, inputs=inputs or {}, subject=subject or {}, actor=actor)
        return run.id


async def advance(runtime, tenant, run_id: uuid.UUID, *, job_id: str = "test-job") -> str:
    """What the automation_advance job does."""
    return await engine.advance(runtime, tenant_id=tenant.tenant_id, run_id=run_id, job_id=job_id)


async def state(db, tenant, run_id: uuid.UUID) -> tuple[str, list[tuple[str, str, int]]]:
    """The run's status and (name, status, attempt) of each step."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        run = await tx.session.get(Run, run_id)
        steps = (await tx.session.execute(select(RunStep.name, RunStep.status, RunStep.attempt)
                                          .where(RunStep.run_id == run_id).order_by(RunStep.position))).all()
        return run.status, [tuple(s) for s in steps]


async def outputs(db, tenant, run_id: uuid.UUID, name: str) -> dict:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await tx.session.scalar(select(RunStep.outputs).where(RunStep.run_id == run_id, RunStep.name == name))


async def events(db, tenant, run_id: uuid.UUID) -> list[str]:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return list(await tx.session.scalars(select(RunEvent.kind).where(RunEvent.run_id == run_id)
                                             .order_by(RunEvent.id)))


async def pending_approval(db, tenant, run_id: uuid.UUID) -> uuid.UUID:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await tx.session.scalar(select(Approval.id).where(Approval.run_id == run_id,
                                                                 Approval.status == "pending"))


async def principal_of(db, tenant, email: str):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        user_id = await tx.session.scalar(select(User.id).where(User.email == email))
        return await user_principal(tx, user_id=user_id, entitlements={"features": ["automation"]})
