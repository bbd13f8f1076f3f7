"""Incident mutations: thin wrappers that decode input, call one domain function, map the result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from domain.ai.pipeline.service import queue_pipeline
from domain.incidents import links, postmortems, service
from domain.incidents.lifecycle import IllegalTransition, IncidentClosed
from domain.incidents.models import reference
from domain.uow import Transaction
from resolvers.errors import Error, mutate, payload_union
from resolvers.ids import parse_id
from resolvers.incidents.inputs import (
    ActionItemInput,
    AssignIncidentInput,
    CreateIncidentInput,
    LinkIncidentsInput,
    PostmortemInput,
    SetResponderInput,
    TransitionIncidentInput,
    TriageIncidentInput,
    UpdateActionItemInput,
)
from resolvers.incidents.types import (
    ActionItem,
    Incident,
    IncidentLink,
    IncidentStatus,
    Postmortem,
    incident_nodes,
)


@strawberry.type(description="The incident after the change.")
class IncidentSaved:
    incident: Incident


@strawberry.type(description="The requested state change is not allowed from the current state.")
class IllegalTransitionError(Error):
    current_status: IncidentStatus
    allowed: list[IncidentStatus]


@strawberry.type(description="The incident is closed: closed incidents are read-only (only the postmortem's "
                             "action items may still change).")
class IncidentClosedError(Error):
    reference: str


@strawberry.type(description="The new link, read from the `fromId` incident.")
class IncidentsLinked:
    link: IncidentLink


@strawberry.type
class IncidentsUnlinked:
    link_id: strawberry.ID


@strawberry.type
class IncidentsMerged:
    duplicate: Incident
    into: Incident


@strawberry.type
class PostmortemSaved:
    postmortem: Postmortem


@strawberry.type
class ActionItemSaved:
    action_item: ActionItem


IncidentPayload = payload_union("IncidentPayload", IncidentSaved, IllegalTransitionError, IncidentClosedError)
LinkPayload = payload_union("LinkIncidentsPayload", IncidentsLinked, IncidentClosedError)
UnlinkPayload = payload_union("UnlinkIncidentsPayload", IncidentsUnlinked, IncidentClosedError)
MergePayload = payload_union("MergeIncidentsPayload", IncidentsMerged, IncidentClosedError)
PostmortemPayload = payload_union("PostmortemPayload", PostmortemSaved, IncidentClosedError)
ActionItemPayload = payload_union("ActionItemPayload", ActionItemSaved)


def _illegal(exc: IllegalTransition) -> IllegalTransitionError:
    return IllegalTransitionError(code=exc.code, message=exc.message, field=exc.field,
                                  current_status=IncidentStatus(exc.current),
                                  allowed=[IncidentStatus(s) for s in exc.allowed])


def _closed(exc: IncidentClosed) -> IncidentClosedError:
    return IncidentClosedError(code=exc.code, message=exc.message, field=exc.field, reference=reference(exc.number))


READ_ONLY = {IncidentClosed: _closed}


async def _saved(info: strawberry.Info, change: Callable[[Transaction, str], Awaitable]) -> IncidentPayload:
    """Run ``change(tx, actor)`` returning an incident; answer it as the API shows it, or its error."""
    return await mutate(info, lambda tx: _as_saved(tx, change(tx, info.context.actor.actor)),
                        special={IllegalTransition: _illegal, **READ_ONLY})


async def _as_saved(tx: Transaction, changing: Awaitable) -> IncidentSaved:
    return IncidentSaved(incident=(await incident_nodes(tx, [await changing]))[0])


async def create_incident(info: strawberry.Info, input: CreateIncidentInput) -> IncidentPayload:
    """Open an incident (status TRIGGERED); its AI pipeline is queued as for one the alerting engine opens."""
    async def opened(tx: Transaction, actor: str):
        incident = await service.create_incident(tx, new=input.to_domain(), actor=actor)
        queue_pipeline(tx, incident_id=incident.id)
        return incident
    return await _saved(info, opened)


async def transition_incident(info: strawberry.Info, input: TransitionIncidentInput) -> IncidentPayload:
    """Move an incident to another state (acknowledge, investigate, resolve, reopen, close)."""
    return await _saved(info, lambda tx, actor: service.transition_incident(
        tx, incident_id=parse_id(input.id), to=input.to.value, actor=actor,
        expected_version=input.expected_version, note=input.note))


async def assign_incident(info: strawberry.Info, input: AssignIncidentInput) -> IncidentPayload:
    """Assign the incident to a member, or unassign it."""
    return await _saved(info, lambda tx, actor: service.assign_incident(
        tx, incident_id=parse_id(input.id), actor=actor, expected_version=input.expected_version,
        assignee_id=parse_id(input.assignee_id, field="assigneeId") if input.assignee_id else None))


async def triage_incident(info: strawberry.Info, input: TriageIncidentInput) -> IncidentPayload:
    """Change severity and/or priority."""
    return await _saved(info, lambda tx, actor: service.set_triage(
        tx, incident_id=parse_id(input.id), actor=actor, expected_version=input.expected_version,
        severity=input.severity.value if input.severity else None,
        priority=input.priority.value if input.priority else None))


async def set_incident_responder(info: strawberry.Info, input: SetResponderInput) -> IncidentPayload:
    """Add a responder, change their role, or remove them."""
    return await _saved(info, lambda tx, actor: service.set_responder(
        tx, incident_id=parse_id(input.incident_id, field="incidentId"), actor=actor,
        user_id=parse_id(input.user_id, field="userId"), role=input.role.value if input.role else None))


async def comment_on_incident(info: strawberry.Info, id: strawberry.ID, body: str) -> IncidentPayload:
    """Add a comment to the incident's timeline."""
    return await _saved(info, lambda tx, actor: service.comment(tx, incident_id=parse_id(id), body=body, actor=actor))


