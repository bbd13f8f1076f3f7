"""RCA accuracy: our RCA ranking vs BARO (RCAEval) on generated microservice fault scenarios.

Each scenario is one fault (CPU, memory, latency, error-rate or bad deploy) on one service of a
14-service topology; latency and errors propagate to every caller (with gain and delay), and every
scenario carries noise: measurement noise, one-point spikes, an unrelated sustained anomaly on another
service in most scenarios, and unrelated changes. The incident is raised on a caller of the faulty
service (or on the service itself), a few minutes after the fault.

Ours: the real pipeline. Each scenario is a fresh tenant in a real PostgreSQL: its CIs and
``depends_on`` relationships in the CMDB, its change requests, its metric points (up to five minutes
after the incident opened, shifted so the incident opens now) and an incident on the alerted service;
then the RCA step runs (``run_step``: evidence gathered from the database, the call through the AI
gateway with the local provider, the heuristics' ranking persisted) and its hypotheses are read back.
``ours_direct_ac_at_1`` is the same ranking code called on the in-memory series (a cross-check).
BARO: ``RCAEval.e2e.baro`` on the same series, given the true fault time as ``inject_time`` (as RCAEval
runs it). Both rank services (BARO's columns are mapped to their services, first appearance wins).
Reports AC@1, AC@3, Avg@5.

Development happened on ``--seed 7`` only: after its first run (ours AC@1 0.73) the rules changed (CPU or
memory alone does not explain a caller) and so did the generator (a memory leak now shows in the service's
own latency within minutes, as an alert would need). The default seed 2026 was run only after that, and
nothing changed since. Ours is also given what BARO is not: the topology and the incident's service.
Needs the ``bench`` extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import live_servers, report  # noqa: E402
from domain.ai.pipeline.evidence import metric_signals  # noqa: E402
from domain.ai.pipeline.rca import Signal, Topology, rank  # noqa: E402

DEPENDS_ON = {
    "frontend": ("cart", "checkout", "catalog", "recommend", "ads"),
    "checkout": ("payments", "shipping", "cart", "currency", "email"),
    "cart": ("redis-cart",),
    "recommend": ("catalog",),
    "catalog": ("catalog-db",),
    "payments": ("payments-db", "fraud"),
    "shipping": ("currency",),
    "fraud": ("payments-db",),
    "ads": (), "currency": (), "email": (), "redis-cart": (), "catalog-db": (), "payments-db": (),
}
SERVICES = sorted(DEPENDS_ON)
METRICS = ("cpu", "mem", "latency", "error")
FAULTS = ("cpu", "memory", "latency", "error", "bad-deploy")
POINTS, STEP = 60, 60.0


@dataclass
class Scenario:
    root: str
    fault: str
    alerted: str
    times: list[float]
    series: dict[tuple[str, str], list[float]]
    changes: list[tuple[str, float, str]]
    fault_time: float
    start: float


def callers_of(service: str) -> set[str]:
    """Every service that depends on ``service``, directly or not."""
    found, frontier = set(), {service}
    while frontier:
        frontier = {s for s, deps in DEPENDS_ON.items() if frontier & set(deps)} - found
        found |= frontier
    return found


def _depth_below(service: str) -> int:
    deps = DEPENDS_ON[service]
    return 0 if not deps else 1 + max(_depth_below(d) for d in deps)


def generate(rng: random.Random, index: int) -> Scenario:
    """One fault scenario with propagation and noise."""
    root, fault = rng.choice(SERVICES), FAULTS[index % len(FAULTS)]
    t0 = rng.randint(30, 40)
    base = {(s, "cpu"): rng.uniform(10, 50) for s in SERVICES}
    base |= {(s, "mem"): rng.uniform(200, 800) for s in SERVICES}
    base |= {(s, "latency"): rng.uniform(5, 80) for s in SERVICES}
    base |= {(s, "error"): rng.uniform(0.1, 1.0) for s in SERVICES}
    sd = {k: v * rng.uniform(0.03, 0.09) if k[1] != "error" else v * rng.uniform(0.1, 0.25) for k, v in base.items()}
    series = {k: [base[k] + rng.gauss(0, sd[k]) for _ in range(POINTS)] for k in base}
    added_lat = {s: [0.0] * POINTS for s in SERVICES}
    added_err = {s: [0.0] * POINTS for s in SERVICES}
    ramp = rng.randint(1, 3)
    changes = []
    for i in range(t0, POINTS):
        level = min(1.0, (i - t0 + 1) / ramp)
        lat0, k = base[(root, "latency")], (root, "cpu")
        if fault == "cpu":
            series[k][i] += level * rng.uniform(30, 50)
            added_lat[root][i] = level * lat0 * 0.6
        elif fault == "memory":
            series[(root, "mem")][i] += base[(root, "mem")] * min(0.8, 0.1 * (i - t0 + 1))  # a leak
            added_lat[root][i] = lat0 * min(0.8, 0.1 * (i - t0 + 1))  # GC pauses
        elif fault == "latency":
            added_lat[root][i] = level * lat0 * 2.0
        elif fault == "error":
            added_err[root][i] = level * 8.0
        else:
            added_err[root][i], added_lat[root][i] = level * 5.0, level * lat0 * 0.5
    if fault == "bad-deploy":
        changes.append((root, t0 - rng.uniform(0.2, 1.5), f"deploy {root} v{rng.randint(2, 90)}"))
    for caller in sorted(callers_of(root), key=_depth_below):  # deepest callers first
        for dep in DEPENDS_ON[caller]:
            delay, gain = rng.randint(0, 1), rng.uniform(0.6, 1.2)
            for i in range(POINTS - delay):
                added_lat[caller][i + delay] += added_lat[dep][i] * gain
                added_err[caller][i + delay] = max(added_err[caller][i + delay], added_err[dep][i] * gain * 0.8)
    for s in SERVICES:
        for i in range(POINTS):
            series[(s, "latency")][i] += added_lat[s][i]
            series[(s, "error")][i] += added_err[s][i]
    _noise(rng, series, base, root, changes)
    ancestors = sorted(callers_of(root))
    alerted = root if not ancestors or rng.random() < 0.2 else rng.choice(ancestors)
    start_index = min(t0 + rng.randint(3, 6), POINTS - 8)
    t_base = 1_700_000_000.0 + index * 100_000
    times = [t_base + i * STEP for i in range(POINTS)]
    return Scenario(root=root, fault=fault, alerted=alerted, times=times, series=series,
                    changes=[(s, t_base + at * STEP, title) for s, at, title in changes],
                    fault_time=times[t0], start=times[start_index])


def _noise(rng: random.Random, series: dict, base: dict, root: str, changes: list) -> None:
    """Spikes, an unrelated sustained anomaly, unrelated changes."""
    for _ in range(rng.randint(1, 3)):
        key, at = rng.choice(list(series)), rng.randint(5, POINTS - 3)
        for i in range(at, at + rng.randint(1, 2)):
            series[key][i] += base[key] * rng.uniform(1.0, 3.0)
    if rng.random() < 0.7:
        other = rng.choice([s for s in SERVICES if s != root])
        metric, onset = rng.choice(("cpu", "mem")), rng.randint(15, POINTS - 5)
        for i in range(onset, POINTS):
            series[(other, metric)][i] += base[(other, metric)] * rng.uniform(0.5, 1.5)
    for _ in range(rng.randint(0, 2)):
        other = rng.choice(SERVICES)
        changes.append((other, rng.uniform(0, POINTS - 1), f"config change on {other}"))


def ours(scenario: Scenario, visible: int) -> list[str]:
    """Our ranking of services: the pipeline's signals and ranking on what was visible."""
    signals: list[Signal] = []
    for (service, metric), values in scenario.series.items():
        points = list(zip(scenario.times[:visible], values[:visible], strict=True))
        signals += metric_signals(ci=service, metric=metric, points=points, start=scenario.start)
    signals += [Signal(id=f"change:{n}", ci=s, kind="change", at=at, text=title)
                for n, (s, at, title) in enumerate(scenario.changes) if at <= scenario.start]
    topology = Topology(depends_on=DEPENDS_ON, seeds=(scenario.alerted,))
    return [h.ci for h in rank(signals, topology, start=scenario.start)]


