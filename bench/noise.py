"""Alert noise: top-level incidents per outage, and the precision and recall of correlation links.

A 40-service topology (four tiers, each service depending on one or two of the next) lives in the
CMDB. Sixty outages are planted over about six simulated hours, a third of them starting while
another runs elsewhere in the graph (never sharing or touching a service, but often within a few
hops of it): the root service fails (error events, error rate) and most of the services that
depend on it within two hops slow down; sometimes the root shows only after its dependants, and
one outage in seven has a silent root (only its dependants alert: siblings, which correlation must
not join, so such an outage costs extra top-level incidents). Background noise runs throughout:
jittered metrics, warning events, lone failed probes, and now and then a latency spike on some
service that does trip a rule (a false alarm, never part of an outage). Everything goes through
the real ingest path and the minute ticks (atlas/replay.py) with the alert rules of a real tenant.

At each outage's end (every alert of it has fired by then) the incidents alerting for it are
compared with the ground truth: how many top-level incidents hold them (ideal 1), and whether each
parent link points, within the outage, at a dependency of the child (precision: correct links of
all links made; recall: correct links of the links the outage needs, one per incident but the root).
The peer is the naive "one incident per firing alert" measured in the same run: its incidents per
outage is the number of alerts firing for the outage; it makes no links (precision undefined,
recall 0). Goals: <= 1.2 incidents per outage, precision >= 0.9, recall >= 0.8.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from harness import live_servers, report
from sqlalchemy import func, select

from atlas.replay import Replay
from atlas.runtime import Runtime
from domain.alerting.models import Alert
from domain.alerting.rules import RuleDefinition, create_rule
from domain.alerting.settings import AlertingPolicy, save_policy
from domain.cmdb.service import CiDraft, create_ci, create_relationship
from domain.incidents.lifecycle import ACTIVE
from domain.incidents.models import Incident, IncidentLink
from domain.tenants.service import provision_tenant

SEED, OUTAGES, TIERS, PER_TIER, SAMPLE_EVERY = 18, 60, 4, 10, 30
RULES = [
    RuleDefinition(name="Dependency errors", kind="event", severity="SEV2", group_by=["service"],
                   condition="event.source == 'agent' && event.severity == 'error'", threshold_count=3,
                   fingerprint_template="{rule}:{service}", auto_resolve_minutes=3),
    RuleDefinition(name="Latency p95 above 500 ms", kind="metric", severity="SEV3", group_by=["service"],
                   window={"metric": "latency.p95", "aggregation": "max", "minutes": 2, "operator": ">",
                           "threshold": 500, "for_minutes": 1}, fingerprint_template="{rule}:{service}",
                   auto_resolve_minutes=2),
    RuleDefinition(name="Error rate above 10%", kind="metric", severity="SEV2", group_by=["service"],
                   window={"metric": "error.rate", "aggregation": "avg", "minutes": 2, "operator": ">",
                           "threshold": 0.1, "for_minutes": 1}, fingerprint_template="{rule}:{service}",
                   auto_resolve_minutes=2),
]


@dataclass
class Topology:
    """Services in tiers; each depends on one or two services of the next tier."""

    deps: dict[str, list[str]]

    @classmethod
    def generate(cls, rng: random.Random) -> Topology:
        tiers = [[f"t{t}-svc{n}" for n in range(PER_TIER)] for t in range(TIERS)]
        deps = {s: rng.sample(tiers[t + 1], rng.choice((1, 2))) if t + 1 < TIERS else []
                for t, tier in enumerate(tiers) for s in tier}
        return cls(deps)

    def dependents(self, service: str, hops: int) -> dict[str, int]:
        """Services that depend on ``service`` within ``hops``, with their distance."""
        found, queue = {service: 0}, deque([service])
        while queue:
            current = queue.popleft()
            for other, needs in self.deps.items():
                if current in needs and other not in found and found[current] < hops:
                    found[other] = found[current] + 1
                    queue.append(other)
        return found

    def ball(self, services: set[str], hops: int) -> set[str]:
        """Everything within ``hops`` of ``services``, in either direction."""
        near = {s: set(d) for s, d in self.deps.items()}
        for s, d in self.deps.items():
            for dep in d:
                near[dep].add(s)
        reached, frontier = set(services), set(services)
        for _ in range(hops):
            frontier = {n for s in frontier for n in near[s]} - reached
            reached |= frontier
        return reached

    def adjacent(self, services: set[str]) -> set[str]:
        """``services`` and their direct neighbours."""
        return self.ball(services, 1)

    def needs(self, service: str) -> set[str]:
        """Everything ``service`` depends on, transitively."""
        found, stack = set(), list(self.deps[service])
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.deps[current])
        return found


@dataclass
class Outage:
    """A root service failing from ``start`` to ``end``; each affected service shows it from its onset."""

    root: str
    onset: dict[str, int]
    start: int
    end: int
    silent_root: bool = False
    checked: bool = False

    @property
    def services(self) -> set[str]:
        return set(self.onset)


def plan(rng: random.Random, topology: Topology) -> list[Outage]:
    """Sixty outages; about a third start while another runs, always far from it in the graph."""
    outages: list[Outage] = []
    clock = 120
    candidates = [s for s, d in topology.deps.items() if d or any(s in x for x in topology.deps.values())]
    while len(outages) < OUTAGES:
        running = [o for o in outages if o.end + 360 > clock]
        busy = topology.adjacent(set().union(*(o.services for o in running))) if running else set()
        root = next((r for r in rng.sample(candidates, len(candidates))
                     if not set(topology.dependents(r, 2)) & busy), None)
        if root is None:
            clock = max(o.end for o in running) + 360
            continue
        affected = [s for s in topology.dependents(root, 2) if s == root or rng.random() < 0.8]
        root_onset = rng.choice((0, 0, 60, 120))  # sometimes the root shows after its dependants
        onset = {s: (root_onset if s == root else rng.randint(0, 60)) for s in affected}
        outages.append(Outage(root, onset, clock, clock + rng.randint(240, 300), silent_root=rng.random() < 1 / 7))
        clock += rng.randint(60, 120) if rng.random() < 0.35 else rng.randint(480, 720)
    return outages


@dataclass
class Telemetry:
    """The envelope of each second: baselines with jitter, outage signals, background noise."""

    topology: Topology
    outages: list[Outage]
    rng: random.Random
    noise_events: int = 0
    false_alarms: list[tuple[str, int]] = field(default_factory=list)

    def at(self, second: int, moment: datetime) -> dict:
        stamp = moment.isoformat()
        metrics, events = [], []
        failing = {s: o for o in self.outages if o.start <= second < o.end for s in o.services
                   if second >= o.start + o.onset[s]}
        if second % SAMPLE_EVERY == 0:
            spike = self._false_alarm(second, failing)
            for service in self.topology.deps:
                outage = failing.get(service)
                is_root = outage is not None and outage.root == service
                latency = self.rng.uniform(800, 2000) if outage and not is_root else self.rng.uniform(40, 420)
                latency = 900.0 if service == spike else latency
                errors = self.rng.uniform(0.3, 0.6) if is_root and not outage.silent_root else \
                    self.rng.uniform(0.0, 0.04)
                metrics += [{"name": "latency.p95", "value": round(latency, 1), "labels": {"service": service},
                             "time": stamp},
                            {"name": "error.rate", "value": round(errors, 3), "labels": {"service": service},
                             "time": stamp}]
        for service, outage in failing.items():
            if outage.root == service and not outage.silent_root and second % 15 == 0:
                events.append({"source": "agent", "severity": "error", "service": service, "time": stamp,
                               "title": f"{service}: upstream calls failing"})
        if self.rng.random() < 1 / 40:  # a warning, or now and then one lone failed probe
            severity = "error" if self.rng.random() < 0.1 else "warning"
            events.append({"source": "agent", "severity": severity, "time": stamp, "title": "noise",
                           "service": self.rng.choice(list(self.topology.deps))})
            self.noise_events += 1
        return {"metrics": metrics, "events": events}

    def _false_alarm(self, second: int, failing: dict) -> str | None:
        """About every 40 minutes one latency sample above the threshold on a quiet service."""
        if self.rng.random() >= SAMPLE_EVERY / 2400:
            return None
        quiet = [s for s in self.topology.deps if s not in self.topology.adjacent(set(failing))]
        if not quiet:
            return None
        service = self.rng.choice(quiet)
        self.false_alarms.append((service, second))
        return service


@dataclass
class Score:
    """What the checks at each outage's end found."""

    top_level: list[int] = field(default_factory=list)
    peer_incidents: list[int] = field(default_factory=list)
    links: int = 0
    correct: int = 0
    needed: int = 0


