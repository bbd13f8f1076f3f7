"""Configuration items: classes, typed attributes, uniqueness, versions and history."""

import pytest
from sqlalchemy import select

from domain.cmdb.classes import create_class, delete_class
from domain.cmdb.models import CiChange
from domain.cmdb.service import CiDraft, create_ci, delete_ci, update_ci
from domain.errors import Conflict, NotFound, ValidationFailed


async def _create(db, tenant, **fields):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await create_ci(tx, draft=CiDraft(**fields), actor="alice@example.com")


async def test_a_ci_is_created_with_typed_attributes_and_a_history_entry(db, make_tenant):
    tenant = await make_tenant()
    ci = await _create(db, tenant, class_key="database", name="orders-db", owner_team="payments",
                       attributes={"engine": "postgresql", "port": 5432})
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        changes = list(await tx.session.scalars(select(CiChange).where(CiChange.ci_id == ci.id)))
    assert (ci.class_key, ci.environment, ci.lifecycle_status, ci.source, ci.version) == (
        "database", "production", "active", "manual", 1)
    assert [(c.action, c.actor, c.after["attributes"]) for c in changes] == [
        ("created", "alice@example.com", {"engine": "postgresql", "port": 5432})]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"class_key": "mainframe", "name": "x"}, "classKey", "Unknown CI class 'mainframe'."),
    ({"class_key": "database", "name": "  "}, "name", "The name must be 1-200 characters."),
    ({"class_key": "database", "name": "db", "environment": "moon"}, "environment",
     "Environment must be one of production, staging, development, test, dr."),
    ({"class_key": "database", "name": "db", "attributes": {"port": 70000}}, "attributes",
     "Attribute port is invalid for class database: 70000 is greater than the maximum of 65535"),
    ({"class_key": "virtual_machine", "name": "vm", "attributes": {"ip": "not-an-ip"}}, "attributes",
     "Attribute ip is invalid for class host: 'not-an-ip' is not valid under any of the given schemas"),
])
async def test_bad_cis_are_refused_with_the_field_at_fault(db, make_tenant, fields, field, message):
    tenant = await make_tenant()
    with pytest.raises(ValidationFailed) as refused:
        await _create(db, tenant, **fields)
    assert (refused.value.field, refused.value.message) == (field, message)


async def test_names_are_unique_per_class_ignoring_case(db, make_tenant):
    tenant = await make_tenant()
    await _create(db, tenant, class_key="application_service", name="checkout")
    with pytest.raises(Conflict, match=r"A application_service named 'Checkout' already exists\."):
        await _create(db, tenant, class_key="application_service", name="Checkout")
    await _create(db, tenant, class_key="database", name="checkout")  # another class may reuse the name


async def test_updates_bump_the_version_refuse_stale_versions_and_record_before_and_after(db, make_tenant):
    tenant = await make_tenant()
    ci = await _create(db, tenant, class_key="host", name="web-1", attributes={"os": "linux"})
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        updated = await update_ci(tx, ci_id=ci.id, changes={"lifecycle_status": "maintenance",
                                                            "attributes": {"os": "linux", "cpus": 8}},
                                  actor="bob", expected_version=1)
    assert updated.version == 2
    with pytest.raises(Conflict) as stale:
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await update_ci(tx, ci_id=ci.id, changes={"owner_team": "sre"}, actor="bob", expected_version=1)
    assert stale.value.field == "expectedVersion"
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        change = await tx.session.scalar(select(CiChange).where(CiChange.ci_id == ci.id, CiChange.action == "updated"))
    assert change.before == {"lifecycle_status": "active", "attributes": {"os": "linux"}}
    assert change.after == {"lifecycle_status": "maintenance", "attributes": {"os": "linux", "cpus": 8}}


async def test_an_update_that_changes_nothing_keeps_the_version(db, make_tenant):
    tenant = await make_tenant()
    ci = await _create(db, tenant, class_key="host", name="web-2")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        same = await update_ci(tx, ci_id=ci.id, changes={"name": "web-2"}, actor="bob")
    assert same.version == 1


async def test_tenant_classes_inherit_the_parent_schema_and_add_their_own(db, make_tenant):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await create_class(tx, key="kafka_cluster", label="Kafka cluster", parent="database", actor="a",
                           schema={"type": "object", "required": ["brokers"],
                                   "properties": {"brokers": {"type": "integer", "minimum": 1}}})
    await _create(db, tenant, class_key="kafka_cluster", name="events", attributes={"brokers": 3, "port": 9092})
    with pytest.raises(ValidationFailed, match="Attribute port is invalid for class database"):
        await _create(db, tenant, class_key="kafka_cluster", name="logs", attributes={"brokers": 3, "port": 0})
    with pytest.raises(ValidationFailed, match="'brokers' is a required property"):
        await _create(db, tenant, class_key="kafka_cluster", name="audit", attributes={})


async def test_class_definitions_are_validated_and_used_classes_cannot_be_removed(db, make_tenant):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        with pytest.raises(ValidationFailed, match="Unknown CI class 'nothing'"):
            await create_class(tx, key="thing", label="Thing", parent="nothing", schema=None, actor="a")
        with pytest.raises(ValidationFailed, match="Invalid JSON Schema"):
            await create_class(tx, key="thing", label="Thing", parent="host", actor="a",
                               schema={"type": "object", "properties": {"x": {"type": "nonsense"}}})
        with pytest.raises(Conflict):
            await create_class(tx, key="host", label="Host again", parent="host", schema=None, actor="a")
        await create_class(tx, key="bare_metal", label="Bare metal", parent="host", schema=None, actor="a")
    await _create(db, tenant, class_key="bare_metal", name="rack-7")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        with pytest.raises(Conflict, match="still used"):
            await delete_class(tx, key="bare_metal")
        with pytest.raises(NotFound):
            await delete_class(tx, key="host")


async def test_deleting_a_ci_keeps_its_history(db, make_tenant):
    tenant = await make_tenant()
    ci = await _create(db, tenant, class_key="host", name="old-box")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await delete_ci(tx, ci_id=ci.id, actor="carol")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        actions = [c.action for c in await tx.session.scalars(
            select(CiChange).where(CiChange.ci_id == ci.id).order_by(CiChange.seq))]
    assert actions == ["created", "deleted"]
