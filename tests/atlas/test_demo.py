"""The demo data a new user sees: incidents in every state, with real timelines."""

from sqlalchemy import func, select

from atlas.demo_incidents import seed_demo_incidents
from domain.incidents.models import Incident, IncidentLink, Postmortem, TimelineEntry


async def test_demo_incidents_cover_every_state_with_timelines(db, make_tenant):
    tenant = await make_tenant()

    made = await seed_demo_incidents(db, tenant_id=tenant.tenant_id)
    again = await seed_demo_incidents(db, tenant_id=tenant.tenant_id)

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        statuses = dict((await tx.session.execute(
            select(Incident.status, func.count()).group_by(Incident.status))).all())
        acknowledged = list(await tx.session.scalars(select(Incident).where(Incident.acknowledged_at.is_not(None))))
        entries = await tx.session.scalar(select(func.count()).select_from(TimelineEntry))
        kinds = set(await tx.session.scalars(select(IncidentLink.kind)))
        merged = await tx.session.scalar(select(func.count()).select_from(Incident).where(
            Incident.merged_into_id.is_not(None)))
        postmortems = await tx.session.scalar(select(func.count()).select_from(Postmortem))

    assert made == 12 and again == 0
    assert set(statuses) == {"triggered", "open", "investigating", "resolved", "closed"}
    assert all((i.acknowledged_at - i.created_at).total_seconds() >= 60 for i in acknowledged)
    assert entries > 40 and kinds == {"parent", "related"} and merged == 1 and postmortems == 2


async def test_demo_rules_are_valid_and_seeded_once(db, make_tenant):
    from atlas.demo_rules import RULES, seed_demo_rules

    tenant = await make_tenant()

    first = await seed_demo_rules(db, tenant_id=tenant.tenant_id)
    second = await seed_demo_rules(db, tenant_id=tenant.tenant_id)

    assert (first, second) == (len(RULES), 0)
    assert {r.kind for r in RULES} == {"event", "metric", "log", "absence"}


async def test_the_demo_topology_matches_the_simulated_shop_and_seeds_once(db, make_tenant):
    from atlas.demo_topology import seed_demo_topology
    from atlas.simulate import CALLS
    from domain.cmdb.impact import cis_named, impact_analysis

    tenant = await make_tenant()
    first = await seed_demo_topology(db, tenant_id=tenant.tenant_id)
    again = await seed_demo_topology(db, tenant_id=tenant.tenant_id)

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        services = await cis_named(tx, list(CALLS))
        payments_outage = await impact_analysis(tx, ci_ids=await cis_named(tx, ["payments"]))
    assert first.created == 5 + 8 + 16 and first.relationships_created == 6 + 8 + 16
    assert (again.created, again.updated, again.relationships_created) == (0, 0, 0)
    assert len(services) == len(CALLS)
    assert [i.ci["name"] for i in payments_outage.customers] == ["Retail customers"]
    assert payments_outage.customers[0].explanation == (
        "checkout depends on payments; Online store depends on checkout; Retail customers depends on Online store")