async def check(runtime: Runtime, tenant_id, topology: Topology, outage: Outage, replay: Replay, score: Score):
    """Compare the incidents alerting for ``outage`` now with its ground truth."""
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        alerts = [a for a in await tx.session.scalars(select(Alert).where(Alert.status == "firing"))
                  if a.labels.get("service") in outage.services and a.firing_since >= replay.at(outage.start)]
        incidents = {i.id: i for i in await tx.session.scalars(select(Incident))}
        parents = {link.to_id: link.from_id for link in await tx.session.scalars(
            select(IncidentLink).where(IncidentLink.kind == "parent"))}
    alerting = {a.incident_id for a in alerts if a.incident_id in incidents}
    roots = set()
    for incident_id in alerting:
        root = incident_id
        while root in parents:
            root = parents[root]
        roots.add(root)
    score.top_level.append(len(roots))
    score.peer_incidents.append(len(alerts))
    score.needed += max(0, len(alerting) - 1)
    for incident_id in alerting:
        if incident_id in parents:
            score.links += 1
            child, parent = incidents[incident_id], incidents[parents[incident_id]]
            service, cause = child.services[0], parent.services[0]
            if cause in outage.services and cause in topology.needs(service) and parent.status in ACTIVE:
                score.correct += 1


async def setup(runtime: Runtime, topology: Topology):
    async with runtime.db.transaction(tenant_id=None) as tx:
        tenant = await provision_tenant(tx, name="Noise", slug=f"noise-{int(time.time())}",
                                        admin_email="noise@bench.example.com", admin_password="a-long-bench-password",
                                        plan="enterprise")
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        ids = {s: (await create_ci(tx, draft=CiDraft(class_key="application_service", name=s), actor="bench")).id
               for s in topology.deps}
        for service, needs in topology.deps.items():
            for dep in needs:
                await create_relationship(tx, type="depends_on", source_id=ids[service], target_id=ids[dep],
                                          actor="bench")
        for rule in RULES:
            await create_rule(tx, definition=RuleDefinition(**rule.__dict__), actor="bench")
        await save_policy(tx, policy=AlertingPolicy(), actor="bench")
    return tenant


