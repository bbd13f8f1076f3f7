"""Resident memory per idle `incidentChanged` subscriber, against a bare websocket connection.

Ours: a fresh `atlas serve` process; 1,000 graphql-transport-ws connections, each authenticated in
connection_init and subscribed to `incidentChanged`, then left idle. Peer: a fresh minimal
Starlette app on the same uvicorn (bench/raw_broadcast.py) holding 1,000 bare websocket
connections with nothing subscribed. For each: the server process's RSS after 20 warm-up
connections, then after 1,000 more, settled; memory per connection = the difference / 1,000.
Every round starts both servers afresh (a process never returns freed memory, so re-use would
flatter the second measurement), alternating which goes first; medians of the rounds. Our
subscribers are checked to be live afterwards: one incident change must reach all of them.
Goal: ours <= 1.5 x the bare connection, per connection.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psutil
import websockets
from harness import live_servers, report

from atlas.runtime import Runtime
from domain.incidents.service import NewIncident, create_incident
from domain.tenants.service import provision_tenant

CONNECTIONS, WARMUP, ROUNDS = 1_000, 20, int(os.environ.get("BENCH_ROUNDS", 3))
HERE = Path(__file__).resolve().parent
DOC = "subscription { incidentChanged { seq kind incident { id title status } } }"


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _more_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))


def _spawn(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], env={**os.environ, "ATLAS_LOG_LEVEL": "warning"},
                            stdout=subprocess.DEVNULL, preexec_fn=_more_files,
                            stderr=None if os.environ.get("BENCH_DEBUG") else subprocess.DEVNULL)


async def _start(args: list[str], health: str) -> subprocess.Popen:
    child = _spawn(args)
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            try:
                if (await http.get(health)).status_code in (200, 404):
                    return child
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    child.kill()
    raise RuntimeError(f"{args} did not come up")


def _rss(pid: int) -> int:
    return psutil.Process(pid).memory_info().rss


async def _settled_rss(pid: int) -> int:
    """RSS once it has stopped moving (the server has finished setting the connections up)."""
    last, steady = _rss(pid), 0
    while steady < 4:
        await asyncio.sleep(0.5)
        now = _rss(pid)
        steady = steady + 1 if abs(now - last) < 64 * 1024 else 0
        last = now
    return last


async def _subscriber(url: str, headers: dict):
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"], max_queue=None)
    await ws.send(json.dumps({"type": "connection_init", "payload": headers}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": DOC}}))
    return ws


async def _bare(url: str):
    return await websockets.connect(url, max_queue=None)


async def _open(count: int, connect) -> list:
    sockets = []
    for start in range(0, count, 50):
        sockets += await asyncio.gather(*(connect() for _ in range(min(50, count - start))))
    return sockets


async def _per_connection(pid: int, connect) -> tuple[float, list]:
    held = await _open(WARMUP, connect)
    before = await _settled_rss(pid)
    held += await _open(CONNECTIONS, connect)
    after = await _settled_rss(pid)
    return (after - before) / CONNECTIONS, held


async def _all_receive(sockets: list, change) -> None:
    """One incident change reaches every subscriber (they really are subscribed)."""
    await change()
    replies = await asyncio.gather(*(asyncio.wait_for(ws.recv(), 30) for ws in sockets))
    assert all(json.loads(reply)["type"] == "next" for reply in replies)


async def _close(sockets: list) -> None:
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


async def _setup(runtime: Runtime):
    async with runtime.db.transaction(tenant_id=None) as tx:
        made = await provision_tenant(tx, name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}",
                                      admin_email="bench@bench.example.com", admin_password="bench-password",
                                      plan="enterprise")
    grant = await runtime.tokens.password_grant(username="bench@bench.example.com", password="bench-password",
                                                tenant=made.slug, address="bench")
    headers = {"authorization": f"Bearer {grant.access_token}", "x-tenant-id": str(made.tenant_id)}

    async def change() -> None:
        async with runtime.db.transaction(tenant_id=made.tenant_id) as tx:
            await create_incident(tx, new=NewIncident(title="memory bench", severity="SEV3"), actor="bench")

    return headers, change


async def _round_ours(settings, headers: dict, change) -> float:
    port = _free_port()
    child = await _start(["-m", "atlas", "serve", "--data-dir", str(settings.data_dir), "--port", str(port)],
                         f"http://127.0.0.1:{port}/healthz")
    try:
        url = f"ws://127.0.0.1:{port}/graphql"
        per, sockets = await _per_connection(child.pid, lambda: _subscriber(url, headers))
        await _all_receive(sockets, change)
        await _close(sockets)
        return per
    finally:
        child.terminate()
        child.wait(15)


async def _round_peer(settings) -> float:
    port = _free_port()
    child = await _start([str(HERE / "raw_broadcast.py"), settings.redis_url, str(port)],
                         f"http://127.0.0.1:{port}/")
    try:
        per, sockets = await _per_connection(child.pid, lambda: _bare(f"ws://127.0.0.1:{port}/ws"))
        await _close(sockets)
        return per
    finally:
        child.terminate()
        child.wait(15)


async def measure(settings) -> tuple[list[float], list[float]]:
    _more_files()
    runtime = await Runtime.open(settings)
    headers, change = await _setup(runtime)
    ours, peer = [], []
    try:
        for index in range(ROUNDS):
            order = [("ours", lambda: _round_ours(settings, headers, change)), ("peer", lambda: _round_peer(settings))]
            for name, run in order if index % 2 == 0 else order[::-1]:
                began = time.perf_counter()
                (ours if name == "ours" else peer).append(await run())
                print(f"round {index + 1} {name}: {(ours if name == 'ours' else peer)[-1] / 1024:.1f} KiB per "
                      f"connection ({time.perf_counter() - began:.0f} s)", flush=True)
    finally:
        await runtime.close()
    return ours, peer


def main() -> None:
    with live_servers() as settings:
        ours, peer = asyncio.run(measure(settings))
    ours_kib, peer_kib = statistics.median(ours) / 1024, statistics.median(peer) / 1024
    report(bench="subscriber_memory", metric=f"resident memory per idle incidentChanged subscriber ({CONNECTIONS} "
                                             "connections)", unit="KiB", ours=ours_kib, peer=peer_kib, better="lower",
           peer_is="bare websocket connections (uvicorn + Starlette, bench/raw_broadcast.py), nothing subscribed",
           ours_rounds_kib=[round(v / 1024, 1) for v in ours], peer_rounds_kib=[round(v / 1024, 1) for v in peer],
           goal="ours <= 1.5 x peer per connection")


if __name__ == "__main__":
    main()
