from __future__ import annotations

import strawberry

from domain.cmdb import classes, service
from domain.cmdb.transfer import ImportRejected, import_document
from resolvers.cmdb.inputs import CiClassInput, CiInput, CiRelationshipInput, CiUpdateInput
from resolvers.cmdb.types import CiClass, CiRelationship, CmdbFormat, ConfigurationItem
from resolvers.errors import Deleted, DeletePayload, Error, mutate, payload_union
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
    return await mutate(info, lambda tx: service.create_ci(tx, draft=input.to_domain(), actor=info.context.actor.actor),
                        _ci_saved)


async def update_configuration_item(info: strawberry.Info, id: strawberry.ID, input: CiUpdateInput) -> CiPayload:
    return await mutate(info, lambda tx: service.update_ci(
        tx, ci_id=parse_id(id), changes=input.changes(), actor=info.context.actor.actor,
        expected_version=input.expected_version), _ci_saved)


def _ci_saved(ci) -> CiSaved:
    return CiSaved(ci=ConfigurationItem.from_model(ci))


async def delete_configuration_item(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    """Remove a CI and its relationships (their history stays)."""
    return await mutate(info, lambda tx: service.delete_ci(tx, ci_id=parse_id(id), actor=info.context.actor.actor),
                        lambda _: Deleted(id=id))


async def create_ci_relationship(info: strawberry.Info, input: CiRelationshipInput) -> CiRelationshipPayload:
    return await mutate(info, lambda tx: service.create_relationship(
        tx, type=input.type, source_id=parse_id(input.source_id, field="sourceId"),
        target_id=parse_id(input.target_id, field="targetId"), actor=info.context.actor.actor),
        lambda rel: CiRelationshipSaved(relationship=CiRelationship.from_model(rel)))


async def delete_ci_relationship(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    return await mutate(info, lambda tx: service.delete_relationship(tx, relationship_id=parse_id(id),
                                                                     actor=info.context.actor.actor),
                        lambda _: Deleted(id=id))


async def create_ci_class(info: strawberry.Info, input: CiClassInput) -> CiClassPayload:
    return await mutate(info, lambda tx: classes.create_class(
        tx, key=input.key, label=input.label, parent=input.parent, schema=input.attribute_schema,
        actor=info.context.actor.actor), lambda spec: CiClassSaved(ci_class=CiClass.from_spec(spec)))


async def delete_ci_class(info: strawberry.Info, key: str) -> DeletePayload:
    """Remove a tenant class no CI or subclass uses."""
    return await mutate(info, lambda tx: classes.delete_class(tx, key=key), lambda _: Deleted(id=strawberry.ID(key)))


def _rejected(exc: ImportRejected) -> CmdbImportRejected:
    return CmdbImportRejected(code=exc.code, message=exc.message, field=None, row_errors=[
        CmdbRowError(part=e.part, row=e.row, field=e.field, message=e.message) for e in exc.errors])


def _imported(result) -> CmdbImported:
    return CmdbImported(created=result.created, updated=result.updated, unchanged=result.unchanged,
                        relationships_created=result.relationships_created,
                        relationships_unchanged=result.relationships_unchanged)


async def import_cmdb(info: strawberry.Info, format: CmdbFormat, cis: str = "",
                      relationships: str = "") -> CmdbImportPayload:
    """Import CIs and relationships (matched by class and name); all rows or none."""
    return await mutate(info, lambda tx: import_document(tx, format=format.value, cis=cis, relationships=relationships,
                                                         actor=info.context.actor.actor),
                        _imported, special={ImportRejected: _rejected})
