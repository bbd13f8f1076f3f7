"""GraphQL types of automation: runbooks, workflows, runs with their steps and audit trail, approvals, agents."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from domain.automation.models import Agent as AgentModel
from domain.automation.models import Approval as ApprovalModel
from domain.automation.models import Run as RunModel
from domain.automation.models import Runbook as RunbookModel
from domain.automation.models import RunEvent as RunEventModel
from domain.automation.models import RunStep as RunStepModel
from domain.automation.models import Workflow as WorkflowModel
from domain.automation.runbooks import runbook_yaml, workflow_yaml


@strawberry.enum(description="draft -> published -> archived; workflows run the published version.")
class RunbookStatus(Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


@strawberry.enum
class RunStatus(Enum):
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@strawberry.enum
class ApprovalStatus(Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


@strawberry.type(description="One version of a runbook.")
class Runbook:
    id: strawberry.ID
    name: str
    version: int
    status: RunbookStatus
    description: str
    inputs_schema: strawberry.scalars.JSON = strawberry.field(description="JSON Schema of a run's inputs.")
    steps: list[strawberry.scalars.JSON] = strawberry.field(description="The typed steps, as saved.")
    yaml: str = strawberry.field(description="The version as a YAML document (import it elsewhere as is).")
    created_by: str
    updated_at: datetime

    @classmethod
    def of(cls, model: RunbookModel) -> Runbook:
        return cls(id=strawberry.ID(str(model.id)), name=model.name, version=model.version,
                   status=RunbookStatus(model.status), description=model.description,
                   inputs_schema=model.inputs_schema, steps=list(model.steps), yaml=runbook_yaml(model),
                   created_by=model.created_by, updated_at=model.updated_at)


@strawberry.type(description="Trigger -> condition (CEL) -> the published version of a runbook.")
class Workflow:
    id: strawberry.ID
    name: str
    trigger: str
    condition: str
    runbook_name: str
    enabled: bool
    max_concurrent: int
    skipped: int = strawberry.field(description="Triggers skipped: over the concurrency limit or no published runbook.")
    schedule: str | None = strawberry.field(description="Cron expression (UTC) of a schedule trigger.")
    last_fired_at: datetime | None
    yaml: str

    @classmethod
    def of(cls, model: WorkflowModel) -> Workflow:
        return cls(id=strawberry.ID(str(model.id)), name=model.name, trigger=model.trigger,
                   condition=model.condition, runbook_name=model.runbook_name, enabled=model.enabled,
                   max_concurrent=model.max_concurrent, skipped=model.skipped, schedule=model.schedule,
                   last_fired_at=model.last_fired_at, yaml=workflow_yaml(model))


@strawberry.type(description="One step of a run: state, attempt, rendered inputs, outputs, timings, actor.")
class RunStep:
    id: strawberry.ID
    position: int
    name: str
    kind: str
    status: str
    attempt: int
    inputs: strawberry.scalars.JSON
    outputs: strawberry.scalars.JSON
    error: str | None
    actor: str | None
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, model: RunStepModel) -> RunStep:
        return cls(id=strawberry.ID(str(model.id)), position=model.position, name=model.name, kind=model.kind,
                   status=model.status, attempt=model.attempt, inputs=model.inputs, outputs=model.outputs,
                   error=model.error, actor=model.actor, started_at=model.started_at, finished_at=model.finished_at)


@strawberry.type(description="One entry of a run's audit trail.")
class RunEvent:
    at: datetime
    actor: str
    kind: str
    data: strawberry.scalars.JSON

    @classmethod
    def of(cls, model: RunEventModel) -> RunEvent:
        return cls(at=model.at, actor=model.actor, kind=model.kind, data=model.data)


@strawberry.type(description="One execution of one runbook version.")
class AutomationRun:
    id: strawberry.ID
    runbook_id: strawberry.ID
    runbook_name: str
    runbook_version: int
    workflow_id: strawberry.ID | None
    status: RunStatus
    position: int
    inputs: strawberry.scalars.JSON
    subject: strawberry.scalars.JSON
    requested_by: str
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    steps: list[RunStep]
    events: list[RunEvent] | None = strawberry.field(description="The audit trail (on `automationRun` only).")

    @classmethod
    def of(cls, model: RunModel, *, steps: list[RunStepModel], runbook: tuple[str, int],
           events: list[RunEventModel] | None = None) -> AutomationRun:
        return cls(id=strawberry.ID(str(model.id)), runbook_id=strawberry.ID(str(model.runbook_id)),
                   runbook_name=runbook[0], runbook_version=runbook[1],
                   workflow_id=strawberry.ID(str(model.workflow_id)) if model.workflow_id else None,
                   status=RunStatus(model.status), position=model.position, inputs=model.inputs,
                   subject=model.subject, requested_by=model.requested_by, error=model.error,
                   created_at=model.created_at, finished_at=model.finished_at,
                   steps=[RunStep.of(step) for step in steps],
                   events=None if events is None else [RunEvent.of(event) for event in events])


@strawberry.type(description="An approval gate of a run.")
class Approval:
    id: strawberry.ID
    run_id: strawberry.ID
    status: ApprovalStatus
    permission: str
    allow_requester: bool
    requested_by: str
    summary: str
    expires_at: datetime
    decided_by: str | None
    reason: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, model: ApprovalModel) -> Approval:
        return cls(id=strawberry.ID(str(model.id)), run_id=strawberry.ID(str(model.run_id)),
                   status=ApprovalStatus(model.status), permission=model.permission,
                   allow_requester=model.allow_requester, requested_by=model.requested_by, summary=model.summary,
                   expires_at=model.expires_at, decided_by=model.decided_by, reason=model.reason,
                   decided_at=model.decided_at)


@strawberry.type(description="An edge agent: what it is called, its labels, when it last called in.")
class Agent:
    id: strawberry.ID
    name: str
    labels: list[str]
    last_heartbeat_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, model: AgentModel) -> Agent:
        return cls(id=strawberry.ID(str(model.id)), name=model.name, labels=list(model.labels),
                   last_heartbeat_at=model.last_heartbeat_at, created_at=model.created_at)
