"""`atlas up`: one process owns the embedded servers and supervises a web and a worker process.

After start-up everything is kept running by a Supervisor (atlas/supervisor.py): a web or worker
process that exits, and the embedded Valkey or PostgreSQL if it stops, is started again with
backoff; a crash loop is reported. Only Ctrl-C or SIGTERM stops everything, cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
import urllib.request
from collections.abc import Callable

from rich.console import Console

from atlas.db import Database
from atlas.demo import DemoAccount, ensure_demo_tenant
from atlas.demo_incidents import seed_demo_incidents
from atlas.demo_rules import seed_demo_rules
from atlas.demo_topology import seed_demo_topology
from atlas.embedded import StartupError
from atlas.migrate import run_migrations
from atlas.services import own_services
from atlas.settings import Settings
from atlas.supervisor import ChildProcess, Supervisor

READY_TIMEOUT = 90.0
CHECK_EVERY = 0.5  # seconds between the supervisor's looks


def seed_demo_data(settings: Settings, *, step: Callable[[str], None]) -> DemoAccount:
    """Create or refresh the demo tenant (and, as features land, its demo data)."""
    step("Seeding the demo tenant")

    async def seed() -> DemoAccount:
        db = Database.from_settings(settings)
        try:
            account = await ensure_demo_tenant(
                db, password=settings.demo_password, data_dir=settings.data_dir.resolve()
            )
            await seed_demo_incidents(db, tenant_id=account.tenant_id)
            await seed_demo_rules(db, tenant_id=account.tenant_id)
            await seed_demo_topology(db, tenant_id=account.tenant_id)
            return account
        finally:
            await db.dispose()

    return asyncio.run(seed())


def _stop_on_sigterm() -> None:
    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _ignore_further_signals() -> None:
    """A second Ctrl-C or SIGTERM must not interrupt the clean shutdown that is under way."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _wait_until_ready(base_url: str, children: list[ChildProcess], supervisor: Supervisor) -> None:
    """Wait for /readyz; a server that stops meanwhile is restarted, a child that exits fails the start."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if not all(child.alive() for child in children):
            raise StartupError("a child process exited during start-up; see the messages above")
        supervisor.check()
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    raise StartupError(f"the web app did not become ready within {READY_TIMEOUT:.0f} s")


def _stop_children(children: list[ChildProcess]) -> None:
    for child in children:
        child.interrupt()
    for child in children:
        child.reap()


def _banner(console: Console, settings: Settings, account: DemoAccount) -> None:
    base = f"http://{settings.host}:{settings.port}"
    password = account.password or "(unchanged: set ATLAS_DEMO_PASSWORD to reset it)"
    console.print(f"\n[bold]AtlasAI is running:[/] {base}/console")
    console.print(f"  tenant [bold]{account.tenant_slug}[/]   admin [bold]{account.email}[/]   "
                  f"password [bold]{password}[/]")
    console.print(f"  GraphQL {base}/graphql   readiness {base}/readyz   data {settings.data_dir.resolve()}")
    console.print("  Press Ctrl-C to stop.\n")


def _children(settings: Settings, *, with_worker: bool) -> list[ChildProcess]:
    data_dir = str(settings.data_dir.resolve())
    web = ChildProcess("web", "serve", "--data-dir", data_dir, "--host", settings.host, "--port", str(settings.port))
    if not with_worker:
        return [web]
    return [web, ChildProcess("worker", "worker", "--data-dir", data_dir),
            ChildProcess("ai-worker", "worker", "--data-dir", data_dir, "--queue", "ai")]


def run_platform(settings: Settings, *, step, console: Console, with_worker: bool) -> None:
    """Start servers, migrate, seed, then keep web + worker (and the servers) running until Ctrl-C."""
    _stop_on_sigterm()
    children: list[ChildProcess] = []
    with own_services(settings, progress=step) as (live, servers):
        try:
            step("Applying database migrations")
            run_migrations(live)
            account = seed_demo_data(live, step=step)
            step("Starting the web app" + (" and a worker" if with_worker else ""))
            children = _children(settings, with_worker=with_worker)
            for child in children:
                child.start()
            parts = [*(servers.supervised_parts() if servers else []), *(c.as_part() for c in children)]
            supervisor = Supervisor(parts, say=console.print)
            _wait_until_ready(f"http://{settings.host}:{settings.port}", children, supervisor)
            step.done()
            _banner(console, settings, account)
            while True:
                time.sleep(CHECK_EVERY)
                supervisor.check()
        finally:  # Ctrl-C (KeyboardInterrupt) goes on to the command, which says "stopped" once all is down
            _ignore_further_signals()
            step.done()
            _stop_children(children)
