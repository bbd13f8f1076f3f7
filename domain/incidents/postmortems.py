"""Postmortems and their action items, written once an incident is resolved."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.errors import Conflict, NotFound, ValidationFailed
from domain.incidents import timeline
from domain.incidents.models import ActionItem, Postmortem
from domain.incidents.service import check_member, locked_incident, touch, utcnow

if TYPE_CHECKING:
    from domain.uow import Transaction

POSTMORTEM_FIELDS = ("summary", "impact", "root_cause", "lessons")
ACTION_STATUSES = ("open", "done", "wont_do")
MAX_TEXT = 50_000


@dataclass
class PostmortemEdit:
    """Fields to change; None leaves a field as it is."""

    summary: str | None = None
    impact: str | None = None
    root_cause: str | None = None
    lessons: str | None = None
    status: str | None = None


async def _resolved_incident(tx: Transaction, incident_id: uuid.UUID, *, closed_ok: bool = False):
    """The incident, locked, once resolved; closed only for action items (the rest of a closed one is final)."""
    incident = await locked_incident(tx, incident_id, closed_ok=closed_ok, field="incidentId")
    if incident.status not in ("resolved", "closed"):
        raise Conflict("Write the postmortem once the incident is resolved.", field="incidentId")
    return incident


async def edit_postmortem(tx: Transaction, *, incident_id: uuid.UUID, edit: PostmortemEdit, actor: str) -> Postmortem:
    """Create or update the postmortem of a resolved incident."""
    incident = await _resolved_incident(tx, incident_id)
    postmortem = await tx.session.get(Postmortem, incident_id)
    if postmortem is None:
        postmortem = Postmortem(tenant_id=tx.tenant_id, incident_id=incident_id, updated_by=actor)
        tx.session.add(postmortem)
    changed = []
    for name in POSTMORTEM_FIELDS:
        value = getattr(edit, name)
        if value is not None:
            if len(value) > MAX_TEXT:
                raise ValidationFailed(f"{name} must be at most {MAX_TEXT} characters.", field=name)
            setattr(postmortem, name, value)
            changed.append(name)
    if edit.status is not None:
        if edit.status not in ("draft", "published"):
            raise ValidationFailed("status must be draft or published.", field="status")
        postmortem.status = edit.status
        changed.append("status")
    postmortem.updated_by, postmortem.updated_at = actor, utcnow()
    touch(incident)
    await timeline.append(tx, incident, kind="postmortem_updated", actor=actor,
                          data={"fields": changed, "status": postmortem.status})
    await tx.session.flush()
    return postmortem


async def add_action_item(
    tx: Transaction, *, incident_id: uuid.UUID, title: str, owner_id: uuid.UUID | None, due_date: date | None,
    actor: str,
) -> ActionItem:
    """Add a follow-up action to a resolved (or closed) incident's postmortem."""
    incident = await _resolved_incident(tx, incident_id, closed_ok=True)
    title = (title or "").strip()
    if not 1 <= len(title) <= 300:
        raise ValidationFailed("title must be 1-300 characters.", field="title")
    await check_member(tx, owner_id, field_name="ownerId")
    item = ActionItem(tenant_id=tx.tenant_id, incident_id=incident_id, title=title, owner_id=owner_id,
                      due_date=due_date)
    tx.session.add(item)
    await tx.session.flush()
    touch(incident)
    await timeline.append(tx, incident, kind="action_item_added", actor=actor,
                          data={"action_item_id": str(item.id), "title": title})
    return item


async def update_action_item(
    tx: Transaction, *, item_id: uuid.UUID, actor: str, status: str | None = None, owner_id: uuid.UUID | None = None,
    due_date: date | None = None, title: str | None = None,
) -> ActionItem:
    """Change an action item's status, owner, due date or title."""
    item = await tx.session.scalar(select(ActionItem).where(
        ActionItem.tenant_id == tx.tenant_id, ActionItem.id == item_id).with_for_update())
    if item is None:
        raise NotFound("No such action item.", field="id")
    if status is not None:
        if status not in ACTION_STATUSES:
            raise ValidationFailed(f"status must be one of {', '.join(ACTION_STATUSES)}.", field="status")
        item.status = status
    if owner_id is not None:
        await check_member(tx, owner_id, field_name="ownerId")
        item.owner_id = owner_id
    if due_date is not None:
        item.due_date = due_date
    if title is not None:
        if not 1 <= len(title.strip()) <= 300:
            raise ValidationFailed("title must be 1-300 characters.", field="title")
        item.title = title.strip()
    incident = await locked_incident(tx, item.incident_id, closed_ok=True)
    touch(incident)
    await timeline.append(tx, incident, kind="action_item_updated", actor=actor,
                          data={"action_item_id": str(item.id), "status": item.status})
    return item
