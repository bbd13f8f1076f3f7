"""Alert-to-page latency: from an event arriving at ingest to the first page at a local SMTP server and
a local webhook receiver.

A real `atlas serve` and `atlas worker` share embedded servers. An event rule opens one incident per
host for the `checkout` service, whose escalation policy pages one person by email and by a signed
webhook (both at once). For each of 200 events: POST it to /api/ingest/events and wait until both
the email (aiosmtpd) and the webhook POST (a plain asyncio HTTP receiver) for that host arrived.

Peer: the transport floor, measured alternately in the same run: the bench itself sends the same two
deliveries straight to the same SMTP server and webhook receiver (aiosmtplib + httpx), no platform.
"""

from __future__ import annotations

import asyncio
import email
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from email.message import EmailMessage

import aiosmtplib
import httpx
from aiosmtpd.controller import Controller
from harness import live_servers, report

from atlas.runtime import Runtime
from domain.alerting.rules import RuleDefinition, create_rule
from domain.alerting.settings import AlertingPolicy, save_policy
from domain.alerting.targets import create_target
from domain.apikeys.service import create_api_key
from domain.auth.principals import user_principal
from domain.paging.policies import add_notification_rule, create_policy, set_service_policy
from domain.tenants.service import provision_tenant

SAMPLES, WARMUP = 200, 5


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Arrivals:
    """When each host's email and webhook arrived (perf_counter), fed from two servers."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop, self.seen, self.changed = loop, {}, asyncio.Event()

    def arrived(self, channel: str, text: str) -> None:
        for word in text.replace('"', " ").replace(":", " ").split():
            word = word.strip(",.;")
            if word.startswith("host=host-"):
                at = time.perf_counter()
                self.loop.call_soon_threadsafe(self._record, (channel, word.removeprefix("host=")), at)

    def _record(self, key, at) -> None:
        self.seen.setdefault(key, at)
        self.changed.set()

    async def both(self, host: str) -> float:
        while ("email", host) not in self.seen or ("webhook", host) not in self.seen:
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), 10)
            except TimeoutError:
                raise TimeoutError(f"no page for {host} within 10 s; arrived: {sorted(self.seen)[-4:]}") from None
        return max(self.seen["email", host], self.seen["webhook", host])

    async def handle_DATA(self, server, session, envelope):
        self.arrived("email", email.message_from_bytes(envelope.content)["Subject"] or "")
        return "250 OK"


async def _receiver(arrivals: Arrivals, port: int) -> asyncio.AbstractServer:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length")), 0)
                body = await reader.readexactly(length)
                if b"incident.paged" in head or b"bench-peer" in head:
                    arrivals.arrived("webhook", body.decode())
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", port)


async def _setup(runtime: Runtime, hook_port: int) -> str:
    slug = f"page-{uuid.uuid4().hex[:8]}"
    async with runtime.db.transaction(tenant_id=None) as tx:
        tenant = await provision_tenant(tx, name="Paging", slug=slug, admin_email=f"p@{slug}.example.com",
                                        admin_password="bench-password", plan="enterprise")
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
        key = await create_api_key(tx, name="page", kind="ingest", roles=["agent"], expires_at=None, actor=owner)
        await save_policy(tx, policy=AlertingPolicy(group_by="off"), actor="bench")  # one incident per host
        await create_rule(tx, actor="bench", definition=RuleDefinition(
            name="host down", kind="event", severity="SEV1", condition="event.source == 'probe'", service="checkout",
            group_by=["host"], fingerprint_template="{rule}:{host}"))
        target = await create_target(tx, name="pager", url=f"http://127.0.0.1:{hook_port}/hook",
                                     seal=runtime.sealer.seal, actor="bench", event_types=["incident.closed"])
        policy = await create_policy(tx, name="checkout", levels=[{"timeout_seconds": 600, "targets": [
            {"kind": "user", "id": str(tenant.admin_user_id)}]}])
        await set_service_policy(tx, service="checkout", policy_id=policy.id)
        for channel, address in (("email", f"p@{slug}.example.com"), ("webhook", str(target.target.id))):
            await add_notification_rule(tx, user_id=tenant.admin_user_id, urgency="high", channel=channel,
                                        address=address)
    return str(key.credential)


async def _measure(base: str, key: str, smtp_port: int, hook_port: int, arrivals: Arrivals) -> tuple[list, list]:
    ours, peer = [], []
    async with httpx.AsyncClient(base_url=base) as http, httpx.AsyncClient() as direct:
        for n in range(SAMPLES + WARMUP):
            host = f"host-{n}"
            started = time.perf_counter()
            answer = await http.post("/api/ingest/events", headers={"X-Api-Key": key}, json={"events": [
                {"source": "probe", "severity": "critical", "title": "down", "host": host}]})
            answer.raise_for_status()
            ours_ms = (await arrivals.both(host) - started) * 1000
            peer_host = f"host-peer-{n}"
            started = time.perf_counter()
            mail = EmailMessage()
            mail["From"], mail["To"] = "b@bench", "p@bench"
            mail["Subject"] = f"[SEV1] INC-0: host down: host={peer_host}"
            mail.set_content("peer")
            await asyncio.gather(aiosmtplib.send(mail, hostname="127.0.0.1", port=smtp_port),
                                 direct.post(f"http://127.0.0.1:{hook_port}/hook", headers={"x-bench-peer": "1"},
                                             content=json.dumps({"host": f"host={peer_host}"})))
            peer_ms = (await arrivals.both(peer_host) - started) * 1000
            if n >= WARMUP:
                ours.append(ours_ms)
                peer.append(peer_ms)
    return sorted(ours), sorted(peer)


def _quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


async def _prepare(settings, hook_port: int) -> str:
    runtime = await Runtime.open(settings)
    try:
        return await _setup(runtime, hook_port)
    finally:
        await runtime.close()


async def _run(base: str, key: str, smtp_port: int, hook_port: int) -> tuple[list, list]:
    arrivals = Arrivals(asyncio.get_running_loop())
    smtp = Controller(arrivals, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    receiver = await _receiver(arrivals, hook_port)
    try:
        return await _measure(base, key, smtp_port, hook_port, arrivals)
    finally:
        receiver.close()
        smtp.stop()


def _wait_ready(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/readyz").json()["checks"]["worker"] == "ok":
                return
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.2)


def main() -> None:
    with live_servers() as settings:
        port, smtp_port, hook_port, data_dir = _port(), _port(), _port(), str(settings.data_dir)
        key = asyncio.run(_prepare(settings, hook_port))
        env = {**os.environ, "ATLAS_LOG_LEVEL": "warning", "ATLAS_ENV": "development",
               "ATLAS_SMTP_PORT": str(smtp_port), "ATLAS_PAGING_BURST": "1000", "ATLAS_PUBLIC_URL": f"http://127.0.0.1:{port}"}
        children = [subprocess.Popen([sys.executable, "-m", "atlas", "serve", "--data-dir", data_dir,
                                      "--port", str(port)], env=env),
                    subprocess.Popen([sys.executable, "-m", "atlas", "worker", "--data-dir", data_dir], env=env,
                                     stderr=None if os.environ.get("BENCH_DEBUG") else subprocess.DEVNULL)]
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base)
            ours, peer = asyncio.run(_run(base, key, smtp_port, hook_port))
        finally:
            for child in children:
                child.terminate()
                child.wait(15)
    p50, p99 = _quantile(ours, 0.5), _quantile(ours, 0.99)
    print(f"alert to first page (email and webhook), {len(ours)} incidents: p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
          f"direct delivery p50 {_quantile(peer, 0.5):.1f} ms, p99 {_quantile(peer, 0.99):.1f} ms")
    report(bench="paging", metric="alert-to-page latency p99", unit="ms", ours=p99, peer=_quantile(peer, 0.99),
           peer_is="the transport floor: the same email and webhook sent directly (aiosmtplib + httpx), no platform",
           better="lower", p50_ms=round(p50, 1), p99_ms=round(p99, 1), goal_p99_ms=2000, incidents=len(ours),
           peer_p50_ms=round(_quantile(peer, 0.5), 1))


if __name__ == "__main__":
    main()
