"""Impact: what breaks if a CI fails and what it needs, on the CI's page; an incident's blast radius on the
incident's page, only for those with cmdb.read (the page still opens for the others)."""

from __future__ import annotations

from domain.incidents.service import NewIncident, create_incident
from tests.console.cmdb.helpers import shop
from tests.console.html import one, select, text, texts

STORE_EXPLAINED = "payments depends on payments-db; checkout depends on payments; Online store depends on checkout"


async def open_incident(db, tenant, services: list[str]) -> str:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title="Payments down", severity="SEV1",
                                                             services=services), actor="test")
    return str(incident.id)


def impacted(html, list_id: str) -> list[tuple[str, str, str]]:
    """The CIs a list of impact names: ``(name, link, explanation)`` each, in order."""
    return [(text(item.a), item.a["href"], text(item.select_one(".explanation")))
            for item in select(html, f"ul#{list_id} > li") if item.a]


async def test_the_ci_page_says_which_business_services_and_customers_break_and_why(owner, db):
    ids = await shop(db, owner.tenant)

    page = await owner.get(f"/console/cmdb/{ids['payments-db']}")

    assert impacted(page.text, "impact-services") == [
        ("Online store", f"/console/cmdb/{ids['Online store']}", STORE_EXPLAINED)]
    assert texts(page.text, "ul#impact-services > li .muted") == ["3 steps away"]
    assert impacted(page.text, "impact-customers") == [
        ("ACME Corp", f"/console/cmdb/{ids['ACME Corp']}", f"{STORE_EXPLAINED}; ACME Corp depends on Online store")]
    assert "4 CIs affected in all." in text(one(page.text, "#ci-breaks"))
    assert texts(page.text, "ul#needs-list > li") == ["It needs nothing recorded in the CMDB."]


async def test_the_ci_page_lists_what_it_needs(owner, db):
    ids = await shop(db, owner.tenant)

    page = await owner.get(f"/console/cmdb/{ids['checkout']}")

    needs = impacted(page.text, "needs-list")
    assert [name for name, _, _ in needs] == ["payments", "payments-db"]
    assert needs[1][2] == "checkout depends on payments; payments depends on payments-db"
    assert "No customer depends on it." not in text(one(page.text, "#impact-customers"))


async def test_the_incident_page_shows_its_blast_radius_to_cmdb_readers(owner, db, add_member, signed_in):
    ids = await shop(db, owner.tenant)
    incident = await open_incident(db, owner.tenant, ["payments"])
    viewer = await signed_in(await add_member(owner.tenant, ["viewer"]))

    for reader in (owner, viewer):
        page = await reader.get(f"/console/incidents/{incident}")

        assert page.status_code == 200
        radius = one(page.text, "#incident-blast-radius")
        assert impacted(radius, "blast-services") == [
            ("Online store", f"/console/cmdb/{ids['Online store']}",
             "checkout depends on payments; Online store depends on checkout")]
        [(name, link, why)] = impacted(radius, "blast-customers")
        assert (name, link) == ("ACME Corp", f"/console/cmdb/{ids['ACME Corp']}")
        assert why.endswith("Online store depends on checkout; ACME Corp depends on Online store")


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

    assert "No configuration item in the CMDB is named like this incident's services." in text(
        one(page.text, "#incident-blast-radius"))
