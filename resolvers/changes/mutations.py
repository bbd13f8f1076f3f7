"""Change mutations: decode input, call one domain function, map the result."""

from __future__ import annotations

import strawberry

from domain.changes import links, policy, service, workflow
from domain.changes.collisions import ChangeCollision as CollisionRule
from domain.changes.lifecycle import TRANSITIONS, IllegalChangeTransition
from resolvers.changes.inputs import (
    ChangeInput,
    ChangePolicyInput,
    LinkChangeIncidentInput,
    TransitionChangeInput,
    VoteOnChangeInput,
)
from resolvers.changes.types import Change, ChangeCollision, ChangeIncidentLink, ChangePolicy, ChangeState
from resolvers.errors import Error, mutate, payload_union
from resolvers.ids import parse_id


@strawberry.type(description="The change after the mutation.")
class ChangeSaved:
    change: Change


@strawberry.type(description="The move is not allowed from the change's state (or not by hand).")
class IllegalChangeTransitionError(Error):
    current_state: ChangeState
    allowed: list[ChangeState]


@strawberry.type(description="The policy blocks collisions and the change collides.")
class ChangeCollisionError(Error):
    collisions: list[ChangeCollision]


@strawberry.type
class ChangeIncidentLinked:
    link: ChangeIncidentLink


@strawberry.type
class ChangePolicySaved:
    policy: ChangePolicy


ChangePayload = payload_union("ChangePayload", ChangeSaved, IllegalChangeTransitionError, ChangeCollisionError)
ChangeLinkPayload = payload_union("ChangeLinkPayload", ChangeIncidentLinked)
ChangePolicyPayload = payload_union("ChangePolicyPayload", ChangePolicySaved)


def _saved(change) -> ChangeSaved:
    return ChangeSaved(change=Change.from_model(change))


def _illegal(exc: IllegalChangeTransition) -> IllegalChangeTransitionError:
    return IllegalChangeTransitionError(code=exc.code, message=exc.message, field=exc.field,
                                        current_state=ChangeState(exc.current),
                                        allowed=[ChangeState(s) for s in TRANSITIONS.get(exc.current, ())])


def _collides(exc: CollisionRule) -> ChangeCollisionError:
    return ChangeCollisionError(code=exc.code, message=exc.message, field=exc.field, collisions=[
        ChangeCollision(kind=c.kind, message=c.message, change_id=strawberry.ID(str(c.change_id)) if c.change_id
                        else None) for c in exc.collisions])


SPECIAL = {IllegalChangeTransition: _illegal, CollisionRule: _collides}


async def create_change(info: strawberry.Info, input: ChangeInput) -> ChangePayload:
    """Raise a change request (draft), with its risk and collisions assessed."""
    principal = info.context.actor
    return await mutate(info, lambda tx: service.create_change(
        tx, draft=input.to_domain(), requester_id=principal.user_id, actor=principal.actor), _saved)


async def update_change(info: strawberry.Info, id: strawberry.ID, input: ChangeInput,
                        expected_version: int | None = None) -> ChangePayload:
    """Edit a change in draft or assessment."""
    return await mutate(info, lambda tx: service.update_change(
        tx, change_id=parse_id(id), draft=input.to_domain(), actor=info.context.actor.actor,
        expected_version=expected_version), _saved)


async def transition_change(info: strawberry.Info, input: TransitionChangeInput) -> ChangePayload:
    """Move a change through its lifecycle."""
    return await mutate(info, lambda tx: workflow.transition_change(
        tx, change_id=parse_id(input.id), to=input.to.value, actor=info.context.actor.actor, note=input.note,
        expected_version=input.expected_version), _saved, special=SPECIAL)


async def vote_on_change(info: strawberry.Info, input: VoteOnChangeInput) -> ChangePayload:
    """Vote as a CAB member; the CAB rule decides once the votes suffice."""
    principal = info.context.actor
    return await mutate(info, lambda tx: workflow.cast_vote(
        tx, change_id=parse_id(input.id), voter_id=principal.user_id, roles=principal.roles,
        decision=input.decision.value, comment=input.comment, actor=principal.actor), _saved, special=SPECIAL)


async def link_change_incident(info: strawberry.Info, input: LinkChangeIncidentInput) -> ChangeLinkPayload:
    """Record that a change caused or resolved an incident."""
    return await mutate(info, lambda tx: links.link_change_incident(
        tx, change_id=parse_id(input.change_id, field="changeId"),
        incident_id=parse_id(input.incident_id, field="incidentId"), kind=input.kind.value,
        reason=input.reason, actor=info.context.actor.actor),
        lambda link: ChangeIncidentLinked(link=ChangeIncidentLink.from_model(link)))


async def update_change_policy(info: strawberry.Info, input: ChangePolicyInput) -> ChangePolicyPayload:
    """Replace the tenant's change policy."""
    return await mutate(info, lambda tx: policy.save_change_policy(
        tx, collision_mode=input.collision_mode, cab_role=input.cab_role,
        cab_rules={r.change_type.value: {"quorum": r.quorum, "unanimous": r.unanimous} for r in input.cab_rules},
        freeze_windows=[{"name": w.name, "starts_at": w.starts_at, "ends_at": w.ends_at}
                        for w in input.freeze_windows]),
        lambda saved: ChangePolicySaved(policy=ChangePolicy.from_model(saved)))
