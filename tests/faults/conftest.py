"""Fixtures of the fault drills: a lab with its own embedded servers, so killing them disturbs no other test."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from atlas.asgi import create_app
from atlas.migrate import run_migrations
from atlas.runtime import Runtime
from atlas.services import own_services
from atlas.settings import load_settings
from tests.faults.lab import Lab, Receiver, alerting_tenant, serve_receiver

if load_settings().database_url or load_settings().redis_url:
    pytest.skip("fault drills restart the embedded servers; DATABASE_URL/REDIS_URL are set", allow_module_level=True)


@pytest.fixture(scope="package")
def lab():
    # Not under pytest's basetemp, as for the session's servers (tests/conftest.py live_settings): another
    # pytest session starting makes /tmp/pytest-of-<user> 0700 and locks out pg_ctl, run as another user.
    data_dir = Path(tempfile.mkdtemp(prefix="atlas-fault-lab-"))
    settings = replace(load_settings(), data_dir=data_dir, env="development")
    try:
        with own_services(settings) as (live, servers):
            run_migrations(live)
            yield Lab(live, servers)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(autouse=True)
def servers_running(lab):
    """Each drill starts with both servers up, even after an earlier drill failed half-way."""
    if not lab.servers.postgres_alive():
        lab.servers.restart_postgres()
    if not lab.servers.valkey_alive():
        lab.servers.restart_valkey()


@pytest.fixture(scope="package")
async def lab_runtime(lab):
    runtime = await Runtime.open(lab.settings)
    yield runtime
    await runtime.close()


@pytest.fixture(scope="package")
async def lab_app(lab, lab_runtime):
    application = create_app(lab.settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def lab_client(lab_app):
    transport = httpx.ASGITransport(app=lab_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas.test") as http:
        yield http


@pytest.fixture
async def receiver():
    hook = Receiver()
    server, task = await serve_receiver(hook)
    yield hook
    hook.release()
    server.should_exit = True
    await task


@pytest.fixture
async def tenant(lab_runtime, receiver):
    return await alerting_tenant(lab_runtime, receiver, f"lab-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def workers(lab):
    """Start `atlas worker` processes of the lab (``workers()``); all are stopped after the test."""
    started = []

    def start(**env: str):
        started.append(lab.start_worker(env=env))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()
        print(f"--- {worker.log.name} (shown when the test failed)\n{worker.text()[-6000:]}")
