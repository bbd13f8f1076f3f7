"""automationChanged: the tenant's run and approval changes, live (run started, step done, approval requested...)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from domain.automation.runs import channel_for


@strawberry.type(description="One change of a run: what happened, the run's status, the step it concerns.")
class AutomationChange:
    run_id: strawberry.ID
    kind: str = strawberry.field(description="started, step_started, step_succeeded, step_retry, step_failed, "
                                             "approval_requested, approved, rejected, expired, lease_expired, "
                                             "succeeded, failed, cancelled, ...")
    status: str
    step: str | None
    position: int | None
    attempt: int | None
    approval_id: strawberry.ID | None
    error: str | None

    @classmethod
    def of(cls, message: dict) -> AutomationChange:
        approval = message.get("approval_id")
        return cls(run_id=strawberry.ID(str(message.get("run_id"))), kind=str(message.get("kind")),
                   status=str(message.get("status")), step=message.get("step"), position=message.get("position"),
                   attempt=message.get("attempt"), approval_id=strawberry.ID(approval) if approval else None,
                   error=message.get("error"))


async def automation_changed(info: strawberry.Info) -> AsyncGenerator[AutomationChange, None]:
    """Every run and approval change of the tenant committed after subscribing."""
    async for message in info.context.runtime.hub.listen(channel_for(info.context.tenant_id)):
        if isinstance(message, dict) and message.get("run_id"):
            yield AutomationChange.of(message)
