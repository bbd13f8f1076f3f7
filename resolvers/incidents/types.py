"""GraphQL types for incidents. Scalars are plain fields; relations go through DataLoaders."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum

import strawberry

from domain.alerting.queries import alerts_by_incident
from domain.cmdb.impact import cis_named, impact_analysis
from domain.incidents import links as link_rules
from domain.incidents import queries
from domain.incidents.lifecycle import allowed_transitions, time_to_acknowledge, time_to_resolve
from domain.incidents.models import ActionItem as ActionItemModel
from domain.incidents.models import Incident as IncidentModel
from domain.incidents.models import IncidentLink as LinkModel
from domain.incidents.models import Postmortem as PostmortemModel
from domain.incidents.models import TimelineEntry as EntryModel
from domain.incidents.models import reference
from resolvers.alerting.types import Alert
from resolvers.cmdb.types import ImpactAnalysis, ImpactDirection
from resolvers.guards import guard
from resolvers.incidents.vocabulary import IncidentStatus, Priority, Severity
from resolvers.loaders import loader
from resolvers.members.person import Person
from resolvers.pagination import Connection, connection


@strawberry.enum
class ResponderRole(Enum):
    COMMANDER = "commander"
    COMMUNICATIONS = "communications"
    RESPONDER = "responder"


@strawberry.enum(description="A link's type: a parent/child chain, or related incidents.")
class LinkKind(Enum):
    PARENT = "parent"
    RELATED = "related"


@strawberry.enum(description="What the other incident of a link is to the incident it is read from.")
class LinkRelation(Enum):
    PARENT = "parent"
    CHILD = "child"
    RELATED = "related"


@strawberry.type(description="One immutable change in an incident's history.")
class TimelineEntry:
    id: strawberry.ID
    seq: int = strawberry.field(description="Position in the tenant's change stream (commit order).")
    occurred_at: datetime
    actor: str
    kind: str = strawberry.field(description="created, status_changed, assigned, comment, linked, ...")
    data: strawberry.scalars.JSON

    @classmethod
    def from_model(cls, entry: EntryModel) -> TimelineEntry:
        return cls(id=strawberry.ID(str(entry.id)), seq=entry.stream_seq, occurred_at=entry.occurred_at,
                   actor=entry.actor, kind=entry.kind, data=entry.data)


@strawberry.type
class Responder:
    role: ResponderRole
    since: datetime
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def person(self, info: strawberry.Info) -> Person | None:
        user = await loader(info, queries.users_by_ids).load(self.user_id)
        return Person.from_model(user) if user else None


@strawberry.type(description="A link between two incidents and why it exists, read from one of them: "
                             "`relation` and `other` say what the other incident is to it.")
class IncidentLink:
    id: strawberry.ID
    kind: LinkKind = strawberry.field(description="The link's type (PARENT: `fromId` is the parent of `toId`).")
    relation: LinkRelation = strawberry.field(
        description="What `other` is to the incident this link was read from: its PARENT, its CHILD, or RELATED.")
    from_id: strawberry.ID
    to_id: strawberry.ID
    reason: str = strawberry.field(description="Why; for correlation the directed path from the child to the "
                                               "parent, e.g. `web depends on checkout; checkout depends on payments`.")
    source: str = strawberry.field(description="`manual`, `recurrence`, or the correlation rule that made the link.")
    confidence: float | None
    created_by: str
    created_at: datetime
    other_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, link: LinkModel, viewpoint: uuid.UUID) -> IncidentLink:
        """The link as read from the incident ``viewpoint`` (one of its two ends)."""
        relation, other = link_rules.relation_of(link, viewpoint)
        return cls(id=strawberry.ID(str(link.id)), kind=LinkKind(link.kind), relation=LinkRelation(relation),
                   from_id=strawberry.ID(str(link.from_id)), to_id=strawberry.ID(str(link.to_id)), reason=link.reason,
                   source=link.source, confidence=link.confidence, created_by=link.created_by,
                   created_at=link.created_at, other_id=other)

    @strawberry.field(description="The incident at the other end.")
    async def other(self, info: strawberry.Info) -> Incident | None:
        return await load_incident(info, self.other_id)


@strawberry.type
class ActionItem:
    id: strawberry.ID
    title: str
    status: str = strawberry.field(description="open, done or wont_do.")
    due_date: date | None
    created_at: datetime
    owner_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def owner(self, info: strawberry.Info) -> Person | None:
        if self.owner_id is None:
            return None
        user = await loader(info, queries.users_by_ids).load(self.owner_id)
        return Person.from_model(user) if user else None

    @classmethod
    def from_model(cls, item: ActionItemModel) -> ActionItem:
        return cls(id=strawberry.ID(str(item.id)), title=item.title, status=item.status, due_date=item.due_date,
                   created_at=item.created_at, owner_id=item.owner_id)


@strawberry.type
class Postmortem:
    summary: str
    impact: str
    root_cause: str
    lessons: str
    status: str = strawberry.field(description="draft or published.")
    updated_by: str
    updated_at: datetime
    incident_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def action_items(self, info: strawberry.Info) -> list[ActionItem]:
        items = await loader(info, queries.action_items_by_incident).load(self.incident_id)
        return [ActionItem.from_model(i) for i in items]

    @classmethod
    def from_model(cls, p: PostmortemModel) -> Postmortem:
        return cls(summary=p.summary, impact=p.impact, root_cause=p.root_cause, lessons=p.lessons, status=p.status,
                   updated_by=p.updated_by, updated_at=p.updated_at, incident_id=p.incident_id)


@strawberry.type(description="Something is wrong and people are working on it.")
class Incident:
    id: strawberry.ID
    number: int
    reference: str = strawberry.field(description="Human reference, e.g. INC-42.")
    title: str
    description: str
    severity: Severity
    priority: Priority
    status: IncidentStatus
    source: str
    fingerprint: str | None
    labels: strawberry.scalars.JSON
    services: list[str]
    group_key: str | None = strawberry.field(
        description="What alerts of several rules join this incident on (`service:<name>` or `ci:<id>`).")
    alert_count: int = strawberry.field(description="The sum of its alerts' counts (see `alerts`).")
    version: int = strawberry.field(description="Bumped by every change; pass it as expectedVersion.")
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    investigating_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    last_seen_at: datetime | None
    time_to_acknowledge_seconds: int | None
    time_to_resolve_seconds: int | None
    allowed_transitions: list[IncidentStatus]
    merged_into_id: strawberry.ID | None
    assignee: Person | None = strawberry.field(description="Prefetched in one query per page.")
    key: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, i: IncidentModel, assignee: Person | None = None) -> Incident:
        """Build from a row. Enum fields hold their values (serialised by value lookup, the fast path);
        ``assignee`` is prefetched by :func:`incident_nodes`, not resolved per row."""
        return cls(
            id=str(i.id), number=i.number, reference=reference(i.number), title=i.title,
            description=i.description, severity=i.severity, priority=i.priority,
            status=i.status, source=i.source, fingerprint=i.fingerprint, labels=i.labels, group_key=i.group_key,
            services=list(i.services or ()), alert_count=i.alert_count, version=i.version, created_at=i.created_at,
            updated_at=i.updated_at, acknowledged_at=i.acknowledged_at, investigating_at=i.investigating_at,
            resolved_at=i.resolved_at, closed_at=i.closed_at, last_seen_at=i.last_seen_at,
            time_to_acknowledge_seconds=time_to_acknowledge(i), time_to_resolve_seconds=time_to_resolve(i),
            allowed_transitions=allowed_transitions(i.status),
            merged_into_id=str(i.merged_into_id) if i.merged_into_id else None,
            assignee=assignee, key=i.id,
        )

    @strawberry.field
    async def responders(self, info: strawberry.Info) -> list[Responder]:
        rows = await loader(info, queries.responders_by_incident).load(self.key)
        return [Responder(role=ResponderRole(r.role), since=r.created_at, user_id=r.user_id) for r in rows]

    @strawberry.field(description="The most recent change.")
    async def latest_timeline_entry(self, info: strawberry.Info) -> TimelineEntry | None:
        entry = await loader(info, queries.latest_entry_by_incident).load(self.key)
        return TimelineEntry.from_model(entry) if entry else None

    @strawberry.field(description="Every change, oldest first.")
    async def timeline(self, info: strawberry.Info, first: int | None = 100,
                       after: str | None = None) -> Connection[TimelineEntry]:
        async with info.context.transaction() as tx:
            page = await queries.incident_timeline(tx, incident_id=self.key, first=first, after=after)
        return connection(page, TimelineEntry.from_model)

    @strawberry.field(description="Parent, child and related links, with their reasons, read from this incident.")
    async def links(self, info: strawberry.Info) -> list[IncidentLink]:
        return [IncidentLink.from_model(link, self.key)
                for link in await loader(info, queries.links_by_incident).load(self.key)]

    @strawberry.field
    async def parent(self, info: strawberry.Info) -> Incident | None:
        found = await loader(info, queries.links_by_incident).load(self.key)
        return await load_incident(info, link_rules.parent_of(found, self.key))

    @strawberry.field
    async def children(self, info: strawberry.Info) -> list[Incident]:
        found = await loader(info, queries.links_by_incident).load(self.key)
        children = [await load_incident(info, i) for i in link_rules.children_of(found, self.key)]
        return [child for child in children if child]

    @strawberry.field(description="The alerts this incident grouped (why it exists).")
    async def alerts(self, info: strawberry.Info) -> list[Alert]:
        return [Alert.from_model(a) for a in await loader(info, alerts_by_incident).load(self.key)]

    @strawberry.field(description="Blast radius: who its services' CIs hurt, with paths (null when no CI "
                                  "matches its services). Needs cmdb.read.",
                      extensions=guard("cmdb.read", feature="cmdb"))
    async def impact(self, info: strawberry.Info, depth: int = 6) -> ImpactAnalysis | None:
        async with info.context.transaction() as tx:
            seeds = await cis_named(tx, self.services)
            if not seeds:
                return None
            report = await impact_analysis(tx, ci_ids=seeds, depth=depth)
        return ImpactAnalysis.from_report(report, ImpactDirection.IMPACT)

    @strawberry.field
    async def postmortem(self, info: strawberry.Info) -> Postmortem | None:
        found = await loader(info, queries.postmortems_by_incident).load(self.key)
        return Postmortem.from_model(found) if found else None


async def load_incident(info: strawberry.Info, incident_id: uuid.UUID | None) -> Incident | None:
    """One incident through the request's loaders (batched with its siblings)."""
    if incident_id is None:
        return None
    found = await loader(info, queries.incidents_by_ids).load(incident_id)
    if found is None:
        return None
    user = await loader(info, queries.users_by_ids).load(found.assignee_id) if found.assignee_id else None
    return Incident.from_model(found, Person.from_model(user) if user else None)


