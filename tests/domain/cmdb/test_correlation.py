"""Topology-aware correlation: a new incident on a service related in the CMDB to an open one
is chained under it, and the link says which relationships relate them."""

from sqlalchemy import select

from domain.alerting.correlation import correlate
from domain.incidents.models import IncidentLink
from domain.incidents.service import NewIncident, create_incident
from tests.domain.cmdb.helpers import build


async def test_related_services_are_chained_with_the_topology_as_the_reason(db, make_tenant):
    tenant = await make_tenant()
    await build(db, tenant, {"checkout": "application_service", "payments": "application_service",
                             "payments-db": "database", "search": "application_service"},
                [("checkout", "depends_on", "payments"), ("payments", "depends_on", "payments-db")])
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        parent = await create_incident(tx, new=NewIncident(title="DB slow", severity="SEV2",
                                                           services=["payments-db"]), actor="test")
        unrelated = await create_incident(tx, new=NewIncident(title="Search slow", severity="SEV3",
                                                              services=["search"]), actor="test")
        child = await create_incident(tx, new=NewIncident(title="Checkout failing", severity="SEV2",
                                                          services=["checkout"]), actor="test")
        link = await correlate(tx, child)
        nothing = await correlate(tx, unrelated)

    assert nothing is None
    assert (link.from_id, link.to_id, link.kind, link.source, link.confidence) == (
        parent.id, child.id, "parent", "correlation:topology", 0.8)
    assert link.reason == "payments-db: checkout depends on payments; payments depends on payments-db"
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert len(list(await tx.session.scalars(select(IncidentLink)))) == 1
