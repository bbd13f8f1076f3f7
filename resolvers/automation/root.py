"""Automation's root fields, mixed into the schema's Query and Mutation (resolvers/schema.py)."""

from __future__ import annotations

import strawberry

from resolvers.automation import mutations
from resolvers.automation import queries as q
from resolvers.automation.subscriptions import AutomationChange, automation_changed
from resolvers.automation.types import Agent, Approval, AutomationRun, Runbook, Workflow
from resolvers.guards import guard


def automation(permission: str) -> list:
    return guard(permission, feature="automation")


@strawberry.type
class AutomationQuery:
    runbooks: list[Runbook] = strawberry.field(resolver=q.resolve_runbooks, extensions=automation("automation.read"),
                                               description="Runbook versions, newest of each name first.")
    runbook: Runbook | None = strawberry.field(resolver=q.resolve_runbook, extensions=automation("automation.read"))
    workflows: list[Workflow] = strawberry.field(resolver=q.resolve_workflows,
                                                 extensions=automation("automation.read"))
    automation_runs: list[AutomationRun] = strawberry.field(resolver=q.resolve_runs,
                                                            extensions=automation("automation.read"),
                                                            description="The latest runs, newest first.")
    automation_run: AutomationRun | None = strawberry.field(resolver=q.resolve_run,
                                                            extensions=automation("automation.read"))
    approvals: list[Approval] = strawberry.field(resolver=q.resolve_approvals, extensions=automation("automation.read"),
                                                 description="The approval queue (pending by default).")
    agents: list[Agent] = strawberry.field(resolver=q.resolve_agents, extensions=automation("automation.read"))


@strawberry.type
class AutomationMutation:
    import_automation: mutations.ImportPayload = strawberry.field(
        resolver=mutations.import_automation, extensions=automation("automation.manage"))
    publish_runbook: mutations.RunbookPayload = strawberry.field(
        resolver=mutations.publish_runbook, extensions=automation("automation.manage"))
    archive_runbook: mutations.RunbookPayload = strawberry.field(
        resolver=mutations.archive_runbook, extensions=automation("automation.manage"))
    rotate_workflow_webhook_secret: mutations.WebhookSecretPayload = strawberry.field(
        resolver=mutations.rotate_workflow_webhook_secret, extensions=automation("automation.manage"))
    register_agent: mutations.AgentPayload = strawberry.field(
        resolver=mutations.register_agent, extensions=automation("automation.manage"))
    start_run: mutations.RunPayload = strawberry.field(
        resolver=mutations.start_run, extensions=automation("automation.run"))
    cancel_run: mutations.RunPayload = strawberry.field(
        resolver=mutations.cancel_run, extensions=automation("automation.run"))
    complete_manual_step: mutations.RunPayload = strawberry.field(
        resolver=mutations.complete_manual_step, extensions=automation("automation.run"))
    decide_approval: mutations.ApprovalPayload = strawberry.field(
        resolver=mutations.decide_approval, extensions=automation("automation.run"))


@strawberry.type
class AutomationSubscription:
    automation_changed: AutomationChange = strawberry.subscription(
        resolver=automation_changed, extensions=automation("automation.read"),
        description="The tenant's run and approval changes from now on (the approval queue and run views follow it).")
