"""CMDB queries: thin wrappers over domain/cmdb."""

from __future__ import annotations

import strawberry

from domain.cmdb import queries, topology
from domain.cmdb.catalog import RELATIONSHIP_TYPES
from domain.cmdb.classes import all_classes
from domain.cmdb.impact import DEFAULT_DEPTH, impact_analysis
from domain.cmdb.service import get_ci
from domain.cmdb.transfer import export_document
from domain.errors import NotFound
from resolvers.cmdb.inputs import CiFilterInput
from resolvers.cmdb.types import (
    CiChange,
    CiClass,
    CmdbDocument,
    CmdbFormat,
    ConfigurationItem,
    DeletedConfigurationItem,
    ImpactAnalysis,
    ImpactDirection,
    RelationshipType,
    Topology,
    TopologyDirection,
    TopologyEdge,
    TopologyNode,
    history_connection,
)
from resolvers.ids import parse_id
from resolvers.pagination import Connection, connection


async def resolve_ci_classes(info: strawberry.Info) -> list[CiClass]:
    """Built-in classes, then the tenant's own."""
    async with info.context.transaction() as tx:
        return [CiClass.from_spec(spec) for spec in (await all_classes(tx)).values()]


def resolve_relationship_types() -> list[RelationshipType]:
    """The relationship types and the classes each may join."""
    return [RelationshipType.from_spec(spec) for spec in RELATIONSHIP_TYPES.values()]


async def resolve_configuration_items(info: strawberry.Info, filter: CiFilterInput | None = None,
                                      first: int | None = 50, after: str | None = None
                                      ) -> Connection[ConfigurationItem]:
    """CIs by name."""
    async with info.context.transaction() as tx:
        page = await queries.list_cis(tx, filter=(filter or CiFilterInput()).to_domain(), first=first, after=after)
    return connection(page, ConfigurationItem.from_model)


async def resolve_configuration_item(info: strawberry.Info, id: strawberry.ID) -> ConfigurationItem | None:
    """One CI, or null."""
    async with info.context.transaction() as tx:
        try:
            return ConfigurationItem.from_model(await get_ci(tx, parse_id(id)))
        except NotFound:
            return None


async def resolve_ci_history(info: strawberry.Info, ci_id: strawberry.ID, first: int | None = 50,
                             after: str | None = None) -> Connection[CiChange]:
    """A CI's changes, newest first, whether it still exists or was deleted."""
    return await history_connection(info, parse_id(ci_id, field="ciId"), first=first, after=after)


async def resolve_deleted_configuration_items(info: strawberry.Info, first: int | None = 50, after: str | None = None,
                                              search: str | None = None) -> Connection[DeletedConfigurationItem]:
    """CIs deleted from the CMDB, latest first (``search``: part of the name)."""
    async with info.context.transaction() as tx:
        page = await queries.deleted_cis(tx, first=first, after=after, search=search)
    return connection(page, DeletedConfigurationItem.from_change)


async def resolve_topology(info: strawberry.Info, ci_id: strawberry.ID, depth: int = 2,
                           direction: TopologyDirection = TopologyDirection.BOTH) -> Topology:
    """The CIs around one CI (at most 150, nearest first) and the relationships among them."""
    async with info.context.transaction() as tx:
        view = await topology.neighbourhood(tx, ci_id=parse_id(ci_id, field="ciId"), depth=depth,
                                            direction=direction.value)
    return Topology(
        center=ConfigurationItem.from_row(view.center), truncated=view.truncated,
        nodes=[TopologyNode(ci=ConfigurationItem.from_row(row), depth=depth, side=side)
               for row, depth, side in view.nodes],
        edges=[TopologyEdge(id=strawberry.ID(str(e["id"])), type=e["type"], origin=e["origin"],
                            source_id=strawberry.ID(str(e["source_id"])), target_id=strawberry.ID(str(e["target_id"])))
               for e in view.edges])


async def resolve_impact_analysis(info: strawberry.Info, ci_ids: list[strawberry.ID],
                                  direction: ImpactDirection = ImpactDirection.IMPACT,
                                  depth: int = DEFAULT_DEPTH) -> ImpactAnalysis:
    """Who is hurt when these CIs fail (or what they need), each with the path that explains it."""
    async with info.context.transaction() as tx:
        report = await impact_analysis(tx, ci_ids=[parse_id(i, field="ciIds") for i in ci_ids],
                                       direction=direction.value, depth=depth)
    return ImpactAnalysis.from_report(report, direction)


async def resolve_cmdb_export(info: strawberry.Info, format: CmdbFormat = CmdbFormat.JSON) -> CmdbDocument:
    """Every CI and relationship, ready to import elsewhere."""
    async with info.context.transaction() as tx:
        cis, relationships = await export_document(tx, format=format.value)
    return CmdbDocument(format=format, cis=cis, relationships=relationships)
