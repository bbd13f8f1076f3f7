"""Read side of incidents: lookups, the filtered list, timelines, and loader batch functions."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict, namedtuple
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, null, or_, select
from sqlalchemy.dialects.postgresql import distinct_on

from domain.errors import NotFound, ValidationFailed
from domain.incidents.models import (
    PRIORITIES,
    SEVERITIES,
    STATUSES,
    ActionItem,
    Incident,
    IncidentLink,
    IncidentResponder,
    Postmortem,
    TimelineEntry,
)
from domain.members.models import User
from domain.pagination import Page, paginate
from domain.uow import fetch_sql

REFERENCE = re.compile(r"(?:INC-?)?(\d{1,10})", re.IGNORECASE)
MAX_NUMBER = 2**31 - 1

if TYPE_CHECKING:
    from domain.uow import Transaction


@dataclass
class IncidentFilter:
    """Conditions on incidents; empty fields match everything. The one filter of the list (as SQL,
    :func:`list_incidents`) and of live changes (:meth:`matches`, in Python)."""

    incident_id: uuid.UUID | None = None
    statuses: list[str] = field(default_factory=list)
    severities: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    service: str | None = None
    assignee_id: uuid.UUID | None = None
    unassigned: bool = False
    created_after: datetime | None = None
    created_before: datetime | None = None
    text: str | None = None
    top_level_only: bool = False

    def check(self) -> IncidentFilter:
        """Raise ValidationFailed for values that cannot match anything."""
        for name, values, options in (("statuses", self.statuses, STATUSES),
                                      ("severities", self.severities, SEVERITIES),
                                      ("priorities", self.priorities, PRIORITIES)):
            unknown = sorted(set(values) - set(options))
            if unknown:
                raise ValidationFailed(f"Unknown {name}: {', '.join(unknown)}.", field=name)
        if self.text is not None and len(self.text) > 200:
            raise ValidationFailed("Search text must be at most 200 characters.", field="text")
        return self

    def matches(self, incident: Incident) -> bool:
        """Whether ``incident`` passes, exactly as the list's SQL decides (``top_level_only`` needs the
        incident's links, so only the list applies it)."""
        return ((self.incident_id is None or incident.id == self.incident_id)
                and (not self.statuses or incident.status in self.statuses)
                and (not self.severities or incident.severity in self.severities)
                and (not self.priorities or incident.priority in self.priorities)
                and (not self.service or self.service in (incident.services or ()))
                and (self.assignee_id is None or incident.assignee_id == self.assignee_id)
                and (not self.unassigned or incident.assignee_id is None)
                and (self.created_after is None or incident.created_at >= self.created_after)
                and (self.created_before is None or incident.created_at < self.created_before)
                and self._text_matches(incident))

    def _text_matches(self, incident: Incident) -> bool:
        text = (self.text or "").strip()
        if not text:
            return True
        return (text.lower() in incident.title.lower() or text.lower() in (incident.description or "").lower()
                or incident_number(text) == incident.number)


def incident_number(text: str) -> int | None:
    """The number in a reference such as ``INC-42`` (or a bare ``42``), if ``text`` is one."""
    found = REFERENCE.fullmatch(text.strip())
    return int(found.group(1)) if found and int(found.group(1)) <= MAX_NUMBER else None


