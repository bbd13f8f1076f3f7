"""Import and export: row-level errors change nothing, re-imports are idempotent, CSV round-trips."""

import json

import pytest
from sqlalchemy import func, select

from domain.cmdb.models import CiRelationship, ConfigurationItem
from domain.cmdb.transfer import ImportRejected, RowError, export_document, import_document
from domain.errors import ValidationFailed

CIS = [{"class": "business_service", "name": "Online store", "attributes": {"criticality": "critical",
                                                                            "sla_target": 99.9}},
       {"class": "application_service", "name": "checkout", "owner_team": "payments"},
       {"class": "database", "name": "orders-db", "attributes": {"engine": "postgresql", "port": 5432,
                                                                 "version": "16.4"}}]
RELS = [{"type": "depends_on", "source": {"class": "business_service", "name": "Online store"},
         "target": {"class": "application_service", "name": "checkout"}},
        {"type": "depends_on", "source_class": "application_service", "source_name": "checkout",
         "target_class": "database", "target_name": "orders-db"}]


async def _import(db, tenant, format, cis, rels):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await import_document(tx, format=format, cis=cis, relationships=rels, actor="importer")


async def _counts(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return (await tx.session.scalar(select(func.count()).select_from(ConfigurationItem)),
                await tx.session.scalar(select(func.count()).select_from(CiRelationship)))


async def test_json_import_creates_everything_and_a_second_import_changes_nothing(db, make_tenant):
    tenant = await make_tenant()
    first = await _import(db, tenant, "json", json.dumps(CIS), json.dumps(RELS))
    again = await _import(db, tenant, "json", json.dumps(CIS), json.dumps(RELS))
    assert (first.created, first.relationships_created) == (3, 2)
    assert (again.created, again.updated, again.unchanged, again.relationships_created,
            again.relationships_unchanged) == (0, 0, 3, 0, 2)
    assert await _counts(db, tenant) == (3, 2)


async def test_a_changed_row_updates_the_ci(db, make_tenant):
    tenant = await make_tenant()
    await _import(db, tenant, "json", json.dumps(CIS), "")
    changed = [{**CIS[1], "owner_team": "checkout-team", "lifecycle_status": "maintenance"}]
    result = await _import(db, tenant, "json", json.dumps(changed), "")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        ci = await tx.session.scalar(select(ConfigurationItem).where(ConfigurationItem.name == "checkout"))
    assert result.updated == 1 and (ci.owner_team, ci.lifecycle_status, ci.version) == ("checkout-team",
                                                                                       "maintenance", 2)


async def test_bad_rows_are_all_reported_and_nothing_is_written(db, make_tenant):
    tenant = await make_tenant()
    cis = [*CIS, {"class": "warp_drive", "name": "x"}, {"class": "database", "name": "", "attributes": {}},
           {"class": "host", "name": "h", "attributes": {"cpus": 0}}]
    rels = [*RELS, {"type": "runs_on", "source_class": "application_service", "source_name": "checkout",
                    "target_class": "database", "target_name": "orders-db"},
            {"type": "depends_on", "source_class": "application_service", "source_name": "ghost",
             "target_class": "database", "target_name": "orders-db"}]
    with pytest.raises(ImportRejected) as rejected:
        await _import(db, tenant, "json", json.dumps(cis), json.dumps(rels))
    assert rejected.value.errors == [
        RowError("cis", 4, "classKey", "Unknown CI class 'warp_drive'."),
        RowError("cis", 5, "name", "The name must be 1-200 characters."),
        RowError("cis", 6, "attributes", "Attribute cpus is invalid for class host: 0 is less than the minimum of 1"),
        RowError("relationships", 3, "targetId", "A database cannot be the target of runs_on (allowed: host, "
                                                 "container, kubernetes_cluster, cloud_resource)."),
        RowError("relationships", 4, "source_name", "No application_service named ghost (in this file or the CMDB)."),
    ]
    assert await _counts(db, tenant) == (0, 0)


async def test_csv_export_then_import_into_another_tenant_reproduces_the_cmdb(db, make_tenant):
    source, target = await make_tenant(), await make_tenant()
    await _import(db, source, "json", json.dumps(CIS), json.dumps(RELS))
    async with db.transaction(tenant_id=source.tenant_id) as tx:
        cis_csv, rels_csv = await export_document(tx, format="csv")
    assert cis_csv.splitlines()[0] == ("class,name,environment,lifecycle_status,owner_team,description,"
                                       "attr.criticality,attr.engine,attr.port,attr.sla_target,attr.version")
    assert "database,orders-db,production,active,,,,postgresql,5432,,16.4" in cis_csv.splitlines()

    await _import(db, target, "csv", cis_csv, rels_csv)
    again = await _import(db, target, "csv", cis_csv, rels_csv)

    async with db.transaction(tenant_id=target.tenant_id) as tx:
        exported = await export_document(tx, format="json")
        db_ci = await tx.session.scalar(select(ConfigurationItem).where(ConfigurationItem.name == "orders-db"))
    assert (again.unchanged, again.relationships_unchanged) == (3, 2)
    assert db_ci.attributes == {"engine": "postgresql", "port": 5432, "version": "16.4"}
    async with db.transaction(tenant_id=source.tenant_id) as tx:
        assert exported == await export_document(tx, format="json")


@pytest.mark.parametrize(("format", "cis", "message"), [
    ("xml", "", "Format must be one of json, csv."),
    ("json", "{not json", "The cis part is not valid JSON"),
    ("json", '{"a": 1}', "The cis part must be a JSON array of objects."),
    ("csv", "name,environment\nx,production\n", "The cis CSV lacks the column(s) class."),
    ("json", '[{"class": "database", "name": "db", "attributes": {"port": NaN}}]', "The cis part is not valid JSON"),
    ("json", '[{"class": "database", "name": "db", "attributes": {"size": 1e400}}]', "The cis part is not valid JSON"),
    ("json", "[" * 3000 + "]" * 3000, "The cis part is nested too deeply (more than 64 levels)."),
    ("csv", "class,name\ndatabase," + "x" * 140_000 + "\n", "The cis CSV is malformed: field larger than"),
    ("csv", 'class,name\ndatabase,"unterminated,production\n', "The cis CSV is malformed"),
])
async def test_unusable_documents_are_refused_whole(db, make_tenant, format, cis, message):
    tenant = await make_tenant()
    with pytest.raises(ValidationFailed) as refused:
        await _import(db, tenant, format, cis, "")
    assert refused.value.message.startswith(message)


async def test_rows_with_text_the_database_cannot_store_are_row_errors(db, make_tenant):
    tenant = await make_tenant()
    cis = '[{"class": "database", "name": "nul\\u0000name"}, {"class": "database", "name": "lone \\ud800"}, ' \
          '{"class": "database", "name": "fine", "attributes": {"bad\\u0000key": "v"}}]'

    with pytest.raises(ImportRejected) as rejected:
        await _import(db, tenant, "json", cis, "")

    message = "Text must not contain NUL characters (\\u0000) or unpaired surrogates."
    assert rejected.value.errors == [RowError("cis", row, None, message) for row in (1, 2, 3)]
    assert await _counts(db, tenant) == (0, 0)
