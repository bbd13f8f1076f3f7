"""Edge agents: registration (a key shown once), authentication, leased pickup of agent steps, results.

An agent sees only steps of its own tenant (its key binds the transaction to that tenant, and RLS
holds), addressed to its name or to labels it holds. Picking a step up leases it for ``lease``
seconds and counts an attempt; heartbeats extend the lease; a result is accepted only from the
agent holding the lease of that attempt. A lease that expires (a dead agent) puts the step back in
the queue for another try, or fails it when its retries are spent (``expire_leases``).
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from domain import clock, credentials
from domain.automation.engine import attempt_failed
from domain.automation.models import Agent, RunStep
from domain.automation.runs import locked_run, record, resume, step_succeeded
from domain.billing.plans import entitlements_for
from domain.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction, UnitOfWork

AGENT_KEY = "aga"
MAX_OUTPUT = 64 * 1024
_AGENT_SQL = "SELECT id, tenant_id, name, labels, secret_hash, revoked_at FROM automation_agents WHERE id = $1"
_TENANT_SQL = "SELECT slug, status, plan FROM tenants WHERE id = $1"
_HEARTBEAT = "UPDATE automation_agents SET last_heartbeat_at = now() WHERE id = $1"
# An agent of a tenant placed in a database of its own is registered there (its steps refer to it) and copied to
# the shared database, where its key is looked up before the tenant is known.
_COPY_AGENT = ("INSERT INTO automation_agents (id, tenant_id, name, labels, secret_hash, created_by, created_at) "
               "VALUES ($1, $2, $3, $4::text[], $5, $6, $7)")
_CLAIM_SQL = """
UPDATE automation_steps s SET status = 'leased', agent_id = :agent, attempt = s.attempt + 1,
       lease_expires_at = now() + make_interval(secs => :lease), started_at = now()
WHERE s.id = (
  SELECT q.id FROM automation_steps q JOIN automation_runs r ON r.id = q.run_id
  WHERE q.tenant_id = :tenant AND q.kind = 'agent' AND q.status = 'waiting' AND r.status = 'waiting'
    AND coalesce(q.inputs->>'agent', :name) = :name
    AND ARRAY(SELECT jsonb_array_elements_text(coalesce(q.inputs->'labels', '[]'))) <@ CAST(:labels AS text[])
  ORDER BY q.run_id, q.position LIMIT 1 FOR UPDATE OF q SKIP LOCKED)
RETURNING s.id, s.run_id, s.attempt, s.inputs
"""


@dataclass(frozen=True)
class AgentIdentity:
    """An authenticated agent."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    labels: tuple[str, ...]


