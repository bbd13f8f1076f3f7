"""`atlas simulate`'s planted outages trip the demo rules meant for them, every time: a whole cycle and the
next outage replayed through ingest and the minute ticks, at several phases of the ticks, against the
demo CMDB and rules. Each outage is one top-level incident with its root service as the parent; every
incident resolves before the next outage, whose recurrence reopens the first incident."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from atlas.demo_rules import seed_demo_rules
from atlas.demo_topology import seed_demo_topology
from atlas.replay import Replay
from atlas.simulate import CYCLE, PAYMENTS_OUTAGE, SEARCH_SLOWDOWN, Simulator
from domain.alerting.models import Alert, AlertRule
from domain.incidents.models import Incident, IncidentLink

START = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
PAYMENTS_RULES = {("Checkout synthetic check failing", "service=payments"), ("Error rate above 20%", "service=payments"),
                  ("Payment errors in logs", "service=payments"), ("Latency p95 above 300 ms", "service=payments"),
                  ("Latency p95 above 300 ms", "service=checkout"), ("Latency p95 above 300 ms", "service=web")}
SEARCH_RULES = {("Latency p95 above 300 ms", "service=search-index"), ("Latency p95 above 300 ms", "service=search"),
                ("Latency p95 above 300 ms", "service=web")}


async def _run(replay: Replay, simulator: Simulator, since: int, until: int) -> None:
    """Simulated traffic for seconds [since, until), then the ticks due by ``until``."""
    for second in range(since, until):
        envelope = simulator.second(replay.at(second), second)
        envelope.pop("spans")  # the rules read metrics, logs and events; the CMDB is seeded
        await replay.feed(second, envelope)
    await replay.advance_to(until)


async def _world(db, tenant):
    """(rule names, alerts, incidents, parent of each child) as they are now."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        rules = {r.id: r.name for r in await tx.session.scalars(select(AlertRule))}
        alerts = list(await tx.session.scalars(select(Alert)))
        incidents = {i.id: i for i in await tx.session.scalars(select(Incident))}
        parents = {link.to_id: link.from_id for link in await tx.session.scalars(select(IncidentLink))
                   if link.kind == "parent"}
    return rules, alerts, incidents, parents


def _fired(world, replay, since: float, until: float) -> set[tuple[str, str]]:
    rules, alerts, _, _ = world
    return {(rules[a.rule_id], a.group_key) for a in alerts
            if a.firing_since and replay.at(since) <= a.firing_since < replay.at(until)}


def _active_trees(world) -> dict[str, set[str]]:
    """Each active top-level incident's root service, with the services of the active incidents under it."""
    _, _, incidents, parents = world
    trees: dict[str, set[str]] = {}
    for incident in incidents.values():
        if incident.status not in ("triggered", "open", "investigating"):
            continue
        root = incident.id
        while root in parents:
            root = parents[root]
        trees.setdefault(incidents[root].services[0], set()).update(incident.services)
    return trees


@pytest.mark.parametrize("phase", [0, 20, 45])
async def test_each_planted_outage_trips_its_rules_and_clears_before_the_next(db, make_tenant, phase):
    tenant = await make_tenant()
    await seed_demo_topology(db, tenant_id=tenant.tenant_id)
    await seed_demo_rules(db, tenant_id=tenant.tenant_id)
    replay, simulator = Replay(db, tenant.tenant_id, start=START, tick_phase=phase), Simulator(rate=40, seed=phase)
    checkpoints = [PAYMENTS_OUTAGE[1] + 90, SEARCH_SLOWDOWN[1] + 90, CYCLE + PAYMENTS_OUTAGE[0],
                   CYCLE + PAYMENTS_OUTAGE[1] + 90]
    worlds = []
    for since, until in zip([0, *checkpoints], checkpoints, strict=False):
        await _run(replay, simulator, since, until)
        worlds.append(await _world(db, tenant))

    during_payments, during_search, between, again = worlds
    assert _fired(during_payments, replay, 0, checkpoints[0]) == PAYMENTS_RULES
    assert _active_trees(during_payments) == {"payments": {"payments", "checkout", "web"}}
    assert _fired(during_search, replay, checkpoints[0], checkpoints[1]) == SEARCH_RULES
    assert _active_trees(during_search) == {"search-index": {"search-index", "search", "web"}}
    assert _active_trees(between) == {}
    assert all(a.status == "resolved" for a in between[1])
    assert _fired(again, replay, checkpoints[2], checkpoints[3]) == PAYMENTS_RULES
    assert _active_trees(again) == {"payments": {"payments", "checkout", "web"}}
    first_payments = min((i for i in during_payments[2].values() if i.services == ["payments"]),
                         key=lambda i: i.created_at)
    assert again[2][first_payments.id].status == "open"  # the recurrence reopened it
    assert len(again[2]) == len(during_search[2])  # and every symptom's incident too: nothing new