# the columns each Incident field reads (fields not listed read only the always-fetched columns)
FIELD_COLUMNS = {
    "title": ("title",), "description": ("description",), "severity": ("severity",), "priority": ("priority",),
    "source": ("source",), "fingerprint": ("fingerprint",), "labels": ("labels",), "services": ("services",),
    "groupKey": ("group_key",),
    "alertCount": ("alert_count",), "version": ("version",), "updatedAt": ("updated_at",),
    "acknowledgedAt": ("acknowledged_at",), "investigatingAt": ("investigating_at",),
    "resolvedAt": ("resolved_at",), "closedAt": ("closed_at",), "lastSeenAt": ("last_seen_at",),
    "timeToAcknowledgeSeconds": ("acknowledged_at",), "timeToResolveSeconds": ("resolved_at",),
    "mergedIntoId": ("merged_into_id",),
}


def incident_columns(fields: set[str] | None) -> set[str] | None:
    """The columns the selected Incident fields need (None: all of them)."""
    if fields is None:
        return None
    return {column for name in fields for column in FIELD_COLUMNS.get(name, ())}


async def incident_nodes(tx, incidents: list[IncidentModel], *, with_assignee: bool = True) -> list[Incident]:
    """GraphQL incidents for rows, with their assignees loaded in one query (when wanted)."""
    people: dict[uuid.UUID, Person] = {}
    if with_assignee:
        ids = list({i.assignee_id for i in incidents if i.assignee_id})
        if ids:
            people = {u.id: Person.from_model(u) for u in await queries.people_by_ids(tx, ids)}
    return [Incident.from_model(i, people.get(i.assignee_id)) for i in incidents]


@strawberry.type(description="A committed change of an incident, as streamed to subscribers.")
class IncidentChange:
    seq: int
    kind: str
    incident: Incident
    entry: TimelineEntry
