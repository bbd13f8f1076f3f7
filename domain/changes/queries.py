"""The read side of changes: pages, one change, and batch functions for loaders."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.changes.models import ChangeIncidentLink, ChangeRequest, ChangeVote
from domain.cmdb.queries import load_cis
from domain.errors import NotFound
from domain.pagination import Page, paginate

if TYPE_CHECKING:
    from domain.uow import Transaction


@dataclass(frozen=True)
class ChangeFilter:
    """Which changes to list: by state, type, CAB queue (under review and votable by ``voter_id``), window."""

    states: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    window_from: datetime | None = None
    window_to: datetime | None = None


async def list_changes(tx: Transaction, *, filter: ChangeFilter | None = None, first: int | None,
                       after: str | None) -> Page[ChangeRequest]:
    """Changes newest first (or by planned start when a window is asked for, for the calendar)."""
    wanted = filter or ChangeFilter()
    query = select(ChangeRequest).where(ChangeRequest.tenant_id == tx.tenant_id)
    if wanted.states:
        query = query.where(ChangeRequest.state.in_(wanted.states))
    if wanted.types:
        query = query.where(ChangeRequest.type.in_(wanted.types))
    if wanted.window_from or wanted.window_to:
        if wanted.window_from:
            query = query.where(ChangeRequest.planned_end > wanted.window_from)
        if wanted.window_to:
            query = query.where(ChangeRequest.planned_start < wanted.window_to)
        return await paginate(tx.session, query, order=[ChangeRequest.planned_start, ChangeRequest.id],
                              first=first, after=after)
    return await paginate(tx.session, query, order=[ChangeRequest.created_at, ChangeRequest.id], first=first,
                          after=after, descending=True)


async def get_change(tx: Transaction, change_id: uuid.UUID) -> ChangeRequest:
    """One change of the tenant, or NotFound."""
    change = await tx.session.scalar(select(ChangeRequest).where(
        ChangeRequest.tenant_id == tx.tenant_id, ChangeRequest.id == change_id))
    if change is None:
        raise NotFound("No such change.")
    return change


async def votes_by_change(tx: Transaction, keys: Sequence[tuple[uuid.UUID, int]]) -> list[list[ChangeVote]]:
    """Each (change id, round)'s votes, oldest first."""
    rows = await tx.session.scalars(select(ChangeVote).where(
        ChangeVote.tenant_id == tx.tenant_id, ChangeVote.change_id.in_({k[0] for k in keys})
    ).order_by(ChangeVote.created_at))
    found: dict[tuple[uuid.UUID, int], list[ChangeVote]] = {}
    for vote in rows:
        found.setdefault((vote.change_id, vote.cab_round), []).append(vote)
    return [found.get(tuple(key), []) for key in keys]


async def links_by_change(tx: Transaction, change_ids: Sequence[uuid.UUID]) -> list[list[ChangeIncidentLink]]:
    rows = await tx.session.scalars(select(ChangeIncidentLink).where(
        ChangeIncidentLink.tenant_id == tx.tenant_id, ChangeIncidentLink.change_id.in_(change_ids)
    ).order_by(ChangeIncidentLink.created_at))
    found: dict[uuid.UUID, list[ChangeIncidentLink]] = {}
    for link in rows:
        found.setdefault(link.change_id, []).append(link)
    return [found.get(change_id, []) for change_id in change_ids]


async def ci_names(tx: Transaction, ci_ids: Sequence[uuid.UUID]) -> list[str | None]:
    """The name of each CI (None for one deleted since)."""
    rows = await load_cis(tx, list(set(ci_ids)))
    return [rows[ci_id]["name"] if ci_id in rows else None for ci_id in ci_ids]
