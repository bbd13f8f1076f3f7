"""CMDB mutations."""

from __future__ import annotations

import strawberry

from domain.cmdb import classes, service
from domain.cmdb.transfer import ImportRejected, import_document
from resolvers.alerting.mutations import Deleted, DeletePayload
from resolvers.cmdb.inputs import CiClassInput, CiInput, CiRelationshipInput, CiUpdateInput
from resolvers.cmdb.types import CiClass, CiRelationship, CmdbFormat, ConfigurationItem
from resolvers.errors import Error, payload_union, run_mutation
from resolvers.ids import parse_id


@strawberry.type
class CiSaved:
    ci: ConfigurationItem


@strawberry.type
class CiRelationshipSaved:
    relationship: CiRelationship


@strawberry.type
class CiClassSaved:
    ci_class: CiClass


@strawberry.type(description="What an import did.")
class CmdbImported:
    created: int
    updated: int
    unchanged: int
    relationships_created: int
    relationships_unchanged: int


@strawberry.type(description="A row of an import that could not be used.")
class CmdbRowError:
    part: str = strawberry.field(description="`cis` or `relationships`.")
    row: int = strawberry.field(description="1-based position among the part's data rows.")
    field: str | None
    message: str


@strawberry.type(description="Some rows were invalid; nothing was imported.")
class CmdbImportRejected(Error):
    row_errors: list[CmdbRowError]


CiPayload = payload_union("CiPayload", CiSaved)
CiRelationshipPayload = payload_union("CiRelationshipPayload", CiRelationshipSaved)
CiClassPayload = payload_union("CiClassPayload", CiClassSaved)
CmdbImportPayload = payload_union("CmdbImportPayload", CmdbImported, CmdbImportRejected)


async def create_configuration_item(info: strawberry.Info, input: CiInput) -> CiPayload:
    async def work() -> CiSaved:
        async with info.context.transaction() as tx:
            ci = await service.create_ci(tx, draft=input.to_domain(), actor=info.context.actor.actor)
            return CiSaved(ci=ConfigurationItem.from_model(ci))

    return await run_mutation(work)


async def update_configuration_item(info: strawberry.Info, id: strawberry.ID, input: CiUpdateInput) -> CiPayload:
    async def work() -> CiSaved:
        async with info.context.transaction() as tx:
            ci = await service.update_ci(tx, ci_id=parse_id(id), changes=input.changes(),
                                         actor=info.context.actor.actor, expected_version=input.expected_version)
            return CiSaved(ci=ConfigurationItem.from_model(ci))

    return await run_mutation(work)


async def delete_configuration_item(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    """Remove a CI and its relationships (their history stays)."""
    async def work() -> Deleted:
        async with info.context.transaction() as tx:
            await service.delete_ci(tx, ci_id=parse_id(id), actor=info.context.actor.actor)
            return Deleted(id=id)

    return await run_mutation(work)


async def create_ci_relationship(info: strawberry.Info, input: CiRelationshipInput) -> CiRelationshipPayload:
    async def work() -> CiRelationshipSaved:
        async with info.context.transaction() as tx:
            rel = await service.create_relationship(
                tx, type=input.type, source_id=parse_id(input.source_id, field="sourceId"),
                target_id=parse_id(input.target_id, field="targetId"), actor=info.context.actor.actor)
            return CiRelationshipSaved(relationship=CiRelationship.from_model(rel))

    return await run_mutation(work)


async def delete_ci_relationship(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    async def work() -> Deleted:
        async with info.context.transaction() as tx:
            await service.delete_relationship(tx, relationship_id=parse_id(id), actor=info.context.actor.actor)
            return Deleted(id=id)

    return await run_mutation(work)


async def create_ci_class(info: strawberry.Info, input: CiClassInput) -> CiClassPayload:
    async def work() -> CiClassSaved:
        async with info.context.transaction() as tx:
            spec = await classes.create_class(tx, key=input.key, label=input.label, parent=input.parent,
                                              schema=input.attribute_schema, actor=info.context.actor.actor)
            return CiClassSaved(ci_class=CiClass.from_spec(spec))

    return await run_mutation(work)


async def delete_ci_class(info: strawberry.Info, key: str) -> DeletePayload:
    """Remove a tenant class no CI or subclass uses."""
    async def work() -> Deleted:
        async with info.context.transaction() as tx:
            await classes.delete_class(tx, key=key)
            return Deleted(id=strawberry.ID(key))

    return await run_mutation(work)


def _rejected(exc: ImportRejected) -> CmdbImportRejected:
    return CmdbImportRejected(code=exc.code, message=exc.message, field=None, row_errors=[
        CmdbRowError(part=e.part, row=e.row, field=e.field, message=e.message) for e in exc.errors])


async def import_cmdb(info: strawberry.Info, format: CmdbFormat, cis: str = "",
                      relationships: str = "") -> CmdbImportPayload:
    """Import CIs and relationships (matched by class and name); all rows or none."""
    async def work() -> CmdbImported:
        async with info.context.transaction() as tx:
            result = await import_document(tx, format=format.value, cis=cis, relationships=relationships,
                                           actor=info.context.actor.actor)
            return CmdbImported(created=result.created, updated=result.updated, unchanged=result.unchanged,
                                relationships_created=result.relationships_created,
                                relationships_unchanged=result.relationships_unchanged)

    return await run_mutation(work, special={ImportRejected: _rejected})
