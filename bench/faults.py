"""Fault drills against a running AtlasAI: Valkey killed, PostgreSQL restarted, a worker killed mid-job,
and a time-less batch resent; each under load from agents that send events without pause.

A real `atlas serve` and `atlas worker` run on embedded servers this script owns (and kills). For
each fault it reports the time to recover, events acknowledged (202) against stored, duplicates,
the acknowledged events evaluated by the alert rules within 60 s, and answers other than 202 by
status. The peer, measured in the same Valkey drill and run: the same events stored and queued to
arq right after the commit without the outbox (the previous design, with the rate limiter fixed).
Rounds are repeated (``--rounds``); times are medians, counts are totals. Last line: the JSON result.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
import uuid

import httpx
from faults_lab import (
    Agents,
    Receiver,
    Tenant,
    alerting_tenant,
    event,
    free_port,
    kill,
    lab_servers,
    ready,
    start_atlas,
    wait_for,
)
from harness import report

from atlas.runtime import Runtime
from domain import clock
from domain.outages import DATABASE_DOWN, REDIS_DOWN
from domain.telemetry import pipeline
from domain.telemetry.envelope import parse_envelope
from domain.telemetry.ingest import store_batch
from domain.uow import fetch_sql

SERVICES = ["checkout", "payments", "search", "catalog"]
WITHIN = 60.0


async def counts(runtime: Runtime, tenant: Tenant, ids: list[str]) -> dict[str, int]:
    """Stored rows, distinct ids and ids evaluated by a rule (an alert counted them), of these event ids."""
    for _ in range(20):  # the first queries after a PostgreSQL restart may meet dead pooled connections
        try:
            async with runtime.db.transaction(tenant_id=tenant.id) as tx:
                row = (await fetch_sql(tx.session, (
                    "SELECT count(*) AS rows, count(DISTINCT e.dedup_key) AS stored, count(DISTINCT e.dedup_key) "
                    "FILTER (WHERE EXISTS (SELECT 1 FROM alert_events a WHERE a.tenant_id = e.tenant_id "
                    "AND a.event_id = e.id)) AS evaluated FROM events e WHERE e.tenant_id = $1 "
                    "AND e.dedup_key = ANY($2)"), tenant.id, ids))[0]
                incidents = (await fetch_sql(tx.session, "SELECT count(*) - count(DISTINCT fingerprint) AS extra "
                                             "FROM incidents WHERE tenant_id = $1", tenant.id))[0]["extra"]
            return {**dict(row), "duplicate_incidents": incidents}
        except DATABASE_DOWN:
            await asyncio.sleep(0.25)
    raise RuntimeError("the database did not come back")


async def until_evaluated(runtime, tenant, ids: list[str], since: float) -> float | None:
    """Seconds from ``since`` until every id is evaluated; None if not within 60 s of it."""
    done = await wait_for(lambda: _all_evaluated(runtime, tenant, ids), timeout=WITHIN - (time.monotonic() - since),
                          every=0.25)
    return time.monotonic() - since if done else None


async def _all_evaluated(runtime, tenant, ids) -> bool:
    return (await counts(runtime, tenant, ids))["evaluated"] == len(set(ids))


async def peer_agent(runtime: Runtime, tenant: Tenant, stop: asyncio.Event, acknowledged: list[str]) -> None:
    """The previous design: store, answer 202, then enqueue to arq after the commit (lost when Redis is down)."""
    sent = 0
    while not stop.is_set():
        event_id = f"peer-{uuid.uuid4().hex[:12]}"
        batch = parse_envelope({"events": [event(event_id, SERVICES[sent % len(SERVICES)])]})
        sent += 1
        try:
            async with runtime.db.transaction(tenant_id=tenant.id) as tx:
                stored = await store_batch(tx, batch, now=clock.now(), retention_days=30)
        except DATABASE_DOWN:
            continue
        acknowledged.append(event_id)
        with contextlib.suppress(*REDIS_DOWN):  # it logged the failure and moved on
            await runtime.redis.enqueue_job("telemetry_ingested", tenant_id=str(tenant.id),
                                            **pipeline.job_arguments(stored.events))
        await asyncio.sleep(0.02)


async def valkey_drill(lab, outage: float = 3.0) -> dict:
    agents = Agents(lab.base, lab.tenant, SERVICES)
    stop, peer_acked = asyncio.Event(), []
    peer = asyncio.create_task(peer_agent(lab.runtime, lab.peer, stop, peer_acked))
    agents.start()
    await asyncio.sleep(2)
    lab.servers._valkey._process.kill()
    await asyncio.sleep(outage)
    await asyncio.to_thread(lab.servers.restart_valkey)
    back = time.monotonic()
    agents.watch_recovery()
    readiness = asyncio.create_task(_ready_after(lab.base, back))
    await asyncio.sleep(2)
    await agents.stop()
    stop.set()
    await peer
    drained = await until_evaluated(lab.runtime, lab.tenant, agents.acknowledged, back)
    await asyncio.sleep(2)  # the peer's queued jobs run as fast as ours
    ours, theirs = (await counts(lab.runtime, lab.tenant, agents.acknowledged),
                    await counts(lab.runtime, lab.peer, peer_acked))
    return {"ready_s": await readiness, "drained_s": drained, "acknowledged": len(agents.acknowledged), **ours,
            "errors": agents.errors(), "worker_alive": lab.worker.poll() is None,
            "peer_acknowledged": len(peer_acked), "peer_evaluated": theirs["evaluated"]}


async def _ready_after(base: str, since: float) -> float | None:
    """Seconds from ``since`` until /readyz is 200 with a worker seen; None if not within 60 s."""
    return time.monotonic() - since if await wait_for(lambda: ready(base), timeout=WITHIN) else None


async def postgres_drill(lab, outage: float = 2.0) -> dict:
    agents = Agents(lab.base, lab.tenant, SERVICES)
    agents.start()
    await asyncio.sleep(2)
    await asyncio.to_thread(lab.servers.stop_postgres, mode="fast")
    await asyncio.sleep(outage)
    await asyncio.to_thread(lab.servers.restart_postgres)
    back = time.monotonic()
    agents.watch_recovery()
    readiness = asyncio.create_task(_ready_after(lab.base, back))
    await asyncio.sleep(2)
    await agents.stop()
    drained = await until_evaluated(lab.runtime, lab.tenant, agents.acknowledged, back)
    figures = await counts(lab.runtime, lab.tenant, agents.acknowledged)
    return {"recover_s": agents.first_202_after, "ready_s": await readiness, "drained_s": drained,
            "acknowledged": len(agents.acknowledged), **figures, "errors": agents.errors()}


async def worker_kill_drill(lab, round_no: int) -> dict:
    services = [f"k{round_no}-{n}" for n in range(4)]
    agents = Agents(lab.base, lab.tenant, SERVICES, count=2)
    lab.receiver.released.clear()
    before = len(lab.receiver.ids)
    agents.start()
    async with httpx.AsyncClient(base_url=lab.base, headers={"X-Api-Key": lab.tenant.key}) as http:
        await http.post("/api/ingest/events", json={"events": [event(f"{s}-x", s) for s in services]})
    await wait_for(lambda: len(lab.receiver.ids) - before >= len(services), timeout=30)
    kill(lab.worker)
    killed = time.monotonic()
    lab.receiver.released.set()
    lab.worker = start_atlas(lab.data_dir, "worker")
    delivered = await wait_for(lambda: _delivered(lab, services), timeout=WITHIN, every=0.25)
    picked_up = time.monotonic() - killed if delivered else None
    await agents.stop()
    drained = await until_evaluated(lab.runtime, lab.tenant, agents.acknowledged, killed)
    sent = lab.receiver.ids[before:]
    return {"pickup_s": picked_up, "drained_s": drained, "deliveries": len(services),
            "delivered_within_60s": await _delivered_count(lab, services), "resends": len(sent) - len(set(sent)),
            "acknowledged": len(agents.acknowledged), **await counts(lab.runtime, lab.tenant, agents.acknowledged),
            "errors": agents.errors()}


async def _delivered_count(lab, services: list[str]) -> int:
    async with lab.runtime.db.transaction(tenant_id=lab.tenant.id) as tx:
        rows = await fetch_sql(tx.session, "SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivered' "
                               "AND payload -> 'alert' -> 'labels' ->> 'service' = ANY($1)", services)
    return rows[0]["n"]


async def _delivered(lab, services) -> bool:
    return await _delivered_count(lab, services) == len(services)


async def timeless_resend(lab, size: int = 500) -> dict:
    batch = {"events": [{"source": "agent", "title": f"disk {n} full", "severity": "warning",
                         "id": f"resend-{uuid.uuid4().hex[:8]}-{n}"} for n in range(size)]}
    async with httpx.AsyncClient(base_url=lab.base, headers={"X-Api-Key": lab.tenant.key}) as http:
        first = (await http.post("/api/ingest/events", json=batch)).json()
        await asyncio.sleep(0.05)
        again = (await http.post("/api/ingest/events", json=batch)).json()
    stored = await counts(lab.runtime, lab.tenant, [e["id"] for e in batch["events"]])
    return {"sent": 2 * size, "acknowledged": first["accepted"]["events"] + again["accepted"]["events"],
            "reported_duplicates": again["duplicates"], "stored_rows": stored["rows"], "distinct": stored["stored"]}


class Lab:
    """What the drills share: servers, processes, the bench's own runtime, tenants and the receiver."""

    async def open(self, settings, servers) -> Lab:
        self.servers, self.data_dir = servers, settings.data_dir.resolve()
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.web = start_atlas(self.data_dir, "serve", "--port", str(port))
        self.worker = start_atlas(self.data_dir, "worker")
        self.runtime = await Runtime.open(settings)
        self.receiver = Receiver()
        await self.receiver.serve()
        self.tenant = await alerting_tenant(self.runtime, self.receiver.url)
        self.peer = await alerting_tenant(self.runtime, self.receiver.url)
        if not await wait_for(lambda: ready(self.base), timeout=60):
            raise SystemExit("atlas serve / atlas worker did not become ready")
        return self

    async def close(self) -> None:
        for process in (self.web, self.worker):
            process.terminate()
            process.wait(15)
        await self.runtime.close()


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def _summary(runs: list[dict]) -> dict:
    """Medians of times (keys ending in _s), totals of counts, merged error counts."""
    merged: dict = {}
    for key in runs[0]:
        values = [run[key] for run in runs]
        if key.endswith("_s"):
            merged[key] = _median(values)
            merged[f"{key}_missed"] = sum(v is None for v in values)
        elif key == "errors":
            merged[key] = {s: sum(r.get(s, 0) for r in values) for s in sorted({s for r in values for s in r})}
        elif isinstance(values[0], bool):
            merged[key] = all(values)
        else:
            merged[key] = sum(values)
    return merged


