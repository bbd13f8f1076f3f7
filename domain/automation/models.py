"""Automation: versioned runbooks, workflows that start them, runs and their steps, approvals, edge agents.

A run is a persisted state machine: the run row says where it is (``position``, ``status``) and each
step row holds its own status, attempt, inputs, outputs and timings, so a worker that dies mid-run
loses nothing (see domain/automation/engine.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

RUNBOOK_STATES = ("draft", "published", "archived")
RUN_STATES = ("running", "waiting", "succeeded", "failed", "cancelled")
STEP_STATES = ("pending", "running", "waiting", "leased", "succeeded", "failed", "skipped", "cancelled")
APPROVAL_STATES = ("pending", "approved", "rejected", "expired")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Runbook(TenantScoped, Timestamped, Base):
    """One version of a runbook: typed steps and the JSON Schema of its inputs."""

    __tablename__ = "runbooks"
    __table_args__ = (
        CheckConstraint(_in("status", RUNBOOK_STATES), name="status"),
        Index("uq_runbooks_name_version", "tenant_id", "name", "version", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    status: Mapped[str] = mapped_column(String(16), server_default="draft")
    description: Mapped[str] = mapped_column(Text, server_default="")
    inputs_schema: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    created_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Workflow(TenantScoped, Timestamped, Base):
    """Trigger -> condition (CEL) -> the published version of a runbook."""

    __tablename__ = "workflows"
    __table_args__ = (Index("uq_workflows_name", "tenant_id", "name", unique=True),
                      Index("ix_workflows_trigger", "tenant_id", "trigger"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(64))
    condition: Mapped[str] = mapped_column(Text, server_default="")
    schedule: Mapped[str | None] = mapped_column(String(100))  # cron, for trigger 'schedule'
    last_fired_at: Mapped[datetime | None] = mapped_column()
    webhook_secret: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed, for trigger 'webhook'
    runbook_name: Mapped[str] = mapped_column(String(200))
    inputs: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    max_concurrent: Mapped[int] = mapped_column(Integer, server_default="3")
    skipped: Mapped[int] = mapped_column(Integer, server_default="0")
    created_by: Mapped[str] = mapped_column(String(320))


class Run(TenantScoped, Timestamped, Base):
    """One execution of one runbook version."""

    __tablename__ = "automation_runs"
    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATES), name="status"),
        Index("ix_automation_runs_created", "tenant_id", "created_at"),
        Index("uq_automation_runs_trigger", "tenant_id", "workflow_id", "trigger_key", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    runbook_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runbooks.id", ondelete="CASCADE"))
    workflow_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("workflows.id", ondelete="SET NULL"))
    trigger_key: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), server_default="running")
    position: Mapped[int] = mapped_column(Integer, server_default="0")
    inputs: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    subject: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    requested_by: Mapped[str] = mapped_column(String(320))
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column()


class RunStep(TenantScoped, Base):
    """One step of a run: its state, attempt, rendered inputs, outputs, timings and (agent steps) lease."""

    __tablename__ = "automation_steps"
    __table_args__ = (
        CheckConstraint(_in("status", STEP_STATES), name="status"),
        Index("uq_automation_steps_position", "run_id", "position", unique=True),
        Index("ix_automation_steps_agent_queue", "tenant_id", "status", postgresql_where="kind = 'agent'"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("automation_runs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempt: Mapped[int] = mapped_column(Integer, server_default="0")
    inputs: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    outputs: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    error: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(320))
    claimed_by: Mapped[str | None] = mapped_column(String(200))  # the job executing it (a re-run resumes)
    agent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("automation_agents.id", ondelete="SET NULL"))
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


class Approval(TenantScoped, Timestamped, Base):
    """An approval gate of a run: who may decide, until when, and the decision with its reason."""

    __tablename__ = "automation_approvals"
    __table_args__ = (CheckConstraint(_in("status", APPROVAL_STATES), name="status"),
                      Index("ix_automation_approvals_status", "tenant_id", "status"),
                      Index("uq_automation_approvals_step", "step_id", unique=True))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("automation_runs.id", ondelete="CASCADE"))
    step_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("automation_steps.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    permission: Mapped[str] = mapped_column(String(64))
    allow_requester: Mapped[bool] = mapped_column(Boolean, server_default="false")
    requested_by: Mapped[str] = mapped_column(String(320))
    summary: Mapped[str] = mapped_column(Text, server_default="")
    expires_at: Mapped[datetime] = mapped_column()
    decided_by: Mapped[str | None] = mapped_column(String(320))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column()


class Agent(TenantScoped, Timestamped, Base):
    """An edge agent: its labels, the hash of its key, its last heartbeat."""

    __tablename__ = "automation_agents"
    __table_args__ = (Index("uq_automation_agents_name", "tenant_id", "name", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    labels: Mapped[list[str]] = mapped_column(ARRAY(String(100)), server_default="{}")
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(320))


class RunEvent(TenantScoped, Base):
    """The audit trail of a run: every state change, who made it, when."""

    __tablename__ = "automation_run_events"
    __table_args__ = (Index("ix_automation_run_events_run", "run_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("automation_runs.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    actor: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
