"""The set-based import behaves like applying its rows one by one: repeated rows, cycles within the
file, case-insensitive matches, history; in a handful of statements however many rows."""

import asyncio
import json

import pytest
from sqlalchemy import event, func, select

from domain.cmdb.import_sql import existing_cis, write_plan
from domain.cmdb.importing import Plan, PlannedCi
from domain.cmdb.models import CiChange, CiRelationship, ConfigurationItem
from domain.cmdb.service import get_ci, update_ci
from domain.cmdb.transfer import ImportRejected, RowError, import_document
from domain.errors import Conflict
from tests.domain.cmdb.helpers import build


async def _import(db, tenant, cis, rels="", format="json"):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await import_document(tx, format=format, cis=cis if isinstance(cis, str) else json.dumps(cis),
                                     relationships=rels if isinstance(rels, str) else json.dumps(rels),
                                     actor="importer")


async def _history(db, tenant, name):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        ci = await tx.session.scalar(select(ConfigurationItem).where(ConfigurationItem.name == name))
        changes = (await tx.session.scalars(select(CiChange).where(CiChange.ci_id == ci.id)
                                            .order_by(CiChange.seq))).all()
    return ci, [(c.action, c.before, c.after) for c in changes]


def _rel(type, source, target, source_class="application_service", target_class="application_service"):
    return {"type": type, "source_class": source_class, "source_name": source, "target_class": target_class,
            "target_name": target}


async def test_a_ci_named_twice_is_created_then_updated_as_if_imported_row_by_row(db, make_tenant):
    tenant = await make_tenant()
    result = await _import(db, tenant, [{"class": "database", "name": "orders-db", "owner_team": "data"},
                                        {"class": "database", "name": "ORDERS-DB", "owner_team": "dba"},
                                        {"class": "database", "name": "orders-db", "owner_team": "dba"}])

    ci, history = await _history(db, tenant, "orders-db")
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert (ci.owner_team, ci.version, ci.source) == ("dba", 2, "import")
    assert [action for action, _, _ in history] == ["created", "updated"]
    assert history[0][2]["owner_team"] == "data" and history[1][1:] == ({"owner_team": "data"},
                                                                        {"owner_team": "dba"})


async def test_existing_cis_match_ignoring_case_keep_their_name_and_record_what_changed(db, make_tenant):
    tenant = await make_tenant()
    await build(db, tenant, {"Checkout": "application_service"}, [])

    result = await _import(db, tenant, [{"class": "application_service", "name": "  checkout ",
                                         "description": "Takes the money", "environment": "staging"}])

    ci, history = await _history(db, tenant, "Checkout")
    assert (result.created, result.updated) == (0, 1)
    assert (ci.name, ci.description, ci.environment, ci.version, ci.source) == (
        "Checkout", "Takes the money", "staging", 2, "manual")
    assert history[-1] == ("updated", {"description": "", "environment": "production"},
                           {"description": "Takes the money", "environment": "staging"})


async def test_relationships_join_new_and_existing_cis_and_repeats_count_once(db, make_tenant):
    tenant = await make_tenant()
    await build(db, tenant, {"payments": "application_service"}, [])
    rels = [_rel("depends_on", "checkout", "payments"), _rel("depends_on", "checkout", "payments")]

    result = await _import(db, tenant, [{"class": "application_service", "name": "checkout"}], rels)

    _, history = await _history(db, tenant, "payments")
    assert (result.relationships_created, result.relationships_unchanged) == (1, 1)
    assert history[-1][0] == "relationship_added" and history[-1][2]["source"] == "checkout"
    assert history[-1][2]["origin"] == "import"


async def test_a_cycle_closed_within_the_file_or_with_an_existing_relationship_is_a_row_error(db, make_tenant):
    tenant = await make_tenant()
    await build(db, tenant, {"vm-a": "host", "vm-b": "host"}, [("vm-a", "hosted_on", "vm-b")])
    cis = [{"class": "host", "name": name} for name in ("vm-c", "vm-d")]
    rels = [_rel("hosted_on", "vm-c", "vm-d", "host", "host"), _rel("hosted_on", "vm-d", "vm-c", "host", "host"),
            _rel("hosted_on", "vm-b", "vm-a", "host", "host"), _rel("depends_on", "vm-c", "vm-d", "host", "host")]

    with pytest.raises(ImportRejected) as rejected:
        await _import(db, tenant, cis, rels)

    assert rejected.value.errors == [
        RowError("relationships", 2, "targetId", "vm-c already leads to vm-d through hosted_on; hosted_on "
                                                 "relationships cannot form a cycle."),
        RowError("relationships", 3, "targetId", "vm-a already leads to vm-b through hosted_on; hosted_on "
                                                 "relationships cannot form a cycle."),
        RowError("relationships", 4, "sourceId", "A host cannot be the source of depends_on (allowed: "
                                                 "customer, business_service, application_service, "
                                                 "service_instance)."),
    ]
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert await tx.session.scalar(select(func.count()).select_from(ConfigurationItem)) == 2