async def drills(settings, servers, rounds: int) -> dict:
    lab = await Lab().open(settings, servers)
    try:
        results = {"valkey_restart": [], "postgres_restart": [], "worker_kill": []}
        for round_no in range(rounds):
            results["valkey_restart"].append(await valkey_drill(lab))
            results["postgres_restart"].append(await postgres_drill(lab))
            results["worker_kill"].append(await worker_kill_drill(lab, round_no))
            print(f"round {round_no + 1}: {results}", flush=True)
        faults = {name: _summary(runs) for name, runs in results.items()}
        faults["timeless_resend"] = await timeless_resend(lab)
        return faults
    finally:
        await lab.close()


def main(rounds: int) -> None:
    with lab_servers() as (settings, servers):
        faults = asyncio.run(drills(settings, servers, rounds))
    for name, figures in faults.items():
        print(f"{name}: {figures}")
    valkey = faults["valkey_restart"]
    report(bench="faults", metric="events acknowledged during a Valkey restart that the alert rules evaluated "
           "within 60 s", unit="%", ours=100 * valkey["evaluated"] / valkey["acknowledged"],
           peer=100 * valkey["peer_evaluated"] / valkey["peer_acknowledged"],
           peer_is="the same events queued to arq right after the commit, without the outbox (the previous design)",
           better="higher", rounds=rounds, faults=faults)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    main(parser.parse_args().rounds)
