"""SLA mutations: decode input, call one domain function, map the result."""

from __future__ import annotations

import strawberry

from domain.sla import policies
from resolvers.errors import Deleted, DeletePayload, mutate, payload_union
from resolvers.ids import parse_id
from resolvers.sla.types import SlaPolicy


@strawberry.input
class BusinessCalendarInput:
    timezone: str = "UTC"
    days: list[int] = strawberry.field(default_factory=lambda: list(range(7)))
    opens: str = "00:00"
    closes: str | None = None
    country: str | None = strawberry.field(default=None, description="ISO country code for public holidays.")
    subdivision: str | None = None


@strawberry.input(description="An SLA policy; empty priorities or services match every incident.")
class SlaPolicyInput:
    name: str
    response_minutes: int | None = None
    resolution_minutes: int | None = None
    priorities: list[str] = strawberry.field(default_factory=list)
    services: list[str] = strawberry.field(default_factory=list)
    pause_when: list[str] = strawberry.field(default_factory=list,
                                             description="Incident statuses, or label:key=value, that pause timers.")
    warn_percent: int = 75
    calendar: BusinessCalendarInput | None = None


@strawberry.type
class SlaPolicySaved:
    policy: SlaPolicy


SlaPolicyPayload = payload_union("SlaPolicyPayload", SlaPolicySaved)


def _draft(input: SlaPolicyInput) -> policies.PolicyDraft:
    calendar = input.calendar or BusinessCalendarInput()
    return policies.PolicyDraft(
        name=input.name, response_minutes=input.response_minutes, resolution_minutes=input.resolution_minutes,
        priorities=list(input.priorities), services=list(input.services), pause_when=list(input.pause_when),
        warn_percent=input.warn_percent, calendar={k: v for k, v in vars(calendar).items() if v is not None})


async def create_sla_policy(info: strawberry.Info, input: SlaPolicyInput) -> SlaPolicyPayload:
    """Add an SLA policy; matching incidents raised from now on get timers."""
    return await mutate(info, lambda tx: policies.create_sla_policy(tx, draft=_draft(input),
                                                                    actor=info.context.actor.actor),
                        lambda saved: SlaPolicySaved(policy=SlaPolicy.from_model(saved)))


async def delete_sla_policy(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    """Remove an SLA policy and its timers."""
    return await mutate(info, lambda tx: policies.delete_sla_policy(tx, policy_id=parse_id(id)),
                        lambda _: Deleted(id=id))
