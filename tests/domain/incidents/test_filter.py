"""One incident filter: the list's SQL and the live subscription's matcher agree on every filter."""

import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.incidents.models import PRIORITIES, SEVERITIES, STATUSES, Incident
from domain.incidents.queries import IncidentFilter, list_incidents
from domain.incidents.service import NewIncident, create_incident
from domain.members.models import Membership
from domain.members.users import create_user
from domain.tenants.service import provision_tenant
from tests.conftest import TEST_PASSWORD, unique_slug

TITLES = ["Checkout failing", "Payments slow", "Search index stale", "checkout latency", "Disk full on db-1"]
SERVICES = ["checkout", "payments", "search"]


@pytest.fixture(scope="module")
def world(session_loop, db):
    """One tenant with incidents of every shape, as ORM rows (what live changes carry)."""
    async def build():
        slug = unique_slug("filter")
        async with db.transaction(tenant_id=None) as tx:
            tenant = await provision_tenant(tx, name="Filters", slug=slug, admin_email=f"owner@{slug}.example.com",
                                            admin_password=TEST_PASSWORD)
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            someone = await create_user(tx, email=f"oncall-{uuid.uuid4().hex[:6]}@example.com", password="x" * 12)
            tx.session.add(Membership(tenant_id=tenant.tenant_id, user_id=someone.id, roles=["responder"]))
            await tx.session.flush()
            made = []
            for n in range(30):
                incident = await create_incident(tx, actor="test", new=NewIncident(
                    title=TITLES[n % len(TITLES)], severity=SEVERITIES[n % 4], priority=PRIORITIES[n % 5],
                    services=[SERVICES[n % 3]] if n % 4 else [], assignee_id=someone.id if n % 3 == 0 else None,
                    description="mentions checkout" if n % 7 == 0 else ""))
                incident.status = STATUSES[n % 5]
                made.append(incident)
            await tx.session.flush()
        return tenant, someone.id, made

    return session_loop.run_until_complete(build())


FILTERS = st.builds(
    IncidentFilter,
    statuses=st.lists(st.sampled_from(STATUSES), max_size=2, unique=True),
    severities=st.lists(st.sampled_from(SEVERITIES), max_size=2, unique=True),
    priorities=st.lists(st.sampled_from(PRIORITIES), max_size=2, unique=True),
    service=st.none() | st.sampled_from(SERVICES),
    unassigned=st.booleans(),
    text=st.none() | st.sampled_from(["checkout", "CHECKOUT", "slow", "INC-1", "nothing like it"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(wanted=FILTERS, assigned=st.booleans(), created_window=st.booleans())
def test_the_list_and_the_live_matcher_pick_the_same_incidents(world, db, event_loop_runner, wanted, assigned,
                                                               created_window):
    tenant, someone, incidents = world
    wanted.assignee_id = someone if assigned else None
    if created_window:
        wanted.created_after = incidents[5].created_at
        wanted.created_before = incidents[20].created_at + timedelta(microseconds=1)

    async def listed() -> set[uuid.UUID]:
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            page = await list_incidents(tx, filter=wanted, first=100)
        return {row.id for row in page.items}

    assert event_loop_runner(listed()) == {i.id for i in incidents if wanted.matches(i)}


def test_a_single_incident_filter_matches_only_it(world):
    _, _, incidents = world
    wanted = IncidentFilter(incident_id=incidents[3].id)

    assert [i for i in incidents if wanted.matches(i)] == [incidents[3]]
    assert isinstance(incidents[3], Incident)