async def through_pipeline(runtime, scenario: Scenario, visible: int, index: int) -> list[str]:
    """Our ranking through the real RCA step: the scenario stored as a tenant's CMDB, changes, metrics, incident."""
    from datetime import timedelta

    from domain.ai.pipeline.service import pipeline_steps, run_step
    from domain.changes.service import ChangeDraft, create_change
    from domain.cmdb.service import CiDraft, create_ci, create_relationship
    from domain.incidents.service import NewIncident, create_incident
    from domain.tenants.service import provision_tenant
    from domain.uow import fetch_sql

    async with runtime.db.transaction(tenant_id=None) as tx:
        tenant = await provision_tenant(tx, name=f"RCA {index}", slug=f"rca-{uuid.uuid4().hex[:10]}",
                                        admin_email="rca@bench.example.com", admin_password="a-long-bench-password",
                                        plan="enterprise")
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title=f"{scenario.alerted} degraded", severity="SEV2",
                                                             services=[scenario.alerted], source="alert"), actor="b")
        opened = incident.created_at

        def at(t: float):
            return opened + timedelta(seconds=t - scenario.start)

        ids = {s: (await create_ci(tx, draft=CiDraft(class_key="application_service", name=s), actor="b")).id
               for s in SERVICES}
        for source, deps in DEPENDS_ON.items():
            for target in deps:
                await create_relationship(tx, type="depends_on", source_id=ids[source], target_id=ids[target],
                                          actor="b")
        for service, when, title in scenario.changes:
            if when <= scenario.start:
                await create_change(tx, draft=ChangeDraft(title=title, type="normal", ci_ids=[ids[service]],
                                                          planned_start=at(when), planned_end=at(when + 3600)),
                                    requester_id=None, actor="b")
        rows = [(service, metric, at(t), value) for (service, metric), values in scenario.series.items()
                for t, value in zip(scenario.times[:visible], values[:visible], strict=True)]
        await fetch_sql(tx.session, (
            "INSERT INTO metric_points (tenant_id, name, ts, series, kind, value, service, labels) "
            "SELECT $1, m, ts, md5(s || m), 'gauge', v, s, '{}'::jsonb "
            "FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::float8[]) AS u(s, m, ts, v)"),
            tx.tenant_id, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows])
    await run_step(db=runtime.db, gateway=runtime.ai, tenant_id=tenant.tenant_id, incident_id=incident.id, step="rca")
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        rca = next(r for r in await pipeline_steps(tx, incident_id=incident.id) if r.step == "rca")
    if rca.status != "done":
        raise RuntimeError(f"the RCA step did not complete: {rca.error}")
    return [h["ci"] for h in rca.result["hypotheses"]]


