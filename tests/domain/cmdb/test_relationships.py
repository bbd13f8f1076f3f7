"""Relationships: which class pairs each type allows, no duplicates, cycles only where allowed."""

import pytest
from sqlalchemy import select

from domain.cmdb.models import CiChange
from domain.cmdb.service import create_relationship, delete_ci, delete_relationship
from domain.errors import Conflict, ValidationFailed
from tests.domain.cmdb.helpers import build

SHOP = {"Online store": "business_service", "checkout": "application_service", "payments": "application_service",
        "orders-db": "database", "web-1": "host", "vm-1": "virtual_machine", "k8s": "kubernetes_cluster",
        "pod-1": "container"}


async def _relate(db, tenant, ids, source, type, target):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await create_relationship(tx, type=type, source_id=ids[source], target_id=ids[target], actor="test")


async def test_allowed_pairs_are_accepted_including_through_subclasses(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, SHOP, [("checkout", "depends_on", "payments"), ("checkout", "runs_on", "vm-1"),
                                         ("checkout", "part_of", "Online store"), ("pod-1", "hosted_on", "k8s")])
    rel = await _relate(db, tenant, ids, "orders-db", "runs_on", "web-1")
    assert (rel.type, rel.origin) == ("runs_on", "manual")


@pytest.mark.parametrize(("source", "type", "target", "field", "message"), [
    ("web-1", "depends_on", "checkout", "sourceId",
     "A host cannot be the source of depends_on (allowed: customer, business_service, application_service, "
     "service_instance)."),
    ("checkout", "runs_on", "orders-db", "targetId",
     "A database cannot be the target of runs_on (allowed: host, container, kubernetes_cluster, cloud_resource)."),
    ("checkout", "likes", "payments", "type",
     "Relationship type must be one of depends_on, runs_on, hosted_on, connects_to, part_of, member_of."),
    ("checkout", "depends_on", "checkout", "targetId", "A CI cannot be related to itself."),
])
async def test_disallowed_relationships_are_refused(db, make_tenant, source, type, target, field, message):
    tenant = await make_tenant()
    ids = await build(db, tenant, SHOP, [])
    with pytest.raises(ValidationFailed) as refused:
        await _relate(db, tenant, ids, source, type, target)
    assert (refused.value.field, refused.value.message) == (field, message)


async def test_duplicates_are_refused(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, SHOP, [("checkout", "depends_on", "payments")])
    with pytest.raises(Conflict, match=r"checkout already depends on payments\."):
        await _relate(db, tenant, ids, "checkout", "depends_on", "payments")


async def test_cycles_are_refused_for_hierarchical_types_and_allowed_for_dependencies(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, {"a": "host", "b": "host", "c": "host", "x": "application_service",
                                   "y": "application_service"},
                      [("a", "hosted_on", "b"), ("b", "hosted_on", "c"), ("x", "depends_on", "y")])
    with pytest.raises(ValidationFailed) as refused:
        await _relate(db, tenant, ids, "c", "hosted_on", "a")
    assert refused.value.message == "a already leads to c through hosted_on; hosted_on relationships cannot form a cycle."
    back = await _relate(db, tenant, ids, "y", "depends_on", "x")  # services may call each other
    assert back.type == "depends_on"


async def test_relationship_changes_appear_in_the_history_of_both_ends(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, SHOP, [("checkout", "depends_on", "payments")])
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        rel_id = (await tx.session.scalar(select(CiChange.relationship_id).where(
            CiChange.action == "relationship_added")))
        await delete_relationship(tx, relationship_id=rel_id, actor="dave")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        rows = list(await tx.session.scalars(select(CiChange).where(CiChange.relationship_id == rel_id)))
    seen = sorted((r.ci_id == ids["checkout"], r.action) for r in rows)
    assert seen == [(False, "relationship_added"), (False, "relationship_removed"),
                    (True, "relationship_added"), (True, "relationship_removed")]
    removed = next(r for r in rows if r.action == "relationship_removed")
    assert (removed.actor, removed.before["source"], removed.before["target"]) == ("dave", "checkout", "payments")


async def test_deleting_a_ci_removes_its_relationships_and_tells_the_other_end(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, SHOP, [("checkout", "depends_on", "payments")])
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await delete_ci(tx, ci_id=ids["payments"], actor="erin")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        actions = [c.action for c in await tx.session.scalars(
            select(CiChange).where(CiChange.ci_id == ids["checkout"]).order_by(CiChange.occurred_at))]
    assert actions[-1] == "relationship_removed"
