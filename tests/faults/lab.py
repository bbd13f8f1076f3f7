"""The fault lab: its own embedded PostgreSQL and Valkey (restarted by the drills), real `atlas worker`
processes, a webhook receiver that can hold its answers, and a tenant whose rule notifies it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from atlas.embedded import EmbeddedServices
from atlas.settings import Settings
from domain.alerting.models import WebhookDelivery
from domain.alerting.rules import RuleDefinition, create_rule
from domain.alerting.targets import create_target
from domain.apikeys.service import create_api_key
from domain.auth.principals import user_principal
from domain.incidents.models import Incident
from domain.tenants.service import provision_tenant
from tests.waiting import wait_for


@dataclass
class Lab:
    """Servers the drills may kill and restart, and how to reach them."""

    settings: Settings
    servers: EmbeddedServices

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir.resolve()

    def kill_valkey(self) -> None:
        """SIGKILL the Valkey server (as a crash would) and wait until it is gone."""
        process = self.servers._valkey._process
        process.send_signal(signal.SIGKILL)
        process.wait(5)

    def start_worker(self, name: str = "worker", env: dict | None = None) -> WorkerProcess:
        return WorkerProcess.start(self.data_dir, name, env)


@dataclass
class WorkerProcess:
    """A real `atlas worker` process of the lab, its log in a file."""

    process: subprocess.Popen
    log: Path

    @classmethod
    def start(cls, data_dir: Path, name: str, extra_env: dict | None = None) -> WorkerProcess:
        log = data_dir / f"{name}-{time.monotonic_ns()}.log"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        process = subprocess.Popen([sys.executable, "-m", "atlas", "worker", "--data-dir", str(data_dir)],
                                   env={**env, "ATLAS_LOG_LEVEL": "info", **(extra_env or {})},
                                   stdout=subprocess.DEVNULL,
                                   stderr=log.open("wb"))
        return cls(process, log)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    async def wait_for_log(self, fragment: str, *, timeout: float = 30) -> None:
        await wait_for(lambda: fragment in self.text() or self.process.poll() is not None, timeout=timeout,
                       what=f"{fragment!r} in the worker's log")
        assert self.process.poll() is None, f"the worker exited ({self.process.returncode}):\n{self.text()[-3000:]}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: records every request; holds its answers while ``hold`` is set."""

    port: int = 0
    requests: list[dict] = field(default_factory=list)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def hold(self) -> None:
        self.released.clear()

    def release(self) -> None:
        self.released.set()

    async def handle(self, request: Request) -> JSONResponse:
        body = await request.body()
        self.requests.append({"headers": dict(request.headers), "body": body, "payload": json.loads(body)})
        await self.released.wait()
        return JSONResponse({"ok": True})

    def ids(self) -> list[str]:
        return [r["headers"]["webhook-id"] for r in self.requests]


async def serve_receiver(receiver: Receiver) -> tuple[uvicorn.Server, asyncio.Task]:
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    await wait_for(lambda: server.started, timeout=10, what="the webhook receiver")
    receiver.port = server.servers[0].sockets[0].getsockname()[1]
    receiver.release()
    return server, task


@dataclass
class AlertingTenant:
    tenant_id: object
    slug: str
    ingest_key: str
    target_secret: str


CRITICAL_RULE = dict(name="Critical events", kind="event", severity="SEV2", group_by=["service"],
                     condition="event.severity == 'critical'", fingerprint_template="{rule}:{service}")


async def alerting_tenant(runtime, receiver: Receiver, slug: str) -> AlertingTenant:
    """A tenant whose rule opens an incident per service on critical events and notifies ``receiver``."""
    async with runtime.db.transaction(tenant_id=None) as tx:
        tenant = await provision_tenant(tx, name=f"Tenant {slug}", slug=slug, admin_email=f"owner@{slug}.example.com",
                                        admin_password="correct-horse-battery", plan="enterprise")
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        made = await create_target(tx, name="receiver", url=receiver.url, seal=runtime.sealer.seal, actor="test",
                                   event_types=["incident.created"], scope="rules")
        await create_rule(tx, definition=RuleDefinition(**CRITICAL_RULE, notify=[made.target.id]), actor="test")
        owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
        key = await create_api_key(tx, name="edge", kind="ingest", roles=["agent"], expires_at=None, actor=owner)
    return AlertingTenant(tenant.tenant_id, slug, str(key.credential), made.secret)


def critical_events(services: list[str], *, prefix: str, per_service: int = 1) -> dict:
    return {"events": [{"source": "probe", "title": f"{service} is down", "severity": "critical",
                        "service": service, "id": f"{prefix}-{service}-{n}"}
                       for service in services for n in range(per_service)]}


async def incidents_by_service(runtime, tenant_id) -> dict[str, tuple[int, int]]:
    """{service: (incidents, alert_count of the newest)} of a tenant."""
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        rows = (await tx.session.execute(select(Incident.services, Incident.alert_count))).all()
    found: dict[str, tuple[int, int]] = {}
    for services, alerts in rows:
        for service in services:
            count = found.get(service, (0, 0))[0]
            found[service] = (count + 1, alerts)
    return found


async def delivery_states(runtime, tenant_id) -> dict[str, int]:
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        rows = (await tx.session.execute(select(WebhookDelivery.status, func.count()).group_by(
            WebhookDelivery.status))).all()
    return dict(rows)