def _load_baro():
    import RCAEval

    path = Path(RCAEval.__file__).parent / "e2e" / "baro.py"  # the package's __init__ pulls every method's deps
    spec = importlib.util.spec_from_file_location("rcaeval_baro", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.baro


def peer(baro, scenario: Scenario, visible: int) -> list[str]:
    """BARO's ranking of services on the same series (true fault time given as inject_time)."""
    import pandas as pd

    frame = pd.DataFrame({"time": scenario.times[:visible]} | {
        f"{s}_{m}": values[:visible] for (s, m), values in sorted(scenario.series.items())})
    ranked = baro(frame, inject_time=scenario.fault_time, dataset="atlas-synthetic")["ranks"]
    return list(dict.fromkeys(column.rsplit("_", 1)[0] for column in ranked))


def accuracy(rankings: list[tuple[str, list[str]]], k: int) -> float:
    return sum(root in ranked[:k] for root, ranked in rankings) / len(rankings)


async def measure(settings, args) -> tuple[list, list, list, dict]:
    from atlas.runtime import Runtime

    rng, baro = random.Random(args.seed), _load_baro()
    runtime = await Runtime.open(settings)
    mine, direct, theirs, by_fault = [], [], [], {}
    try:
        for index in range(args.scenarios):
            scenario = generate(rng, index)
            visible = scenario.times.index(scenario.start) + 6
            mine.append((scenario.root, await through_pipeline(runtime, scenario, visible, index)))
            direct.append((scenario.root, ours(scenario, visible)))
            theirs.append((scenario.root, peer(baro, scenario, visible)))
            by_fault.setdefault(scenario.fault, []).append(mine[-1][1][:1] == [scenario.root])
    finally:
        await runtime.close()
    return mine, direct, theirs, by_fault


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026, help="2026 is the reported seed; 7 the development one")
    parser.add_argument("--scenarios", type=int, default=100)
    args = parser.parse_args()
    with live_servers() as settings:
        mine, direct, theirs, by_fault = asyncio.run(measure(settings, args))
    figures = {f"ac_at_{k}": round(accuracy(mine, k), 4) for k in (1, 3, 5)}
    figures |= {f"peer_ac_at_{k}": round(accuracy(theirs, k), 4) for k in (1, 3, 5)}
    figures["ours_direct_ac_at_1"] = round(accuracy(direct, 1), 4)
    avg5 = sum(accuracy(mine, k) for k in range(1, 6)) / 5
    peer_avg5 = sum(accuracy(theirs, k) for k in range(1, 6)) / 5
    print(f"{args.scenarios} scenarios, seed {args.seed}: ours AC@1 {figures['ac_at_1']:.3f} AC@3 "
          f"{figures['ac_at_3']:.3f} Avg@5 {avg5:.3f}; BARO AC@1 {figures['peer_ac_at_1']:.3f} AC@3 "
          f"{figures['peer_ac_at_3']:.3f} Avg@5 {peer_avg5:.3f}; ours AC@1 by fault "
          + ", ".join(f"{f} {sum(h) / len(h):.2f}" for f, h in sorted(by_fault.items())))
    report(bench="rca", metric="AC@1 (root cause ranked first)", unit="fraction", ours=figures["ac_at_1"],
           peer=figures["peer_ac_at_1"], better="higher",
           peer_is="BARO (RCAEval.e2e.baro) on the same series, given the true fault time", seed=args.seed,
           scenarios=args.scenarios, avg_at_5=round(avg5, 4), peer_avg_at_5=round(peer_avg5, 4), **figures)


if __name__ == "__main__":
    main()
