"""The ground-truth replay: a recorded scenario of five outages with known roots (a root noticed after its
dependants, a sibling slowdown beside another outage, a recurrence after the first incident was closed,
a flapping metric) replayed through ingest and the minute ticks. Each outage is exactly one top-level
incident with its root service at the top; the recurrence is a new incident naming the closed one (its
resolved symptoms reopen); no alert ever counts into an inactive incident, an incident's count is always
the sum of its alerts; and every incident resolves within its rules' clear time after recovery."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from atlas.replay import Replay
from domain.alerting.models import Alert, AlertRule
from domain.alerting.rules import RuleDefinition, create_rule
from domain.alerting.settings import AlertingPolicy, save_policy
from domain.alerting.windows import clear_minutes
from domain.incidents.lifecycle import ACTIVE
from domain.incidents.models import Incident, IncidentLink
from domain.incidents.service import transition_incident
from tests.domain.cmdb.helpers import build

SCENARIO = json.loads((Path(__file__).parent / "fixtures" / "ground_truth.json").read_text())
OUTAGES = {o["name"]: o for o in SCENARIO["outages"]}
START = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)
TICK = 60


def envelopes() -> dict[int, dict]:
    """The recording as one envelope per second that has telemetry."""
    seconds: dict[int, dict] = {}
    for item in SCENARIO["events"]:
        moments = [item["at"]] if "at" in item else range(item["from"], item["to"], item["every"])
        for at in moments:
            seconds.setdefault(at, {"events": [], "metrics": []})["events"].append(
                {**item["event"], "id": f"e-{at}-{item['event']['title']}"})
    for series in SCENARIO["metrics"]:
        for at in range(0, SCENARIO["duration"], 15):
            value = next(v for since, until, v in series["segments"] if since <= at < until)
            seconds.setdefault(at, {"events": [], "metrics": []})["metrics"].append(
                {"name": series["name"], "value": value, "labels": {"service": series["service"]}})
    return seconds


class World:
    """The tenant's alerts, incidents and links now, read in one transaction."""

    def __init__(self, alerts, incidents, links, rules):
        self.alerts, self.rules = alerts, rules
        self.incidents = {i.id: i for i in incidents}
        self.parents = {link.to_id: link.from_id for link in links if link.kind == "parent"}
        self.links = links

    @classmethod
    async def read(cls, db, tenant) -> "World":
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            return cls(list(await tx.session.scalars(select(Alert))), list(await tx.session.scalars(select(Incident))),
                       list(await tx.session.scalars(select(IncidentLink))),
                       {r.id: r for r in await tx.session.scalars(select(AlertRule))})

    def root(self, incident_id):
        while incident_id in self.parents:
            incident_id = self.parents[incident_id]
        return self.incidents[incident_id]

    def active_trees(self) -> dict[str, set[str]]:
        """For each active top-level incident, its service and the services of the active incidents under it."""
        trees: dict[str, set[str]] = {}
        for incident in self.incidents.values():
            if incident.status in ACTIVE:
                trees.setdefault(self.root(incident.id).services[0], set()).update(incident.services)
        return trees


class Invariants:
    """Checked after every tick: counts agree with alerts, and nothing counts into an inactive incident."""

    def __init__(self, db, tenant):
        self.db, self.tenant, self.before, self.checked = db, tenant, {}, 0

    async def __call__(self, second: float) -> None:
        world = await World.read(self.db, self.tenant)
        for incident in world.incidents.values():
            held = [a for a in world.alerts if a.incident_id == incident.id]
            assert incident.alert_count == sum(a.count for a in held), (second, incident.title)
            if incident.status not in ACTIVE:
                assert not [a for a in held if a.status in ("pending", "firing")], (second, incident.title)
                was = self.before.get(incident.id)
                if was is not None and was[0] not in ACTIVE:
                    assert (incident.alert_count, incident.last_seen_at) == was[1:], (second, incident.title)
        self.before = {i.id: (i.status, i.alert_count, i.last_seen_at) for i in world.incidents.values()}
        self.checked += 1


async def _tenant(db, make_tenant):
    tenant = await make_tenant()
    topology = SCENARIO["topology"]
    await build(db, tenant, topology["cis"], [tuple(edge) for edge in topology["edges"]])
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await save_policy(tx, policy=AlertingPolicy(**SCENARIO["settings"]), actor="test")
        for rule in SCENARIO["rules"]:
            await create_rule(tx, definition=RuleDefinition(**rule), actor="test")
    return tenant


