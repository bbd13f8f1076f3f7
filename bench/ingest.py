"""Ingest throughput: events/s through POST /api/ingest/events vs raw COPY into the same table.

Ours: batches of 500 events of about 1 KB for 3 tenants, posted with an ingest key to a real
`atlas serve --workers 2` (BENCH_WORKERS to change it; 4 requests in flight), validated (msgspec,
falling back to pydantic for item reasons), deduplicated and written with one INSERT per batch
under row-level security.
Peer (the physical limit): the same rows written straight into `events` with asyncpg's
copy_records_to_table as the database superuser (COPY is refused under forced RLS, even to the
owner, so only a role that bypasses RLS can do it). Also reported: OTLP log records/s.
Goal: at least 0.4x of the raw COPY rate (stretch 0.5).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import httpx
from harness import live_servers, median, report

from atlas.dbadmin import plain_dsn, with_database
from atlas.embedded import recorded_addresses
from atlas.runtime import Runtime
from domain.apikeys.service import create_api_key
from domain.auth.principals import user_principal
from domain.tenants.service import provision_tenant

BATCH, BATCHES, IN_FLIGHT, TENANTS, ROUNDS = 500, 60, 4, 3, 5
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))  # `atlas serve --workers`
COLUMNS = ["tenant_id", "occurred_at", "id", "dedup_key", "source", "kind", "severity", "title", "message",
           "service", "host", "attributes", "resource"]


def make_event(n: int) -> dict:
    """About 1 KB of JSON."""
    return {"id": f"evt-{uuid.uuid4().hex}", "source": "edge-agent", "kind": "alert", "severity": "warning",
            "title": f"High error rate on checkout-api instance {n % 40}",
            "message": ("5xx responses above 4% for 5 minutes; upstream payments latency p99 2.4 s; "
                        "connection pool saturation on orders-db replica. ") * 5,
            "service": "checkout-api", "host": f"web-{n % 40}",
            "attributes": {"region": "eu-west-1", "az": f"eu-west-1{'abc'[n % 3]}", "deployment": "v2026.11.26-3",
                           "error_rate": 4.2 + n % 7, "p99_ms": 2400, "pod": f"checkout-{n % 40}-7f9c",
                           "team": "payments", "runbook": "https://runbooks.example.com/checkout-5xx"}}


async def setup_tenants(runtime: Runtime) -> list[tuple[uuid.UUID, str]]:
    made = []
    for _ in range(TENANTS):
        slug = f"bench-{uuid.uuid4().hex[:8]}"
        async with runtime.db.transaction(tenant_id=None) as tx:
            tenant = await provision_tenant(tx, name="Bench", slug=slug, admin_email=f"b@{slug}.example.com",
                                            admin_password="bench-password", plan="enterprise")
        async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
            owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
            key = await create_api_key(tx, name="bench", kind="ingest", roles=["agent"], expires_at=None, actor=owner)
        made.append((tenant.tenant_id, str(key.credential)))
    return made


async def ours(base: str, tenants: list[tuple[uuid.UUID, str]]) -> float:
    bodies = [json.dumps({"resource": {"service.name": "checkout-api"},
                          "events": [make_event(i * BATCH + n) for n in range(BATCH)]}).encode()
              for i in range(BATCHES)]
    queue = asyncio.Queue()
    for index, body in enumerate(bodies):
        queue.put_nowait((tenants[index % len(tenants)][1], body))
    accepted = 0

    async def sender(http: httpx.AsyncClient) -> None:
        nonlocal accepted
        while not queue.empty():
            key, body = queue.get_nowait()
            response = await http.post("/api/ingest/events", content=body,
                                       headers={"X-Api-Key": key, "Content-Type": "application/json"})
            assert response.status_code == 202, response.text
            accepted += response.json()["accepted"]["events"]

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        await asyncio.gather(*(sender(http) for _ in range(IN_FLIGHT)))
    elapsed = time.perf_counter() - started
    assert accepted == BATCH * BATCHES
    return accepted / elapsed


async def peer(superuser_url: str, tenants: list[tuple[uuid.UUID, str]]) -> float:
    now = datetime.now(UTC)
    batches = []
    for i in range(BATCHES):
        tenant_id = tenants[i % len(tenants)][0]
        batches.append([(tenant_id, now, uuid.uuid4(), e["id"], e["source"], e["kind"], e["severity"], e["title"],
                         e["message"], e["service"], e["host"], json.dumps(e["attributes"]),
                         '{"service.name": "checkout-api"}')
                        for e in (make_event(i * BATCH + n) for n in range(BATCH))])
    pool = await asyncpg.create_pool(superuser_url, min_size=IN_FLIGHT, max_size=IN_FLIGHT)
    queue = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)

    async def writer() -> None:
        async with pool.acquire() as conn:
            while not queue.empty():
                await conn.copy_records_to_table("events", records=queue.get_nowait(), columns=COLUMNS)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(IN_FLIGHT)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return BATCH * BATCHES / elapsed


async def otlp_logs_rate(base: str, key: str) -> float:
    from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
    from opentelemetry.proto.common.v1 import common_pb2
    from opentelemetry.proto.logs.v1 import logs_pb2

    now = time.time_ns()
    records = [logs_pb2.LogRecord(time_unix_nano=now, severity_number=9, severity_text="INFO",
                                  body=common_pb2.AnyValue(string_value=f"GET /items/{n} 200 12ms user=42"))
               for n in range(1000)]
    body = logs_service_pb2.ExportLogsServiceRequest(resource_logs=[logs_pb2.ResourceLogs(
        scope_logs=[logs_pb2.ScopeLogs(log_records=records)])]).SerializeToString()
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        async def send():
            for _ in range(5):
                response = await http.post("/v1/logs", content=body, headers={
                    "X-Api-Key": key, "Content-Type": "application/x-protobuf"})
                assert response.status_code == 200
        await asyncio.gather(*(send() for _ in range(IN_FLIGHT)))
    return 1000 * 5 * IN_FLIGHT / (time.perf_counter() - started)


async def measure(settings, superuser_url: str, base: str) -> tuple[list[float], list[float], float]:
    runtime = await Runtime.open(settings)
    tenants = await setup_tenants(runtime)
    await runtime.close()
    ours_rates, peer_rates = [], []
    await ours(base, tenants)  # warm-up
    for index in range(ROUNDS):
        pair = [("ours", lambda: ours(base, tenants)), ("peer", lambda: peer(superuser_url, tenants))]
        for name, run in (pair if index % 2 == 0 else pair[::-1]):
            (ours_rates if name == "ours" else peer_rates).append(await run())
    return ours_rates, peer_rates, await otlp_logs_rate(base, tenants[0][1])


def main() -> None:
    with live_servers() as settings:
        recorded = recorded_addresses(settings.data_dir)
        superuser_url = plain_dsn(with_database(recorded.superuser_url, "atlas"))
        port = 18000 + os.getpid() % 1000
        server = subprocess.Popen([sys.executable, "-m", "atlas", "serve", "--data-dir", str(settings.data_dir),
                                   "--port", str(port), "--workers", str(WORKERS)],
                                  env={**os.environ, "ATLAS_LOG_LEVEL": "warning", "ATLAS_ENV": "production"})
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            ours_rates, peer_rates, otlp_rate = asyncio.run(measure(settings, superuser_url, base))
        finally:
            server.terminate()
            server.wait(10)
    print(f"ours {[round(r) for r in ours_rates]} events/s; raw COPY {[round(r) for r in peer_rates]} events/s; "
          f"OTLP logs {otlp_rate:.0f} records/s")
    report(bench="ingest", metric="events/s through POST /api/ingest/events (500-event batches, ~1 KB each)",
           unit="events/s", ours=median(ours_rates), peer=median(peer_rates), better="higher",
           peer_is="raw asyncpg copy_records_to_table into the same table (superuser, no RLS)",
           otlp_log_records_per_s=round(otlp_rate), web_workers=WORKERS, goal="ratio >= 0.4")


if __name__ == "__main__":
    main()
