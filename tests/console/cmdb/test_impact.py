"""Impact: what breaks if a CI fails and what it needs, on the CI's page; an incident's blast radius on the
incident's page, only for those with cmdb.read (the page still opens for the others)."""

from __future__ import annotations

from domain.incidents.service import NewIncident, create_incident
from tests.console.cmdb.helpers import section, shop

STORE_EXPLAINED = "payments depends on payments-db; checkout depends on payments; Online store depends on checkout"


async def open_incident(db, tenant, services: list[str]) -> str:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title="Payments down", severity="SEV1",
                                                             services=services), actor="test")
    return str(incident.id)


async def test_the_ci_page_says_which_business_services_and_customers_break_and_why(owner, db):
    ids = await shop(db, owner.tenant)

    page = await owner.get(f"/console/cmdb/{ids['payments-db']}")

    services = section(page.text, "impact-services", "</ul>")
    customers = section(page.text, "impact-customers", "</ul>")
    assert f'<a href="/console/cmdb/{ids["Online store"]}">Online store</a>' in services
    assert '<span class="muted">3 steps away</span>' in services
    assert f'<span class="explanation">{STORE_EXPLAINED}</span>' in services
    assert f'<a href="/console/cmdb/{ids["ACME Corp"]}">ACME Corp</a>' in customers
    assert f"{STORE_EXPLAINED}; ACME Corp depends on Online store" in customers
    assert "4 CIs affected in all." in section(page.text, "ci-breaks", "</div>")
    assert "It needs nothing recorded in the CMDB." in section(page.text, "needs-list", "</ul>")


async def test_the_ci_page_lists_what_it_needs(owner, db):
    ids = await shop(db, owner.tenant)

    page = await owner.get(f"/console/cmdb/{ids['checkout']}")

    needs = section(page.text, "needs-list", "</ul>")
    assert needs.index(">payments</a>") < needs.index(">payments-db</a>")
    assert "checkout depends on payments; payments depends on payments-db" in needs
    assert "No customer depends on it." not in section(page.text, "impact-customers", "</ul>")


async def test_the_incident_page_shows_its_blast_radius_to_cmdb_readers(owner, db, add_member, signed_in):
    ids = await shop(db, owner.tenant)
    incident = await open_incident(db, owner.tenant, ["payments"])
    viewer = await signed_in(await add_member(owner.tenant, ["viewer"]))

    for reader in (owner, viewer):
        page = await reader.get(f"/console/incidents/{incident}")

        assert page.status_code == 200
        radius = section(page.text, "incident-blast-radius")
        services = section(radius, "blast-services", "</ul>")
        assert f'<a href="/console/cmdb/{ids["Online store"]}">Online store</a>' in services
        assert "checkout depends on payments; Online store depends on checkout" in services
        customers = section(radius, "blast-customers", "</ul>")
        assert f'<a href="/console/cmdb/{ids["ACME Corp"]}">ACME Corp</a>' in customers
        assert "Online store depends on checkout; ACME Corp depends on Online store" in customers


async def test_the_incident_page_opens_without_the_blast_radius_for_those_without_cmdb_read(owner, db, add_member,
                                                                                            signed_in, define_role):
    await shop(db, owner.tenant)
    incident = await open_incident(db, owner.tenant, ["payments"])
    await define_role(owner.tenant, "incidents-only", ["incident.read"])
    reader = await signed_in(await add_member(owner.tenant, ["incidents-only"]))

    page = await reader.get(f"/console/incidents/{incident}")

    assert page.status_code == 200 and "Payments down" in page.text
    assert "Blast radius" not in page.text and "FORBIDDEN" not in page.text and "/console/cmdb" not in page.text


async def test_an_incident_whose_services_match_no_ci_says_so(owner, db):
    await shop(db, owner.tenant)
    incident = await open_incident(db, owner.tenant, ["nowhere"])

    page = await owner.get(f"/console/incidents/{incident}")

    assert "No configuration item in the CMDB is named like this incident's services." in section(
        page.text, "incident-blast-radius")
