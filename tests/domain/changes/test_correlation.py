"""Change-aware correlation end to end: a change implemented on a CI, then an incident on a service that
depends on it, is linked to the change with the reason, and the incident's timeline notes it."""

from datetime import timedelta

from sqlalchemy import select

from domain import clock
from domain.alerting.correlation import correlate
from domain.changes.links import register_change_provider
from domain.changes.models import ChangeIncidentLink
from domain.incidents.models import TimelineEntry
from domain.incidents.service import NewIncident, create_incident
from tests.domain.changes.helpers import move, raise_change, shop


async def _incident_on(db, tenant, service):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title=f"{service} failing", severity="SEV2",
                                                             services=[service]), actor="alerting")
        await correlate(tx, incident)
    return incident


async def _implemented(db, tenant, ci_id, *, type="standard"):
    change = await raise_change(db, tenant, ci_ids=[ci_id], type=type, title="Patch payments-db",
                                start_end=(clock.now() - timedelta(minutes=5), clock.now() + timedelta(hours=1)))
    return await move(db, tenant, change.id, "submitted", "assessment", "approved", "scheduled", "implementing",
                      "implemented")


async def test_an_incident_after_a_change_on_a_ci_it_depends_on_is_linked_with_the_reason(db, make_tenant):
    register_change_provider()
    tenant, ids = await shop(db, make_tenant)
    change = await _implemented(db, tenant, ids["payments-db"])

    incident = await _incident_on(db, tenant, "checkout")

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        links = list(await tx.session.scalars(select(ChangeIncidentLink)))
        notes = list(await tx.session.scalars(select(TimelineEntry).where(
            TimelineEntry.incident_id == incident.id, TimelineEntry.kind == "change_context")))
    assert [(link.change_id, link.incident_id, link.kind, link.source) for link in links] == [
        (change.id, incident.id, "caused_by", "correlation")]
    assert links[0].reason == (f"{change.reference} (Patch payments-db) was implemented on payments-db: checkout "
                               "depends on payments; payments depends on payments-db, 0 min before the incident started")
    assert [n.data["change"] for n in notes] == [links[0].reason]


async def test_a_change_on_something_that_depends_on_the_service_explains_nothing(db, make_tenant):
    register_change_provider()
    tenant, ids = await shop(db, make_tenant)
    await _implemented(db, tenant, ids["web"])

    await _incident_on(db, tenant, "payments")

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert list(await tx.session.scalars(select(ChangeIncidentLink))) == []


async def test_registering_the_provider_twice_links_once(db, make_tenant):
    register_change_provider()
    register_change_provider()
    tenant, ids = await shop(db, make_tenant)
    await _implemented(db, tenant, ids["payments"])

    await _incident_on(db, tenant, "payments")

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert len(list(await tx.session.scalars(select(ChangeIncidentLink)))) == 1