async def measure(settings) -> tuple[Score, dict]:
    rng = random.Random(SEED)
    topology = Topology.generate(rng)
    outages = plan(rng, topology)
    runtime = await Runtime.open(settings)
    tenant = await setup(runtime, topology)
    score, telemetry = Score(), Telemetry(topology, outages, rng)
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(seconds=outages[-1].end + 1200)
    replay = Replay(runtime.db, tenant.tenant_id, start=start, batch_seconds=60)

    async def after_tick(second: float) -> None:
        for outage in outages:
            if not outage.checked and second >= outage.end:
                outage.checked = True
                await check(runtime, tenant.tenant_id, topology, outage, replay, score)

    replay.after_tick = after_tick
    began = time.perf_counter()
    for second in range(outages[-1].end + 600):
        await replay.feed(second, telemetry.at(second, replay.at(second)))
    await replay.advance_to(outages[-1].end + 600)
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        incidents = await tx.session.scalar(select(func.count()).select_from(Incident))
    await runtime.close()
    concurrent = sum(1 for o in outages if any(p.start < o.start < p.end for p in outages))
    return score, {"outages": len(outages), "concurrent_starts": concurrent, "services": len(topology.deps),
                   "silent_roots": sum(o.silent_root for o in outages), "false_alarms": len(telemetry.false_alarms),
                   "simulated_hours": round((outages[-1].end + 600) / 3600, 1), "incidents": incidents,
                   "noise_events": telemetry.noise_events, "replay_seconds": round(time.perf_counter() - began, 1)}


def main() -> None:
    with live_servers() as settings:
        score, extra = asyncio.run(measure(settings))
    ours = sum(score.top_level) / len(score.top_level)
    peer = sum(score.peer_incidents) / len(score.peer_incidents)
    precision = score.correct / score.links if score.links else 0.0
    recall = score.correct / score.needed if score.needed else 1.0
    print(f"top-level incidents per outage {ours:.3f} (one incident per firing alert: {peer:.3f}); "
          f"links {score.links}, correct {score.correct}, needed {score.needed}; {extra}")
    report(bench="noise", metric="top-level incidents per outage", unit="incidents/outage", ours=ours, peer=peer,
           better="lower", peer_is="one incident per firing alert (no grouping, no correlation), same run",
           incidents_per_outage=round(ours, 4), link_precision=round(precision, 4), link_recall=round(recall, 4),
           peer_incidents_per_outage=round(peer, 4), peer_link_precision=None, peer_link_recall=0.0, **extra)


if __name__ == "__main__":
    main()