async def register_agent(tx: Transaction, *, name: str, labels: list[str], actor: str) -> tuple[Agent, str]:
    """A new agent and its key (shown once; only its hash is kept)."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("The name must be 1 to 200 characters.", field="name")
    if len(labels) > 20 or any(not 1 <= len(label) <= 100 for label in labels):
        raise ValidationFailed("Up to 20 labels of 1 to 100 characters.", field="labels")
    if await tx.session.scalar(select(Agent.id).where(Agent.tenant_id == tx.tenant_id, Agent.name == name)):
        raise Conflict(f"An agent called {name!r} exists.", field="name")
    agent_id = uuid.uuid4()
    key = credentials.new_credential(AGENT_KEY, agent_id)
    agent = Agent(id=agent_id, tenant_id=tx.tenant_id, name=name, labels=sorted(set(labels)),
                  secret_hash=credentials.hash_secret(key.secret), created_by=actor, created_at=clock.now())
    tx.session.add(agent)
    await tx.session.flush()
    async with tx.control_plane() as cp:  # a tenant in a database of its own: a copy where its key is looked up
        if cp is not tx:
            await fetch_sql(cp.session, _COPY_AGENT, agent_id, tx.tenant_id, agent.name, agent.labels,
                            agent.secret_hash, actor, agent.created_at)
    if cp is not tx:  # committed apart: withdraw it if the rest rolls back (its key was never shown)
        tx.on_rollback(functools.partial(_withdraw_copy, tx, agent_id))
    return agent, str(key)


async def _withdraw_copy(tx: Transaction, agent_id: uuid.UUID) -> None:
    async with tx.control_plane() as cp:
        await fetch_sql(cp.session, "DELETE FROM automation_agents WHERE id = $1", agent_id)


async def authenticate_agent(db: UnitOfWork, raw: str) -> AgentIdentity:
    """The agent presenting ``raw``; records the contact as its heartbeat."""
    presented = credentials.parse_credential(raw, AGENT_KEY)
    if presented is None:
        raise Unauthenticated("Malformed agent key.")
    async with db.transaction(tenant_id=None) as tx:
        await credentials.reveal_credential_row(tx.session, presented.id)
        rows = await fetch_sql(tx.session, _AGENT_SQL, presented.id)
        if not rows or rows[0]["revoked_at"] or not credentials.secret_matches(rows[0]["secret_hash"],
                                                                               presented.secret):
            raise Unauthenticated("Unknown agent key.")
        row = rows[0]
        await tx.enter_tenant(row["tenant_id"])
        slug, status, plan = (await fetch_sql(tx.session, _TENANT_SQL, row["tenant_id"]))[0]
        if status != "active":
            raise Unauthenticated(f"Tenant {slug!r} is suspended.")
        if "automation" not in entitlements_for(plan)["features"]:
            raise Forbidden("The tenant's plan does not include automation.")
        await fetch_sql(tx.session, _HEARTBEAT, row["id"])
        async with tx.own_database() as own:  # the record its tenant's requests read
            if own is not None:
                await fetch_sql(own.session, _HEARTBEAT, row["id"])
    return AgentIdentity(row["id"], row["tenant_id"], row["name"], tuple(row["labels"]))


async def claim_step(tx: Transaction, *, agent: AgentIdentity, lease: float) -> dict[str, Any] | None:
    """Lease the next agent step addressed to ``agent``, or None."""
    row = (await tx.session.execute(text(_CLAIM_SQL), {
        "agent": agent.id, "lease": lease, "tenant": agent.tenant_id, "name": agent.name,
        "labels": list(agent.labels)})).first()
    if row is None:
        return None
    run = await locked_run(tx, row.run_id)
    step = await tx.session.get(RunStep, row.id)
    record(tx, run, kind="agent_leased", actor=f"agent:{agent.name}", step=step)
    return {"id": str(row.id), "attempt": row.attempt, "command": row.inputs.get("command"),
            "args": row.inputs.get("args", []), "timeout": row.inputs.get("timeout", 60), "lease_seconds": lease}


async def _leased(tx: Transaction, *, agent: AgentIdentity, step_id: uuid.UUID, attempt: int) -> RunStep:
    step = await tx.session.scalar(select(RunStep).where(
        RunStep.tenant_id == tx.tenant_id, RunStep.id == step_id, RunStep.kind == "agent").with_for_update())
    if step is None:
        raise NotFound("No such job.", field="id")
    if step.status != "leased" or step.agent_id != agent.id or step.attempt != attempt:
        raise Conflict("This agent does not hold the lease of that attempt (it expired, or the run ended).",
                       field="attempt")
    return step


async def extend_lease(tx: Transaction, *, agent: AgentIdentity, step_id: uuid.UUID, attempt: int,
                       lease: float) -> None:
    """The agent is still working on the step: keep it leased for another ``lease`` seconds."""
    step = await _leased(tx, agent=agent, step_id=step_id, attempt=attempt)
    step.lease_expires_at = clock.now() + timedelta(seconds=lease)


def _outputs(result: dict[str, Any]) -> dict[str, Any]:
    return {"exit_code": result.get("exit_code"), "stdout": str(result.get("stdout", ""))[:MAX_OUTPUT],
            "stderr": str(result.get("stderr", ""))[:MAX_OUTPUT], "refused": bool(result.get("refused"))}


async def report_result(tx: Transaction, *, agent: AgentIdentity, step_id: uuid.UUID, attempt: int,
                        result: dict[str, Any]) -> str:
    """Record what the agent did: exit code 0 succeeds the step, anything else fails the attempt."""
    step = await _leased(tx, agent=agent, step_id=step_id, attempt=attempt)
    run = await locked_run(tx, step.run_id)
    outputs, actor = _outputs(result), f"agent:{agent.name}"
    if outputs["exit_code"] == 0 and not outputs["refused"]:
        step_succeeded(step, outputs=outputs, actor=actor)
        resume(tx, run, step, kind="step_succeeded", actor=actor)
        return "succeeded"
    step.outputs = outputs
    reason = "refused by the agent's allow list" if outputs["refused"] else f"exit code {outputs['exit_code']}"
    await attempt_failed(tx, run, step, reason, final=outputs["refused"])
    if step.status == "failed":
        return "failed"
    return "retrying"


async def expire_leases(tx: Transaction) -> int:
    """Put steps whose agent went quiet back in the queue, or fail them when their retries are spent."""
    due = list(await tx.session.scalars(select(RunStep).where(
        RunStep.tenant_id == tx.tenant_id, RunStep.kind == "agent", RunStep.status == "leased",
        RunStep.lease_expires_at <= clock.now()).with_for_update(skip_locked=True)))
    for step in due:
        run = await locked_run(tx, step.run_id)
        record(tx, run, kind="lease_expired", actor="automation", step=step)
        await attempt_failed(tx, run, step, "the agent's lease expired")
    return len(due)

