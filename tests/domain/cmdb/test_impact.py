"""Impact analysis on a known graph: who is hurt, through which path; and the reverse."""

import pytest

from domain.cmdb.impact import impact_analysis
from domain.cmdb.topology import walk
from domain.errors import ValidationFailed
from tests.domain.cmdb.helpers import build

# Two business services share checkout; checkout needs payments and orders-db; orders-db runs on db-host.
CIS = {"ACME Corp": "customer", "Online store": "business_service", "Mobile app": "business_service",
       "checkout": "application_service", "payments": "application_service", "search": "application_service",
       "orders-db": "database", "db-host": "host", "checkout-1": "service_instance"}
EDGES = [("ACME Corp", "depends_on", "Online store"), ("Online store", "depends_on", "checkout"),
         ("Mobile app", "depends_on", "checkout"), ("checkout", "depends_on", "payments"),
         ("checkout", "depends_on", "orders-db"), ("orders-db", "runs_on", "db-host"),
         ("checkout-1", "part_of", "checkout"), ("Online store", "depends_on", "search")]


async def _report(db, tenant, ids, names, **kwargs):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await impact_analysis(tx, ci_ids=[ids[n] for n in names], **kwargs)


async def test_a_failing_host_reaches_the_business_services_and_customers_with_their_paths(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, CIS, EDGES)

    report = await _report(db, tenant, ids, ["db-host"])

    assert [(i.ci["name"], i.depth) for i in report.affected] == sorted(
        [("orders-db", 1), ("checkout", 2), ("Online store", 3), ("Mobile app", 3), ("ACME Corp", 4)],
        key=lambda pair: (pair[1], str(ids[pair[0]])))
    assert sorted(i.ci["name"] for i in report.business_services) == ["Mobile app", "Online store"]
    [customer] = report.customers
    assert [step.ci["name"] for step in customer.path] == ["db-host", "orders-db", "checkout", "Online store",
                                                           "ACME Corp"]
    assert customer.explanation == ("orders-db runs on db-host; checkout depends on orders-db; "
                                    "Online store depends on checkout; ACME Corp depends on Online store")


async def test_a_failing_instance_hurts_the_service_it_is_part_of(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, CIS, EDGES)
    report = await _report(db, tenant, ids, ["checkout-1"], depth=2)
    assert [(i.ci["name"], i.explanation) for i in report.affected][:1] == [
        ("checkout", "checkout-1 is part of checkout")]
    assert {i.ci["name"] for i in report.affected} == {"checkout", "Online store", "Mobile app"}


async def test_dependencies_are_the_reverse_walk(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, CIS, EDGES)
    report = await _report(db, tenant, ids, ["Online store"], direction="dependencies")
    assert {i.ci["name"] for i in report.affected} == {"checkout", "search", "payments", "orders-db", "db-host",
                                                       "checkout-1"}
    assert report.customers == [] and report.business_services == []


async def test_walks_terminate_on_cycles_and_respect_the_depth(db, make_tenant):
    tenant = await make_tenant()
    ids = await build(db, tenant, {"a": "application_service", "b": "application_service", "c": "application_service"},
                      [("a", "depends_on", "b"), ("b", "depends_on", "c"), ("c", "depends_on", "a")])
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        everything = await walk(tx, seeds=[ids["a"]], mode="both", depth=10)
        near = await walk(tx, seeds=[ids["a"]], mode="downstream", depth=1)
    assert {r.ci_id: r.depth for r in everything.values()} == {ids["a"]: 0, ids["b"]: 1, ids["c"]: 1}
    assert set(near) == {ids["a"], ids["b"]}


async def test_unknown_or_foreign_cis_are_refused(db, make_tenant):
    tenant, other = await make_tenant(), await make_tenant()
    foreign = await build(db, other, {"theirs": "host"}, [])
    with pytest.raises(ValidationFailed, match="not configuration items of this tenant"):
        await _report(db, tenant, foreign, ["theirs"])
    with pytest.raises(ValidationFailed, match="Depth must be between 1 and 10"):
        ids = await build(db, tenant, {"mine": "host"}, [])
        await _report(db, tenant, ids, ["mine"], depth=11)