async def _close_root(db, tenant, replay, outage) -> None:
    world = await World.read(db, tenant)
    root = next(i for i in world.incidents.values() if i.id not in world.parents and i.services == [outage["root"]])
    from domain import clock

    with clock.clock_at(replay.at(SCENARIO["close"][0]["at"])):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await transition_incident(tx, incident_id=root.id, to="closed", actor="alice")


def _bound(world: World, incident: Incident) -> timedelta:
    """The latest an incident may resolve after recovery: its slowest rule's window and clear time, plus a tick."""
    def rule_bound(rule) -> int:
        window = (rule.window or {}).get("minutes", 0) if rule.kind != "event" else 0
        clear = clear_minutes(rule) if rule.kind != "event" else rule.auto_resolve_minutes
        return window + clear + 1

    rules = {world.rules[a.rule_id] for a in world.alerts if a.incident_id == incident.id}
    return timedelta(minutes=max(rule_bound(r) for r in rules))


CHECKPOINTS = {  # second -> the active trees expected then: each outage one tree under its root
    410: {"payments-db": {"payments-db", "payments", "checkout", "web"}},
    800: {},
    1130: {"search-index": {"search-index", "search", "web"}, "checkout": {"checkout"}},
    1500: {},
    1790: {"payments-db": {"payments-db", "payments"}},
    2100: {},
    2400: {"auth": {"auth"}},
    3300: {},
}


@pytest.mark.parametrize("phase", [0, 30])
async def test_the_recorded_outages_give_one_top_level_incident_each_under_its_root(db, make_tenant, phase):
    tenant = await _tenant(db, make_tenant)
    invariants = Invariants(db, tenant)
    replay = Replay(db, tenant.tenant_id, start=START, tick_phase=phase, after_tick=invariants)
    recorded, seen = envelopes(), {}

    for second in range(SCENARIO["duration"] + 1):
        if second == SCENARIO["close"][0]["at"]:
            await replay.advance_to(second)
            await _close_root(db, tenant, replay, OUTAGES[SCENARIO["close"][0]["outage"]])
        if second in CHECKPOINTS:
            await replay.advance_to(second)
            world = await World.read(db, tenant)
            assert world.active_trees() == CHECKPOINTS[second], second
            seen[second] = world
        if second in recorded:
            await replay.feed(second, {kind: [{**item, "time": replay.at(second).isoformat()} for item in items]
                                       for kind, items in recorded[second].items()})

    assert invariants.checked >= SCENARIO["duration"] // TICK
    first_db = seen[410].root(next(iter(seen[410].incidents)))
    symptoms = [i for i in seen[410].incidents.values() if i.id != first_db.id]
    assert first_db.created_at > max(i.created_at for i in symptoms)  # the root, noticed last, is on top
    again = seen[1790]
    recurrence = again.root(next(i.id for i in again.incidents.values() if i.status in ACTIVE))
    assert recurrence.id != first_db.id and again.incidents[first_db.id].status == "closed"
    assert [(link.from_id, link.to_id, link.reason) for link in again.links if link.kind == "related"] == [
        (recurrence.id, first_db.id, f"recurrence of INC-{first_db.number}")]
    payments = {i.id for i in seen[410].incidents.values() if i.services == ["payments"]}
    assert {i.id for i in again.incidents.values() if i.services == ["payments"] and i.status in ACTIVE} == payments
    final = seen[3300]
    auth = [i for i in final.incidents.values() if i.services == ["auth"]]
    assert len(auth) == 1 and auth[0].status == "resolved"  # the flapping metric: one incident, reopened
    for outage, checked_at in (("database", 800), ("search index", 1500), ("checkout deploy", 1500),
                               ("database again", 2100)):
        recovered = replay.at(OUTAGES[outage]["end"])
        for incident in seen[checked_at].incidents.values():
            if incident.resolved_at and incident.resolved_at > recovered and incident.services[0] in \
                    OUTAGES[outage]["services"]:
                assert incident.resolved_at - recovered <= _bound(seen[checked_at], incident), incident.title
    assert not [i for i in final.incidents.values() if i.status in ACTIVE]
