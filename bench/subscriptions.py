"""Delivery latency of incident changes to 200 subscribers on a second instance.

Ours: a mutation on instance A commits a change and publishes it; 200 graphql-transport-ws
subscribers of `incidentChanged` on instance B receive it. Peer: the raw path, a message published
to Redis and forwarded by a minimal websocket broadcaster to 200 sockets. Both latencies run from
the moment the message appears on Redis (seen by a listener in this process) to each subscriber's
receipt: the delivery path, not the write. Same machine, same Redis, alternating.
Goal: our p99 within 1.5x the raw p99 + 5 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import websockets
from harness import live_servers, report
from redis.asyncio import Redis

from atlas.runtime import Runtime
from domain.incidents.service import NewIncident, create_incident
from domain.tenants.service import provision_tenant

SUBSCRIBERS = 200
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 30))
WARMUP = 3
HERE = Path(__file__).resolve().parent
DOC = "subscription { incidentChanged { seq kind incident { id title status } } }"
COMMENT = 'mutation($id: ID!, $b: String!) { commentOnIncident(id: $id, body: $b) { __typename } }'


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], env={**os.environ, "ATLAS_LOG_LEVEL": "warning"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _wait_http(url: str) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                if (await http.get(url)).status_code in (200, 404):
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


class Published:
    """Timestamps when each published message shows up on Redis (the start of delivery)."""

    def __init__(self) -> None:
        self.seen: list[float] = []

    async def follow(self, redis: Redis, channels: list[str]) -> None:
        pubsub = redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(*channels)
        async for message in pubsub.listen():
            if message["type"] == "message":
                self.seen.append(time.perf_counter())


class Receivers:
    """N websocket clients that timestamp every message they receive."""

    def __init__(self, published: Published) -> None:
        self.published = published
        self.received: list[list[float]] = []
        self.tasks: list[asyncio.Task] = []

    async def read(self, index: int, ws) -> None:
        async for _ in ws:
            self.received[index].append(time.perf_counter())

    def start(self, sockets) -> None:
        self.received = [[] for _ in sockets]
        self.tasks = [asyncio.create_task(self.read(i, ws)) for i, ws in enumerate(sockets)]

    async def round(self, send) -> list[float]:
        """Send one change; latencies from its appearance on Redis to each subscriber's receipt."""
        counts, before = [len(r) for r in self.received], len(self.published.seen)
        await send()
        while len(self.published.seen) <= before or any(
                len(r) <= c for r, c in zip(self.received, counts, strict=True)):
            await asyncio.sleep(0.0005)
        started = self.published.seen[before]
        return [r[c] - started for r, c in zip(self.received, counts, strict=True)]


async def _graphql_subscribers(url: str, headers: dict) -> list:
    sockets = []
    for _ in range(SUBSCRIBERS):
        ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"], max_queue=None)
        await ws.send(json.dumps({"type": "connection_init", "payload": headers}))
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": DOC}}))
        sockets.append(ws)
    return sockets


async def _setup(runtime: Runtime):
    async with runtime.db.transaction(tenant_id=None) as tx:
        made = await provision_tenant(tx, name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}",
                                      admin_email="bench@bench.example.com", admin_password="bench-password",
                                      plan="enterprise")
    async with runtime.db.transaction(tenant_id=made.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title="bench", severity="SEV3"), actor="bench")
    grant = await runtime.tokens.password_grant(username="bench@bench.example.com", password="bench-password",
                                                tenant=made.slug, address="bench")
    return str(incident.id), {"authorization": f"Bearer {grant.access_token}", "x-tenant-id": str(made.tenant_id)}


async def measure(settings) -> tuple[list[float], list[float]]:
    runtime = await Runtime.open(settings)
    incident_id, headers = await _setup(runtime)
    ports = [_free_port() for _ in range(3)]
    data_dir = str(settings.data_dir)
    children = [_spawn("-m", "atlas", "serve", "--data-dir", data_dir, "--port", str(p)) for p in ports[:2]]
    children.append(_spawn(str(HERE / "raw_broadcast.py"), settings.redis_url, str(ports[2])))
    if os.environ.get("BENCH_DEBUG"):
        print("instance B pid", children[1].pid, flush=True)
    redis = Redis.from_url(settings.redis_url)
    try:
        for port in ports[:2]:
            await _wait_http(f"http://127.0.0.1:{port}/healthz")
        await asyncio.sleep(1.0)
        published = Published()
        follower = asyncio.create_task(published.follow(Redis.from_url(settings.redis_url),
                                                        [f"atlas:incidents:{headers['x-tenant-id']}", "bench:raw"]))
        ours, peer = Receivers(published), Receivers(published)
        ours.start(await _graphql_subscribers(f"ws://127.0.0.1:{ports[1]}/graphql", headers))
        peer.start([await websockets.connect(f"ws://127.0.0.1:{ports[2]}/ws") for _ in range(SUBSCRIBERS)])
        await asyncio.sleep(1.0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[0]}", headers=headers) as http:
            async def send_ours():
                started = time.perf_counter()
                await http.post("/graphql", json={"query": COMMENT, "variables": {"id": incident_id, "b": "x"}})
                if os.environ.get("BENCH_DEBUG"):
                    print(f"mutation {(time.perf_counter() - started) * 1000:.1f} ms")

            async def send_peer():
                await redis.publish("bench:raw", json.dumps({"data": {"incidentChanged": {"seq": 1}}}))

            ours_latencies, peer_latencies = [], []
            for index in range(WARMUP + ROUNDS):
                pair = [(ours, send_ours, ours_latencies), (peer, send_peer, peer_latencies)]
                for receivers, send, sink in (pair if index % 2 == 0 else pair[::-1]):
                    latencies = await receivers.round(send)
                    if index >= WARMUP:
                        sink.extend(latencies)
                        if os.environ.get("BENCH_DEBUG"):
                            print(receivers is ours, f"first {min(latencies)*1000:.1f} last {max(latencies)*1000:.1f}")
        follower.cancel()
        return ours_latencies, peer_latencies
    finally:
        for child in children:
            child.terminate()
        await redis.aclose()
        await runtime.close()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    with live_servers() as settings:
        ours, peer = asyncio.run(measure(settings))
    ours_p50, ours_p99 = _percentile(ours, 50) * 1000, _percentile(ours, 99) * 1000
    peer_p50, peer_p99 = _percentile(peer, 50) * 1000, _percentile(peer, 99) * 1000
    print(f"ours: p50 {ours_p50:.1f} ms p99 {ours_p99:.1f} ms; raw: p50 {peer_p50:.1f} ms p99 {peer_p99:.1f} ms")
    report(bench="subscriptions", metric=f"p99 delivery latency to {SUBSCRIBERS} subscribers on a second instance",
           unit="ms", ours=ours_p99, peer=peer_p99, better="lower",
           peer_is="raw Redis pub/sub + websocket broadcast (bench/raw_broadcast.py)",
           ours_p50=round(ours_p50, 2), peer_p50=round(peer_p50, 2),
           goal_ms=round(1.5 * peer_p99 + 5, 2), goal="ours p99 <= 1.5 x raw p99 + 5 ms")


if __name__ == "__main__":
    main()
