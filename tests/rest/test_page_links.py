"""One-click links of a page: acknowledge once without signing in; expired, misused and tampered links refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain import clock
from domain.incidents.models import Incident, TimelineEntry
from domain.paging.links import LinkClaim, make_token
from tests.workers.paging_setup import add_people, open_incident


async def link(runtime, tenant, incident, user_id, action="acknowledge", *, expires_in=3600) -> str:
    claim = LinkClaim(tenant.tenant_id, incident.id, user_id, action)
    token = make_token(runtime.sealer, claim, expires_at=clock.now() + timedelta(seconds=expires_in))
    return f"/page/{incident.id}/{action}?token={token}"


async def status_of(db, tenant, incident) -> str:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return (await tx.session.get(Incident, incident.id)).status


async def test_the_link_acknowledges_once_and_the_timeline_names_the_person(runtime, db, client, make_tenant):
    # given ana was paged for an incident
    tenant = await make_tenant()
    [(ana, ana_mail)] = await add_people(db, tenant, 1)
    incident = await open_incident(db, tenant)
    url = await link(runtime, tenant, incident, ana)
    # when she opens the link (no sign-in) and presses the button, twice
    shown = await client.get(url)
    first, second = await client.post(url), await client.post(url)
    # then the first acknowledges, the second changes nothing, and the timeline says it was ana
    assert shown.status_code == 200 and "<button type='submit'>Acknowledge</button>" in shown.text
    assert "data-changed='true'" in first.text and "Acknowledged." in first.text
    assert "data-changed='false'" in second.text and "already open" in second.text
    assert await status_of(db, tenant, incident) == "open"
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        entries = list(await tx.session.scalars(select(TimelineEntry).where(
            TimelineEntry.incident_id == incident.id, TimelineEntry.kind == "status_changed")))
    assert [(e.actor, e.data["note"]) for e in entries] == [(ana_mail, "acknowledged from the page link")]


async def test_a_resolve_link_resolves(runtime, db, client, make_tenant):
    tenant = await make_tenant()
    [(ana, _)] = await add_people(db, tenant, 1)
    incident = await open_incident(db, tenant)
    answer = await client.post(await link(runtime, tenant, incident, ana, "resolve"))
    assert answer.status_code == 200 and await status_of(db, tenant, incident) == "resolved"


async def test_expired_misused_and_tampered_links_are_refused(runtime, db, client, make_tenant):
    # given two incidents, and links of the first
    tenant = await make_tenant()
    [(ana, _)] = await add_people(db, tenant, 1)
    first, other = await open_incident(db, tenant), await open_incident(db, tenant)
    good = await link(runtime, tenant, first, ana)
    expired = await link(runtime, tenant, first, ana, expires_in=-1)
    token = good.split("token=")[1]
    tampered = good[:-5] + ("AAAAA" if not good.endswith("AAAAA") else "BBBBB")
    cases = {
        expired: "LINK_EXPIRED",
        f"/page/{other.id}/acknowledge?token={token}": "LINK_MISMATCH",  # for another incident
        f"/page/{first.id}/resolve?token={token}": "LINK_MISMATCH",  # for another action
        tampered: "LINK_INVALID",
        f"/page/{first.id}/acknowledge": "LINK_INVALID",
        f"/page/not-an-id/acknowledge?token={token}": "LINK_INVALID",
    }
    for url, code in cases.items():
        # when each is used
        answer = await client.post(url)
        # then it is refused with its reason, and neither incident changed
        assert answer.status_code == 403, url
        assert f"data-code='{code}'" in answer.text, url
    assert (await status_of(db, tenant, first), await status_of(db, tenant, other)) == ("triggered", "triggered")