async def link_incidents(info: strawberry.Info, input: LinkIncidentsInput) -> LinkPayload:
    """Link two incidents as parent/child or as related."""
    return await mutate(info, lambda tx: links.link_incidents(
        tx, from_id=parse_id(input.from_id, field="fromId"), to_id=parse_id(input.to_id, field="toId"),
        kind=input.kind.value, reason=input.reason, actor=info.context.actor.actor),
        lambda link: IncidentsLinked(link=IncidentLink.from_model(link, link.from_id)), special=READ_ONLY)


async def unlink_incidents(info: strawberry.Info, link_id: strawberry.ID) -> UnlinkPayload:
    """Remove a link (for example a wrong correlation)."""
    return await mutate(info, lambda tx: links.unlink_incidents(tx, link_id=parse_id(link_id, field="linkId"),
                                                                actor=info.context.actor.actor),
                        lambda _: IncidentsUnlinked(link_id=link_id), special=READ_ONLY)


async def merge_incidents(info: strawberry.Info, duplicate_id: strawberry.ID, into_id: strawberry.ID) -> MergePayload:
    """Merge a duplicate into another incident; the duplicate keeps its timeline and is resolved."""
    return await mutate(info, lambda tx: _merged(tx, links.merge_incidents(
        tx, duplicate_id=parse_id(duplicate_id, field="duplicateId"), into_id=parse_id(into_id, field="intoId"),
        actor=info.context.actor.actor)), special=READ_ONLY)


async def _merged(tx: Transaction, merging: Awaitable) -> IncidentsMerged:
    duplicate_node, into_node = await incident_nodes(tx, list(await merging))
    return IncidentsMerged(duplicate=duplicate_node, into=into_node)


async def save_postmortem(info: strawberry.Info, input: PostmortemInput) -> PostmortemPayload:
    """Create or edit the postmortem of a resolved incident."""
    return await mutate(info, lambda tx: postmortems.edit_postmortem(
        tx, incident_id=parse_id(input.incident_id, field="incidentId"), edit=input.to_domain(),
        actor=info.context.actor.actor),
        lambda saved: PostmortemSaved(postmortem=Postmortem.from_model(saved)), special=READ_ONLY)


async def add_action_item(info: strawberry.Info, input: ActionItemInput) -> ActionItemPayload:
    """Add a follow-up action to a resolved incident."""
    return await mutate(info, lambda tx: postmortems.add_action_item(
        tx, incident_id=parse_id(input.incident_id, field="incidentId"), title=input.title,
        owner_id=parse_id(input.owner_id, field="ownerId") if input.owner_id else None,
        due_date=input.due_date, actor=info.context.actor.actor), _item_saved)


async def update_action_item(info: strawberry.Info, input: UpdateActionItemInput) -> ActionItemPayload:
    """Change an action item's status, title, owner or due date."""
    return await mutate(info, lambda tx: postmortems.update_action_item(
        tx, item_id=parse_id(input.id), actor=info.context.actor.actor, status=input.status, title=input.title,
        due_date=input.due_date, owner_id=parse_id(input.owner_id, field="ownerId") if input.owner_id else None),
        _item_saved)


def _item_saved(item) -> ActionItemSaved:
    return ActionItemSaved(action_item=ActionItem.from_model(item))
