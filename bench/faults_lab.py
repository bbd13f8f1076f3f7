"""The fault drills' lab (used by bench/faults.py): its own embedded servers, real `atlas serve` and
`atlas worker` processes, agents sending events without pause, a webhook receiver, and the counts."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import uvicorn
from harness import ROOT
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from atlas.embedded import EmbeddedServices
from atlas.migrate import run_migrations
from atlas.services import own_services
from atlas.settings import Settings, load_settings
from domain.alerting.rules import RuleDefinition, create_rule
from domain.alerting.targets import create_target
from domain.apikeys.service import create_api_key
from domain.auth.principals import user_principal
from domain.tenants.service import provision_tenant

RULE = dict(name="Critical events", kind="event", severity="SEV2", group_by=["service"],
            condition="event.severity == 'critical'", fingerprint_template="{rule}:{service}")


@contextlib.contextmanager
def lab_servers() -> Iterator[tuple[Settings, EmbeddedServices]]:
    """Migrated embedded PostgreSQL and Valkey in a scratch dir, owned (and restartable) by this process."""
    if load_settings().database_url or load_settings().redis_url:
        raise SystemExit("bench/faults.py restarts the embedded servers: unset DATABASE_URL and REDIS_URL")
    with tempfile.TemporaryDirectory(prefix="atlas-faults-", dir="/tmp") as scratch:
        settings = replace(load_settings(), data_dir=Path(scratch), env="development")
        with own_services(settings) as (live, servers):
            run_migrations(live)
            yield live, servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_atlas(data_dir: Path, *args: str) -> subprocess.Popen:
    """`atlas <args> --data-dir <data_dir>` as a child process, quiet."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.Popen([sys.executable, "-m", "atlas", *args, "--data-dir", str(data_dir)], cwd=ROOT,
                            env={**env, "ATLAS_LOG_LEVEL": "error"}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


async def wait_for(check, *, timeout: float, every: float = 0.1):
    """Poll ``check`` (sync or async) until truthy; None after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        await asyncio.sleep(every)
    return None


async def ready(base: str) -> bool:
    """/readyz answers 200 and a worker has checked in."""
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            answer = await http.get(f"{base}/readyz")
    except httpx.HTTPError:
        return False
    return answer.status_code == 200 and answer.json()["checks"]["worker"] == "ok"


@dataclass
class Receiver:
    """A webhook receiver: records each request's webhook-id; holds its answers until released."""

    ids: list[str] = field(default_factory=list)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""
    task: asyncio.Task | None = None

    async def handle(self, request: Request) -> JSONResponse:
        await request.body()
        self.ids.append(request.headers["webhook-id"])
        await self.released.wait()
        return JSONResponse({"ok": True})

    async def serve(self) -> uvicorn.Server:
        app = Starlette(routes=[Route("/hook", self.handle, methods=["POST"])])
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
        self.task = asyncio.create_task(server.serve())
        await wait_for(lambda: server.started, timeout=10)
        self.url = f"http://127.0.0.1:{port}/hook"
        self.released.set()
        return server


@dataclass
class Tenant:
    id: uuid.UUID
    key: str


async def alerting_tenant(runtime, receiver_url: str) -> Tenant:
    """A tenant whose rule opens one incident per service on critical events and notifies the receiver."""
    slug = f"drill-{uuid.uuid4().hex[:8]}"
    async with runtime.db.transaction(tenant_id=None) as tx:
        made = await provision_tenant(tx, name="Drill", slug=slug, admin_email=f"o@{slug}.example.com",
                                      admin_password="bench-password", plan="enterprise")
    async with runtime.db.transaction(tenant_id=made.tenant_id) as tx:
        target = await create_target(tx, name="hook", url=receiver_url, seal=runtime.sealer.seal, actor="bench")
        await create_rule(tx, definition=RuleDefinition(**RULE, notify=[target.target.id]), actor="bench")
        owner = await user_principal(tx, user_id=made.admin_user_id, entitlements={})
        key = await create_api_key(tx, name="drill", kind="ingest", roles=["agent"], expires_at=None, actor=owner)
    return Tenant(made.tenant_id, str(key.credential))


def event(event_id: str, service: str) -> dict:
    return {"source": "probe", "title": f"{service} check failed", "severity": "critical", "service": service,
            "id": event_id}


@dataclass
class Agents:
    """``count`` agents POSTing one critical event each, without pause, until stopped; they retry nothing."""

    base: str
    tenant: Tenant
    services: list[str]
    count: int = 4
    statuses: collections.Counter = field(default_factory=collections.Counter)
    acknowledged: list[str] = field(default_factory=list)
    first_202_after: float | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list = field(default_factory=list)
    _mark: float = 0.0

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(n)) for n in range(self.count)]

    def watch_recovery(self) -> None:
        """Note the time of the first 202 from now on."""
        self._mark, self.first_202_after = time.monotonic(), None

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _run(self, agent: int) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=10, headers={"X-Api-Key": self.tenant.key}) as http:
            sent = 0
            while not self._stop.is_set():
                event_id = f"a{agent}-{uuid.uuid4().hex[:12]}"
                service = self.services[sent % len(self.services)]
                try:
                    answer = await http.post("/api/ingest/events", json={"events": [event(event_id, service)]})
                    status = answer.status_code
                except httpx.HTTPError:
                    status = "no answer"
                self._count(status, event_id)
                sent += 1
                await asyncio.sleep(0.02)

    def _count(self, status, event_id: str) -> None:
        self.statuses[status] += 1
        if status == 202:
            self.acknowledged.append(event_id)
            if self._mark and self.first_202_after is None:
                self.first_202_after = time.monotonic() - self._mark

    def errors(self) -> dict[str, int]:
        """Answers other than 202, by status."""
        return {str(status): n for status, n in sorted(self.statuses.items(), key=str) if status != 202}