async def test_errors_of_both_parts_come_in_row_order_and_stop_at_two_hundred(db, make_tenant):
    tenant = await make_tenant()
    cis = [{"class": "database", "name": f"db-{n}", "attributes": {"port": 0 if n % 2 else 5432}}
           for n in range(450)]

    with pytest.raises(ImportRejected) as rejected:
        await _import(db, tenant, cis, [_rel("depends_on", "ghost", "db-0", target_class="database")])

    errors = rejected.value.errors
    assert len(errors) == 200 and [e.row for e in errors[:3]] == [2, 4, 6]
    assert errors[0] == RowError("cis", 2, "attributes", "Attribute port is invalid for class database: 0 is less "
                                                         "than the minimum of 1")


async def test_two_imports_of_the_same_new_cis_at_once_create_them_once(db, make_tenant):
    tenant = await make_tenant()
    cis = [{"class": "host", "name": f"host-{n}"} for n in range(50)]
    rels = [_rel("hosted_on", f"host-{n}", f"host-{n - 1}", "host", "host") for n in range(1, 50)]

    first, second = await asyncio.gather(_import(db, tenant, cis, rels), _import(db, tenant, cis, rels))

    assert sorted([first.created, second.created]) == [0, 50]
    assert sorted([first.relationships_created, second.relationships_created]) == [0, 49]
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert await tx.session.scalar(select(func.count()).select_from(CiRelationship)) == 49


async def _statements_of_import(db, tenant, size):
    """Every statement the import runs: through SQLAlchemy, and straight through asyncpg (not counting
    asyncpg's own one-off type introspection on a fresh connection)."""
    cis = [{"class": "application_service", "name": f"svc-{n}"} for n in range(size)]
    rels = [_rel("depends_on", f"svc-{n}", f"svc-{n + 1}") for n in range(size - 1)]
    run: list[str] = []

    def through_sqlalchemy(conn, cursor, statement, *args):
        run.append(statement)

    def through_asyncpg(record):
        if "typeinfo_tree" not in record.query and "'jit'" not in record.query:
            run.append(record.query)

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        driver = (await (await tx.session.connection()).get_raw_connection()).driver_connection
        driver.add_query_logger(through_asyncpg)
        event.listen(db.engine.sync_engine, "before_cursor_execute", through_sqlalchemy)
        try:
            await import_document(tx, format="json", cis=json.dumps(cis), relationships=json.dumps(rels),
                                  actor="importer")
        finally:
            driver.remove_query_logger(through_asyncpg)
            event.remove(db.engine.sync_engine, "before_cursor_execute", through_sqlalchemy)
    return run


async def test_an_import_runs_the_same_statements_for_five_rows_or_five_hundred(db, make_tenant):
    small = await _statements_of_import(db, await make_tenant(), 5)
    large = await _statements_of_import(db, await make_tenant(), 500)
    assert len(small) == len(large) <= 10, large


async def test_an_import_never_overwrites_an_edit_made_since_it_read_the_ci(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, {"checkout": "application_service"}, [])
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:  # the import read version 1 ...
        [row] = (await existing_cis(tx, {("application_service", "checkout")})).values()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:  # ... a person edits it meanwhile ...
        await update_ci(tx, ci_id=ids["checkout"], changes={"owner_team": "people"}, actor="someone")
    stale = PlannedCi.from_row(row)
    stale.values["owner_team"], stale.version, stale.changed = "importer", 2, True

    with pytest.raises(Conflict, match="Some CIs changed while the import ran"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:  # ... so its write is refused
            await write_plan(tx, Plan(cis={("application_service", "checkout"): stale}), actor="importer")

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert (await get_ci(tx, ids["checkout"])).owner_team == "people"
