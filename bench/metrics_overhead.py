"""Requests per second of `incidents(first: 50)` with metrics, JSON logs and tracing on vs all off.

Ours: the app as production runs it observed: the request middleware (request id, access log line,
Prometheus histograms), JSON logs at info level and an OTLP span per request exported in the
background to a local collector. Peer: the same app with ATLAS_METRICS=false, no tracing and logs at
warning (nothing logged per request). Same process, same data, alternating rounds; logs go to
/dev/null so the terminal is not measured. Goal: at most 5% fewer requests per second (ratio >= 0.95).
"""

from __future__ import annotations

import asyncio
import http.server
import os
import threading
import time
import uuid
from dataclasses import replace

import httpx
from harness import alternate, live_servers, median, report

from atlas.asgi import create_app
from atlas.logs import configure_logging
from atlas.runtime import Runtime
from domain.incidents.service import NewIncident, create_incident
from domain.tenants.service import provision_tenant

ROWS, REQUESTS, CONCURRENCY, ROUNDS = 200, 400, 8, 7
QUERY = "query Incidents { incidents(first: 50) { edges { node { id number title status severity createdAt } } } }"


class Collector(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP endpoint that accepts and drops what it is sent."""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args):
        pass


def start_collector() -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


async def seed(settings) -> dict:
    runtime = await Runtime.open(settings)
    try:
        slug = f"bench-{uuid.uuid4().hex[:8]}"
        async with runtime.db.transaction(tenant_id=None) as tx:
            made = await provision_tenant(tx, name="Bench", slug=slug, admin_email="bench@bench.example.com",
                                          admin_password="bench-password", plan="enterprise")
        async with runtime.db.transaction(tenant_id=made.tenant_id) as tx:
            for n in range(ROWS):
                await create_incident(tx, new=NewIncident(title=f"Incident {n}", severity="SEV3", services=["api"]),
                                      actor="bench")
        grant = await runtime.tokens.password_grant(username="bench@bench.example.com", password="bench-password",
                                                    tenant=slug, address="bench")
        return {"Authorization": f"Bearer {grant.access_token}", "x-tenant-id": str(made.tenant_id)}
    finally:
        await runtime.close()


def throughput(client: httpx.AsyncClient, headers: dict, logging_setup):
    async def run() -> float:
        logging_setup()
        per_worker = REQUESTS // CONCURRENCY

        async def worker():
            for _ in range(per_worker):
                response = await client.post("/graphql", json={"query": QUERY, "operationName": "Incidents"},
                                             headers=headers)
                assert response.status_code == 200 and "errors" not in response.json(), response.text

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return -(per_worker * CONCURRENCY) / (time.perf_counter() - started)  # negative: alternate() keeps it

    return run


async def measure(settings, devnull) -> tuple[list[float], list[float]]:
    headers = await seed(settings)
    observed = create_app(replace(settings, metrics=True, otlp_endpoint=start_collector()))
    quiet = create_app(replace(settings, metrics=False, otlp_endpoint=None))
    async with observed.router.lifespan_context(observed), quiet.router.lifespan_context(quiet):
        async with (httpx.AsyncClient(transport=httpx.ASGITransport(app=observed), base_url="http://o") as on,
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=quiet), base_url="http://q") as off):
            ours, peer = await alternate(
                throughput(on, headers, lambda: configure_logging("info", "json", devnull)),
                throughput(off, headers, lambda: configure_logging("warning", "text", devnull)),
                rounds=ROUNDS)
    return ours, peer


def main() -> None:
    with live_servers() as settings, open(os.devnull, "w") as devnull:
        ours, peer = asyncio.run(measure(settings, devnull))
    report(bench="metrics_overhead", metric="incidents(first:50) requests per second, observed vs not",
           unit="requests/s", ours=-median(ours), peer=-median(peer),
           peer_is="the same app with metrics, request logs and tracing off", better="higher",
           requests_per_round=REQUESTS, concurrency=CONCURRENCY)


if __name__ == "__main__":
    main()