def _escaped(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"


def _conditions(tenant_id: uuid.UUID, f: IncidentFilter) -> list:
    conditions = [Incident.tenant_id == tenant_id]
    if f.incident_id:
        conditions.append(Incident.id == f.incident_id)
    if f.statuses:
        conditions.append(Incident.status.in_(f.statuses))
    if f.severities:
        conditions.append(Incident.severity.in_(f.severities))
    if f.priorities:
        conditions.append(Incident.priority.in_(f.priorities))
    if f.service:
        conditions.append(Incident.services.contains([f.service]))
    if f.assignee_id:
        conditions.append(Incident.assignee_id == f.assignee_id)
    if f.unassigned:
        conditions.append(Incident.assignee_id.is_(None))
    if f.created_after:
        conditions.append(Incident.created_at >= f.created_after)
    if f.created_before:
        conditions.append(Incident.created_at < f.created_before)
    if f.top_level_only:
        conditions.append(~exists().where(IncidentLink.tenant_id == tenant_id, IncidentLink.kind == "parent",
                                          IncidentLink.to_id == Incident.id))
    if f.text and f.text.strip():
        pattern = _escaped(f.text.strip())
        matches = [Incident.title.ilike(pattern), Incident.description.ilike(pattern)]
        number = incident_number(f.text)
        if number is not None:
            matches.append(Incident.number == number)
        conditions.append(or_(*matches))
    return conditions


COLUMNS = [column.key for column in Incident.__table__.c]
IncidentRow = namedtuple("IncidentRow", COLUMNS, defaults=(None,) * len(COLUMNS))
ALWAYS = ("id", "tenant_id", "number", "status", "created_at", "assignee_id")


async def list_incidents(
    tx: Transaction, *, filter: IncidentFilter | None = None, first: int | None = None, after: str | None = None,
    columns: set[str] | None = None,
) -> Page[IncidentRow]:
    """Incidents matching ``filter``, newest first (stable: created_at, then id).

    The read side returns plain named tuples of ``incidents`` columns, not ORM objects: lists can
    be long and nothing on them is changed. ``columns`` narrows what is fetched (the others are
    None); long lists of wide rows cost mostly in fetching and decoding columns nobody reads.
    """
    conditions = _conditions(tx.tenant_id, (filter or IncidentFilter()).check())
    table = Incident.__table__.c
    # Every column in COLUMNS order (a NULL for those not wanted), so a record maps straight onto a row.
    fields = [table[c] if columns is None or c in columns or c in ALWAYS else null().label(c) for c in COLUMNS]
    page = await paginate(tx.session, select(*fields).where(*conditions),
                          order=[Incident.created_at, Incident.id], first=first, after=after, descending=True,
                          plain=True)
    width = len(COLUMNS)
    return replace(page, items=[IncidentRow._make(islice(row, width)) for row in page.items])


async def count_incidents(tx: Transaction, *, filter: IncidentFilter | None = None) -> int:
    """How many incidents match ``filter``."""
    conditions = _conditions(tx.tenant_id, (filter or IncidentFilter()).check())
    return await tx.session.scalar(select(func.count()).select_from(Incident).where(*conditions))


async def get_incident(tx: Transaction, incident_id: uuid.UUID) -> Incident:
    """The incident, or NotFound."""
    incident = await tx.session.scalar(
        select(Incident).where(Incident.tenant_id == tx.tenant_id, Incident.id == incident_id))
    if incident is None:
        raise NotFound("No such incident.", field="id")
    return incident


async def incident_timeline(
    tx: Transaction, *, incident_id: uuid.UUID, first: int | None = None, after: str | None = None
) -> Page[TimelineEntry]:
    """An incident's timeline, oldest first."""
    query = select(TimelineEntry).where(TimelineEntry.tenant_id == tx.tenant_id,
                                        TimelineEntry.incident_id == incident_id)
    return await paginate(tx.session, query, order=[TimelineEntry.stream_seq], first=first, after=after)


async def entries_between(tx: Transaction, *, after_seq: int, up_to_seq: int) -> list[TimelineEntry]:
    """A tenant's timeline entries with after_seq < stream_seq <= up_to_seq, in order (gap filling)."""
    return list(await tx.session.scalars(select(TimelineEntry).where(
        TimelineEntry.tenant_id == tx.tenant_id, TimelineEntry.stream_seq > after_seq,
        TimelineEntry.stream_seq <= up_to_seq).order_by(TimelineEntry.stream_seq)))


# ---- loader batch functions: one query per batch, results in key order

async def incidents_by_ids(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[Incident | None]:
    rows = await tx.session.scalars(select(Incident).where(Incident.tenant_id == tx.tenant_id, Incident.id.in_(ids)))
    found = {row.id: row for row in rows}
    return [found.get(i) for i in ids]


PersonRow = namedtuple("PersonRow", ("id", "email", "display_name"))


async def people_by_ids(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[PersonRow]:
    """Id, email and name of the tenant's members among ``ids``: the plain fast path of a list page."""
    rows = await fetch_sql(tx.session, "SELECT u.id, u.email, u.display_name FROM users u JOIN memberships m "
                                       "ON m.user_id = u.id AND m.tenant_id = $1 WHERE u.id = ANY($2::uuid[])",
                           tx.tenant_id, list(ids))
    return [PersonRow(*row) for row in rows]


async def users_by_ids(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[User | None]:
    """Users by id, limited to members of the transaction's tenant."""
    from domain.members.models import Membership

    rows = await tx.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.tenant_id == tx.tenant_id, User.id.in_(ids)))
    found = {row.id: row for row in rows}
    return [found.get(i) for i in ids]


async def responders_by_incident(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[list[IncidentResponder]]:
    rows = await tx.session.scalars(select(IncidentResponder).where(
        IncidentResponder.tenant_id == tx.tenant_id, IncidentResponder.incident_id.in_(ids))
        .order_by(IncidentResponder.created_at))
    grouped: dict[uuid.UUID, list[IncidentResponder]] = defaultdict(list)
    for row in rows:
        grouped[row.incident_id].append(row)
    return [grouped.get(i, []) for i in ids]


async def latest_entry_by_incident(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[TimelineEntry | None]:
    rows = await tx.session.scalars(
        select(TimelineEntry).where(TimelineEntry.tenant_id == tx.tenant_id, TimelineEntry.incident_id.in_(ids))
        .ext(distinct_on(TimelineEntry.incident_id))
        .order_by(TimelineEntry.incident_id, TimelineEntry.stream_seq.desc()))
    found = {row.incident_id: row for row in rows}
    return [found.get(i) for i in ids]


async def links_by_incident(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[list[IncidentLink]]:
    rows = await tx.session.scalars(select(IncidentLink).where(
        IncidentLink.tenant_id == tx.tenant_id, or_(IncidentLink.from_id.in_(ids), IncidentLink.to_id.in_(ids)))
        .order_by(IncidentLink.created_at))
    grouped: dict[uuid.UUID, list[IncidentLink]] = defaultdict(list)
    for row in rows:
        grouped[row.from_id].append(row)
        grouped[row.to_id].append(row)
    return [grouped.get(i, []) for i in ids]


async def postmortems_by_incident(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[Postmortem | None]:
    rows = await tx.session.scalars(select(Postmortem).where(
        Postmortem.tenant_id == tx.tenant_id, Postmortem.incident_id.in_(ids)))
    found = {row.incident_id: row for row in rows}
    return [found.get(i) for i in ids]


async def action_items_by_incident(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[list[ActionItem]]:
    rows = await tx.session.scalars(select(ActionItem).where(
        ActionItem.tenant_id == tx.tenant_id, ActionItem.incident_id.in_(ids)).order_by(ActionItem.created_at))
    grouped: dict[uuid.UUID, list[ActionItem]] = defaultdict(list)
    for row in rows:
        grouped[row.incident_id].append(row)
    return [grouped.get(i, []) for i in ids]
