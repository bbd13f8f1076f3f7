"""GraphQL types for the CMDB: classes, CIs, relationships, history, topology and impact."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from domain.cmdb import queries
from domain.cmdb.catalog import ENVIRONMENTS, LIFECYCLE, SOURCES
from domain.cmdb.catalog import CiClass as CiClassSpec
from domain.cmdb.catalog import RelationshipType as RelationshipTypeSpec
from domain.cmdb.impact import Impacted, ImpactReport
from domain.cmdb.models import CiChange as ChangeModel
from domain.cmdb.models import CiRelationship as RelationshipModel
from domain.cmdb.models import ConfigurationItem as CiModel
from resolvers.loaders import loader
from resolvers.pagination import Connection, connection


def _catalog_enum(name: str, values: tuple[str, ...], description: str) -> type[Enum]:
    """A GraphQL enum of one of the catalog's word lists (``production`` is ``PRODUCTION``)."""
    return strawberry.enum(Enum(name, {value.upper(): value for value in values}), description=description)


CiEnvironment = _catalog_enum("CiEnvironment", ENVIRONMENTS, "Where a CI serves.")
CiLifecycleStatus = _catalog_enum("CiLifecycleStatus", LIFECYCLE, "Where a CI is in its life.")
CiSource = _catalog_enum("CiSource", SOURCES, "How a CI came into the CMDB: made by a person, imported, or "
                                              "discovered from telemetry.")


@strawberry.enum
class CmdbFormat(Enum):
    JSON = "json"
    CSV = "csv"


@strawberry.enum(description="IMPACT: who is hurt when the CIs fail. DEPENDENCIES: what the CIs need.")
class ImpactDirection(Enum):
    IMPACT = "impact"
    DEPENDENCIES = "dependencies"


@strawberry.enum(description="DOWNSTREAM follows relationships from source to target; UPSTREAM against them.")
class TopologyDirection(Enum):
    DOWNSTREAM = "downstream"
    UPSTREAM = "upstream"
    BOTH = "both"


@strawberry.type(description="A kind of CI: built in, or defined by the tenant under a parent class.")
class CiClass:
    key: str
    label: str
    parent: str | None
    builtin: bool
    attribute_schema: strawberry.scalars.JSON = strawberry.field(description="JSON Schema of its own attributes.")

    @classmethod
    def from_spec(cls, spec: CiClassSpec) -> CiClass:
        return cls(key=spec.key, label=spec.label, parent=spec.parent, builtin=spec.builtin,
                   attribute_schema=spec.schema)


@strawberry.type(description="A relationship type: the classes it joins and which way failures travel.")
class RelationshipType:
    key: str
    label: str
    sources: list[str]
    targets: list[str]
    allows_cycles: bool
    impact: str = strawberry.field(description="`up`: a failing target hurts the source; `down`: the reverse.")

    @classmethod
    def from_spec(cls, spec: RelationshipTypeSpec) -> RelationshipType:
        return cls(key=spec.key, label=spec.label, sources=list(spec.sources), targets=list(spec.targets),
                   allows_cycles=spec.allows_cycles, impact=spec.impact)


@strawberry.type(description="One change to a CI or to a relationship touching it.")
class CiChange:
    id: strawberry.ID
    ci_id: strawberry.ID = strawberry.field(description="The CI it belongs to (which may since have been deleted).")
    occurred_at: datetime
    actor: str
    action: str = strawberry.field(description="created, updated, deleted, discovered, flagged_stale, seen_again, "
                                               "relationship_added or relationship_removed.")
    relationship_id: strawberry.ID | None
    before: strawberry.scalars.JSON | None
    after: strawberry.scalars.JSON | None

    @classmethod
    def from_model(cls, c: ChangeModel) -> CiChange:
        return cls(id=strawberry.ID(str(c.id)), ci_id=strawberry.ID(str(c.ci_id)), occurred_at=c.occurred_at,
                   actor=c.actor, action=c.action,
                   relationship_id=strawberry.ID(str(c.relationship_id)) if c.relationship_id else None,
                   before=c.before, after=c.after)


@strawberry.type(description="A configuration item: something the tenant runs.")
class ConfigurationItem:
    id: strawberry.ID
    class_key: str
    name: str
    description: str
    environment: CiEnvironment
    lifecycle_status: CiLifecycleStatus
    owner_team: str | None
    source: CiSource
    attributes: strawberry.scalars.JSON
    last_seen_at: datetime | None
    stale: bool = strawberry.field(description="Discovered, and not seen for a day.")
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, ci: CiModel) -> ConfigurationItem:
        return cls(id=strawberry.ID(str(ci.id)), class_key=ci.class_key, name=ci.name, description=ci.description,
                   environment=ci.environment, lifecycle_status=ci.lifecycle_status, owner_team=ci.owner_team,
                   source=ci.source, attributes=ci.attributes, last_seen_at=ci.last_seen_at, stale=ci.stale,
                   version=ci.version, created_at=ci.created_at, updated_at=ci.updated_at)

    @classmethod
    def from_row(cls, row: Any) -> ConfigurationItem:
        """From a plain record of the graph queries (domain.cmdb.queries.load_cis)."""
        return cls(id=strawberry.ID(str(row["id"])), class_key=row["class_key"], name=row["name"],
                   description=row["description"], environment=row["environment"],
                   lifecycle_status=row["lifecycle_status"], owner_team=row["owner_team"], source=row["source"],
                   attributes=row["attributes"] or {}, last_seen_at=row["last_seen_at"], stale=row["stale"],
                   version=row["version"], created_at=row["created_at"], updated_at=row["updated_at"])

    @property
    def key(self) -> uuid.UUID:
        return uuid.UUID(self.id)

    @strawberry.field(description="Relationships where this CI is the source or the target.")
    async def relationships(self, info: strawberry.Info) -> list[CiRelationship]:
        async with info.context.transaction() as tx:
            rows = await queries.relationships_of(tx, self.key)
        return [CiRelationship.from_model(r) for r in rows]

    @strawberry.field(description="Changes to this CI, newest first.")
    async def history(self, info: strawberry.Info, first: int | None = 50,
                      after: str | None = None) -> Connection[CiChange]:
        return await history_connection(info, self.key, first=first, after=after)


