"""Causal correlation: an incident is explained only along dependency direction in the CMDB; the root
is the parent even when it is noticed second; siblings that a third service depends on stay apart;
every link's reason is the directed path from the child to the parent."""

from sqlalchemy import select

from domain.alerting.correlation import correlate
from domain.alerting.settings import AlertingPolicy, save_policy
from domain.incidents.models import IncidentLink, TimelineEntry
from domain.incidents.service import NewIncident, create_incident, transition_incident
from tests.domain.cmdb.helpers import build

SHOP = ({"web": "application_service", "checkout": "application_service", "payments": "application_service",
         "payments-db": "database", "search": "application_service", "search-index": "database"},
        [("web", "depends_on", "checkout"), ("web", "depends_on", "search"), ("checkout", "depends_on", "payments"),
         ("payments", "depends_on", "payments-db"), ("search", "depends_on", "search-index")])


async def _shop(db, make_tenant):
    tenant = await make_tenant()
    await build(db, tenant, *SHOP)
    return tenant


async def _open(db, tenant, service: str, *, title: str | None = None):
    """Open an incident on ``service`` and correlate it, as the engine does; returns it and the links made."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title=title or f"{service} failing", severity="SEV2",
                                                             services=[service]), actor="test")
        made = await correlate(tx, incident)
    return incident, made


async def _links(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return list(await tx.session.scalars(select(IncidentLink).order_by(IncidentLink.created_at)))


async def test_a_dependent_becomes_the_child_of_its_cause_with_the_path_from_child_to_parent(db, make_tenant):
    tenant = await _shop(db, make_tenant)
    database, _ = await _open(db, tenant, "payments-db")

    checkout, made = await _open(db, tenant, "checkout")

    assert [(link.from_id, link.to_id, link.kind, link.source, link.confidence) for link in made] == [
        (database.id, checkout.id, "parent", "correlation:topology", 0.8)]
    assert made[0].reason == "checkout depends on payments; payments depends on payments-db"


async def test_two_services_a_third_depends_on_are_not_cause_and_effect(db, make_tenant):
    tenant = await _shop(db, make_tenant)
    await _open(db, tenant, "search")

    _checkout, made = await _open(db, tenant, "checkout")

    assert made == []
    assert await _links(db, tenant) == []


async def test_the_root_noticed_second_becomes_the_parent_of_the_earlier_incidents(db, make_tenant):
    tenant = await _shop(db, make_tenant)
    web, _ = await _open(db, tenant, "web")
    checkout, first = await _open(db, tenant, "checkout")

    payments, made = await _open(db, tenant, "payments")

    assert [(link.from_id, link.to_id) for link in first] == [(checkout.id, web.id)]
    assert [(link.from_id, link.to_id, link.reason) for link in made] == [
        (payments.id, checkout.id, "checkout depends on payments")]
    chain = {(link.from_id, link.to_id) for link in await _links(db, tenant)}
    assert chain == {(checkout.id, web.id), (payments.id, checkout.id)}
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        entries = list(await tx.session.scalars(select(TimelineEntry).where(
            TimelineEntry.incident_id == checkout.id, TimelineEntry.kind == "linked")))
    assert [e.data["reason"] for e in entries] == ["web depends on checkout", "checkout depends on payments"]


async def test_the_nearest_cause_is_the_parent_and_the_same_service_counts_as_a_cause(db, make_tenant):
    tenant = await _shop(db, make_tenant)
    database, _ = await _open(db, tenant, "payments-db")
    payments, _ = await _open(db, tenant, "payments")

    again, made = await _open(db, tenant, "payments", title="payments slow too")

    assert [(link.from_id, link.to_id, link.source, link.reason, link.confidence) for link in made] == [
        (payments.id, again.id, "correlation:service", "both concern payments", 0.6)]
    assert {(link.from_id, link.to_id) for link in await _links(db, tenant)} == {
        (database.id, payments.id), (payments.id, again.id)}


async def test_resolved_incidents_and_those_beyond_the_hops_explain_nothing(db, make_tenant):
    tenant = await _shop(db, make_tenant)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await save_policy(tx, policy=AlertingPolicy(correlation_hops=1), actor="test")
    database, _ = await _open(db, tenant, "payments-db")
    old, _ = await _open(db, tenant, "payments")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await transition_incident(tx, incident_id=old.id, to="resolved", actor="test")

    _checkout, made = await _open(db, tenant, "checkout")

    assert made == []  # payments (1 hop) is resolved; payments-db is 2 hops away
    assert [(link.from_id, link.to_id) for link in await _links(db, tenant)] == [(database.id, old.id)]


async def test_an_incident_without_a_ci_of_its_name_is_left_alone(db, make_tenant):
    tenant = await _shop(db, make_tenant)
    await _open(db, tenant, "payments")

    _unknown, made = await _open(db, tenant, "billing")

    assert made == []
