"""Automation mutations: decode input, call one domain function, map the result or its typed error."""

from __future__ import annotations

import strawberry

from domain.automation import agents, approvals, runbooks, runs, webhooks
from domain.automation.models import Runbook as RunbookModel
from domain.automation.queries import list_runs
from domain.automation.triggers import subject_for_incident
from domain.errors import ValidationFailed
from resolvers.automation.queries import present_runs
from resolvers.automation.types import Agent, Approval, AutomationRun, Runbook, Workflow
from resolvers.errors import mutate, payload_union
from resolvers.ids import parse_id


@strawberry.type
class RunbookSaved:
    runbook: Runbook


@strawberry.type
class WorkflowSaved:
    workflow: Workflow


@strawberry.type
class RunSaved:
    run: AutomationRun


@strawberry.type
class ApprovalDecided:
    approval: Approval


@strawberry.type(description="The new agent and its key: shown this once, give it to `atlas agent --key`.")
class AgentRegistered:
    agent: Agent
    key: str


@strawberry.input
class StartRunInput:
    runbook_id: strawberry.ID
    inputs: strawberry.scalars.JSON = strawberry.field(default_factory=dict)
    incident_id: strawberry.ID | None = strawberry.field(
        default=None, description="Run it for this incident: the run's subject is the incident, and once it "
                                  "succeeds the incident's AI pipeline verifies it as a remediation.")


@strawberry.input
class DecideApprovalInput:
    id: strawberry.ID
    approve: bool
    reason: str = ""


@strawberry.input
class RegisterAgentInput:
    name: str
    labels: list[str] = strawberry.field(default_factory=list)


@strawberry.type(description="The workflow's new signing secret: shown this once.")
class WebhookSecretRotated:
    workflow_id: strawberry.ID
    secret: str


RunbookPayload = payload_union("RunbookPayload", RunbookSaved)
WebhookSecretPayload = payload_union("WebhookSecretPayload", WebhookSecretRotated)
ImportPayload = payload_union("AutomationImportPayload", RunbookSaved, WorkflowSaved)
RunPayload = payload_union("RunPayload", RunSaved)
ApprovalPayload = payload_union("DecideApprovalPayload", ApprovalDecided)
AgentPayload = payload_union("RegisterAgentPayload", AgentRegistered)


def _actor(info: strawberry.Info) -> str:
    return info.context.actor.actor


async def import_automation(info: strawberry.Info, yaml: str) -> ImportPayload:
    """Save a runbook (as a draft version) or a workflow from a YAML document."""
    def present(saved):
        return RunbookSaved(runbook=Runbook.of(saved)) if isinstance(saved, RunbookModel) else WorkflowSaved(
            workflow=Workflow.of(saved))
    return await mutate(info, lambda tx: runbooks.import_yaml(tx, text=yaml, actor=_actor(info)), present)


async def publish_runbook(info: strawberry.Info, id: strawberry.ID) -> RunbookPayload:
    """Publish a draft version (the version published before is archived)."""
    return await mutate(info, lambda tx: runbooks.publish_runbook(tx, runbook_id=parse_id(id)),
                        lambda saved: RunbookSaved(runbook=Runbook.of(saved)))


async def archive_runbook(info: strawberry.Info, id: strawberry.ID) -> RunbookPayload:
    """Archive a version; workflows stop running it."""
    return await mutate(info, lambda tx: runbooks.archive_runbook(tx, runbook_id=parse_id(id)),
                        lambda saved: RunbookSaved(runbook=Runbook.of(saved)))


async def _run_saved(tx, run) -> RunSaved:
    return RunSaved(run=(await present_runs(tx, await list_runs(tx, run_ids=[run.id])))[0])


async def start_run(info: strawberry.Info, input: StartRunInput) -> RunPayload:
    """Run a runbook version by hand (for an incident, optionally), with inputs checked against its JSON Schema."""
    async def change(tx):
        if not isinstance(input.inputs, dict):
            raise ValidationFailed("inputs must be a JSON object.", field="inputs")
        runbook = await runbooks.runbook_by_id(tx, parse_id(input.runbook_id, field="runbookId"))
        subject = (await subject_for_incident(tx, parse_id(input.incident_id, field="incidentId"))
                   if input.incident_id else {})
        run = await runs.start_run(tx, runbook=runbook, inputs=input.inputs, subject=subject, actor=_actor(info))
        return await _run_saved(tx, run)
    return await mutate(info, change)


async def cancel_run(info: strawberry.Info, id: strawberry.ID, reason: str = "") -> RunPayload:
    """Cancel a run that has not ended."""
    async def change(tx):
        run = await runs.cancel_run(tx, run_id=parse_id(id), actor=_actor(info), reason=reason)
        return await _run_saved(tx, run)
    return await mutate(info, change)


async def complete_manual_step(info: strawberry.Info, run_id: strawberry.ID, note: str = "") -> RunPayload:
    """Tick the manual check a run waits on."""
    async def change(tx):
        run = await runs.complete_manual_step(tx, run_id=parse_id(run_id, field="runId"), note=note,
                                              actor=_actor(info))
        return await _run_saved(tx, run)
    return await mutate(info, change)


async def decide_approval(info: strawberry.Info, input: DecideApprovalInput) -> ApprovalPayload:
    """Approve or reject (with a reason) an approval gate."""
    return await mutate(info, lambda tx: approvals.decide_approval(
        tx, approval_id=parse_id(input.id), approve=input.approve, reason=input.reason,
        principal=info.context.actor), lambda decided: ApprovalDecided(approval=Approval.of(decided)))


async def register_agent(info: strawberry.Info, input: RegisterAgentInput) -> AgentPayload:
    """Register an edge agent; its key is in the answer, once."""
    return await mutate(info, lambda tx: agents.register_agent(tx, name=input.name, labels=input.labels,
                                                               actor=_actor(info)),
                        lambda made: AgentRegistered(agent=Agent.of(made[0]), key=made[1]))


async def rotate_workflow_webhook_secret(info: strawberry.Info, id: strawberry.ID) -> WebhookSecretPayload:
    """A new signing secret for a webhook workflow (the previous one stops working)."""
    seal = info.context.runtime.sealer.seal
    return await mutate(info, lambda tx: webhooks.rotate_webhook_secret(tx, workflow_id=parse_id(id), seal=seal),
                        lambda secret: WebhookSecretRotated(workflow_id=id, secret=secret))