async def history_connection(info: strawberry.Info, ci_id: uuid.UUID, *, first: int | None,
                             after: str | None) -> Connection[CiChange]:
    """A CI's changes, newest first (also once the CI is deleted)."""
    async with info.context.transaction() as tx:
        page = await queries.history_of(tx, ci_id, first=first, after=after)
    return connection(page, CiChange.from_model)


@strawberry.type(description="A CI that was deleted: what it was, when and by whom. Its history stays readable.")
class DeletedConfigurationItem:
    id: strawberry.ID = strawberry.field(description="The id the CI had.")
    class_key: str
    name: str
    deleted_at: datetime
    deleted_by: str
    last_state: strawberry.scalars.JSON = strawberry.field(description="Its fields when it was deleted.")

    @classmethod
    def from_change(cls, change: ChangeModel) -> DeletedConfigurationItem:
        state = change.before or {}
        return cls(id=strawberry.ID(str(change.ci_id)), class_key=state.get("class_key", ""),
                   name=state.get("name", ""), deleted_at=change.occurred_at, deleted_by=change.actor,
                   last_state=state)

    @strawberry.field(description="Its changes, newest first (the deletion first).")
    async def history(self, info: strawberry.Info, first: int | None = 50,
                      after: str | None = None) -> Connection[CiChange]:
        return await history_connection(info, uuid.UUID(self.id), first=first, after=after)


async def load_ci(info: strawberry.Info, ci_id: uuid.UUID) -> ConfigurationItem | None:
    found = await loader(info, queries.cis_by_ids).load(ci_id)
    return ConfigurationItem.from_model(found) if found else None


@strawberry.type(description="`source <type> target`, e.g. checkout depends_on payments.")
class CiRelationship:
    id: strawberry.ID
    type: str
    origin: CiSource = strawberry.field(description="Who made it: a person, an import or discovery.")
    last_seen_at: datetime | None
    created_by: str
    created_at: datetime
    source_id: strawberry.ID
    target_id: strawberry.ID

    @classmethod
    def from_model(cls, r: RelationshipModel) -> CiRelationship:
        return cls(id=strawberry.ID(str(r.id)), type=r.type, origin=r.origin, last_seen_at=r.last_seen_at,
                   created_by=r.created_by, created_at=r.created_at, source_id=strawberry.ID(str(r.source_id)),
                   target_id=strawberry.ID(str(r.target_id)))

    @strawberry.field
    async def source(self, info: strawberry.Info) -> ConfigurationItem | None:
        return await load_ci(info, uuid.UUID(self.source_id))

    @strawberry.field
    async def target(self, info: strawberry.Info) -> ConfigurationItem | None:
        return await load_ci(info, uuid.UUID(self.target_id))


@strawberry.type(description="An edge of a topology view.")
class TopologyEdge:
    id: strawberry.ID
    type: str
    source_id: strawberry.ID
    target_id: strawberry.ID
    origin: CiSource


@strawberry.type(description="A CI of a topology view, its distance from the centre and which side it is on.")
class TopologyNode:
    ci: ConfigurationItem
    depth: int
    side: str = strawberry.field(description="`center`, `downstream` (reached along relationships, e.g. what the "
                                             "centre depends on) or `upstream` (reached against them).")


@strawberry.type(description="The neighbourhood of a CI.")
class Topology:
    center: ConfigurationItem
    nodes: list[TopologyNode]
    edges: list[TopologyEdge]
    truncated: bool = strawberry.field(description="More CIs were in reach than the view holds.")


@strawberry.type(description="One CI on the way, with the relationship statement that led to it.")
class ImpactPathStep:
    ci: ConfigurationItem
    relation: str | None
    statement: str | None


@strawberry.type(description="A CI reached by the analysis, how far away, and why.")
class ImpactedCi:
    ci: ConfigurationItem
    depth: int
    path: list[ImpactPathStep]
    explanation: str

    @classmethod
    def from_domain(cls, item: Impacted) -> ImpactedCi:
        return cls(ci=ConfigurationItem.from_row(item.ci), depth=item.depth, explanation=item.explanation,
                   path=[ImpactPathStep(ci=ConfigurationItem.from_row(step.ci), relation=step.relation,
                                        statement=step.statement) for step in item.path])


@strawberry.type(description="What failing CIs hurt (or what they need), nearest first.")
class ImpactAnalysis:
    direction: ImpactDirection
    seeds: list[ConfigurationItem]
    affected: list[ImpactedCi]
    business_services: list[ImpactedCi]
    customers: list[ImpactedCi]
    truncated: bool

    @classmethod
    def from_report(cls, report: ImpactReport, direction: ImpactDirection) -> ImpactAnalysis:
        return cls(direction=direction, seeds=[ConfigurationItem.from_row(s) for s in report.seeds],
                   affected=[ImpactedCi.from_domain(i) for i in report.affected],
                   business_services=[ImpactedCi.from_domain(i) for i in report.business_services],
                   customers=[ImpactedCi.from_domain(i) for i in report.customers], truncated=report.truncated)


@strawberry.type(description="The CMDB as two documents (JSON arrays or CSV tables).")
class CmdbDocument:
    format: CmdbFormat
    cis: str
    relationships: str
