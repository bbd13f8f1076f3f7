"""`atlas up`: one process owns the embedded servers and supervises a web and a worker process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
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
from atlas.services import provide_services
from atlas.settings import Settings

READY_TIMEOUT = 90.0


def spawn(*args: str) -> subprocess.Popen:
    """Start ``atlas <args>`` as a child process with this interpreter."""
    return subprocess.Popen([sys.executable, "-m", "atlas", *args], env=os.environ.copy())


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


def _wait_until_ready(base_url: str, children: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise StartupError("a child process exited during start-up; see the messages above")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    raise StartupError(f"the web app did not become ready within {READY_TIMEOUT:.0f} s")


def _stop_children(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    for child in children:
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()


def _banner(console: Console, settings: Settings, account: DemoAccount) -> None:
    base = f"http://{settings.host}:{settings.port}"
    password = account.password or "(unchanged: set ATLAS_DEMO_PASSWORD to reset it)"
    console.print(f"\n[bold]AtlasAI is running:[/] {base}/console")
    console.print(f"  tenant [bold]{account.tenant_slug}[/]   admin [bold]{account.email}[/]   "
                  f"password [bold]{password}[/]")
    console.print(f"  GraphQL {base}/graphql   readiness {base}/readyz   data {settings.data_dir.resolve()}")
    console.print("  Press Ctrl-C to stop.\n")


def run_platform(settings: Settings, *, step, console: Console, with_worker: bool) -> None:
    """Start servers, migrate, seed, then run web + worker until Ctrl-C; stop everything cleanly."""
    _stop_on_sigterm()
    children: list[subprocess.Popen] = []
    with provide_services(settings, progress=step) as live:
        try:
            step("Applying database migrations")
            run_migrations(live)
            account = seed_demo_data(live, step=step)
            step("Starting the web app" + (" and a worker" if with_worker else ""))
            data_dir = str(settings.data_dir.resolve())
            children.append(spawn("serve", "--data-dir", data_dir, "--host", settings.host,
                                  "--port", str(settings.port)))
            if with_worker:
                children.append(spawn("worker", "--data-dir", data_dir))
            _wait_until_ready(f"http://{settings.host}:{settings.port}", children)
            step.done()
            _banner(console, settings, account)
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            console.print("[red]a child process exited; shutting down[/]")
        except KeyboardInterrupt:
            console.print("\nStopping AtlasAI ...")
        finally:
            _ignore_further_signals()
            step.done()
            _stop_children(children)
