"""Event-to-incident latency through the running system (used by bench/rules.py).

A real `atlas serve` and `atlas worker` share embedded servers; an event rule (threshold 1, one
incident per host) watches ingest. For each of 40 events: POST it to /api/ingest/events, then wait
for the incident's `created` change on an `incidentChanged` subscription. Latency = from sending
the event to receiving the incident.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid

import httpx
import websockets
from harness import live_servers

from atlas.runtime import Runtime
from domain.alerting.rules import RuleDefinition, create_rule
from domain.apikeys.service import create_api_key
from domain.auth.principals import user_principal
from domain.tenants.service import provision_tenant

SAMPLES = 40
SUBSCRIBE = 'subscription { incidentChanged { kind incident { labels } } }'


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _setup(runtime: Runtime):
    slug = f"lat-{uuid.uuid4().hex[:8]}"
    async with runtime.db.transaction(tenant_id=None) as tx:
        tenant = await provision_tenant(tx, name="Latency", slug=slug, admin_email=f"l@{slug}.example.com",
                                        admin_password="bench-password", plan="enterprise")
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
        key = await create_api_key(tx, name="lat", kind="ingest", roles=["agent"], expires_at=None, actor=owner)
        await create_rule(tx, actor="bench", definition=RuleDefinition(
            name="host down", kind="event", severity="SEV2", condition="event.source == 'probe'",
            group_by=["host"], fingerprint_template="{rule}:{host}"))
    grant = await runtime.tokens.password_grant(username=f"l@{slug}.example.com", password="bench-password",
                                                tenant=slug, address="bench")
    return str(key.credential), {"authorization": f"Bearer {grant.access_token}", "x-tenant-id": str(tenant.tenant_id)}


async def _measure(base: str, key: str, headers: dict) -> list[float]:
    latencies = []
    async with websockets.connect(base.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": headers}))
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        await asyncio.sleep(0.5)
        async with httpx.AsyncClient(base_url=base) as http:
            for n in range(SAMPLES + 3):
                host = f"host-{n}"
                started = time.perf_counter()
                await http.post("/api/ingest/events", headers={"X-Api-Key": key},
                                json={"events": [{"source": "probe", "severity": "critical", "title": "down",
                                                  "host": host}]})
                while True:
                    change = json.loads(await asyncio.wait_for(ws.recv(), 10))["payload"]["data"]["incidentChanged"]
                    if change["kind"] == "created" and change["incident"]["labels"].get("host") == host:
                        break
                if n >= 3:
                    latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def event_to_incident_p99() -> float:
    with live_servers() as settings:
        runtime_key = asyncio.run(_prepare(settings))
        port, data_dir = _port(), str(settings.data_dir)
        env = {**os.environ, "ATLAS_LOG_LEVEL": "warning"}
        children = [subprocess.Popen([sys.executable, "-m", "atlas", "serve", "--data-dir", data_dir,
                                      "--port", str(port)], env=env),
                    subprocess.Popen([sys.executable, "-m", "atlas", "worker", "--data-dir", data_dir], env=env,
                                     stderr=subprocess.DEVNULL)]
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/readyz").json()["checks"]["worker"] == "ok":
                        break
                except (httpx.HTTPError, ValueError, KeyError):
                    pass
                time.sleep(0.2)
            latencies = sorted(asyncio.run(_measure(base, *runtime_key)))
        finally:
            for child in children:
                child.terminate()
                child.wait(15)
    return latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]


async def _prepare(settings):
    runtime = await Runtime.open(settings)
    try:
        return await _setup(runtime)
    finally:
        await runtime.close()
