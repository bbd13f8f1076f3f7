"""Shared fixtures: real embedded PostgreSQL and Valkey (or DATABASE_URL / REDIS_URL), migrated once.

Tests isolate by creating their own tenants (unique slugs), never by mocking or truncating.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from atlas.asgi import create_app
from atlas.db import Database
from atlas.migrate import run_migrations
from atlas.runtime import Runtime
from atlas.services import provide_services
from atlas.settings import load_settings
from atlas.worker import create_worker
from domain.tenants.service import provision_tenant
from domain.uow import AI_QUEUE, QUEUE_NAME

TEST_PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def live_settings():
    """Settings pointing at migrated, running servers for the whole test session.

    The data directory is not under pytest's basetemp: pytest makes /tmp/pytest-of-<user> 0700 at
    every session start, which locks the embedded PostgreSQL (run as another user) out of a
    concurrent session's data directory.
    """
    data_dir = Path(tempfile.mkdtemp(prefix="atlas-test-"))
    settings = replace(load_settings(), data_dir=data_dir, env="development", demo_password=None)
    try:
        with provide_services(settings) as live:
            run_migrations(live)
            yield live
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
async def runtime(live_settings):
    rt = await Runtime.open(live_settings)
    yield rt
    await rt.close()


@pytest.fixture(scope="session")
async def db(runtime) -> Database:
    return runtime.db


@pytest.fixture(scope="session")
async def app(live_settings):
    application = create_app(live_settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def production_client(live_settings):
    """A client of the app as it runs with ATLAS_ENV=production."""
    app = create_app(replace(live_settings, env="production"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://atlas.test") as http:
            yield http


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atlas.test") as http:
        yield http


def unique_slug(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def make_tenant(db):
    """Provision a fresh tenant with an owner; returns the ProvisionedTenant."""

    async def make(*, plan: str = "enterprise", email: str | None = None, slug: str | None = None):
        slug = slug or unique_slug()
        async with db.transaction(tenant_id=None) as tx:
            return await provision_tenant(
                tx, name=f"Tenant {slug}", slug=slug, admin_email=email or f"owner@{slug}.example.com",
                admin_password=TEST_PASSWORD, plan=plan,
            )

    return make


@pytest.fixture
def add_member(db):
    """Add a new user with ``roles`` to a tenant; returns their email (password TEST_PASSWORD)."""
    from domain.members.models import Membership
    from domain.members.users import create_user

    async def add(tenant, roles: list[str], *, email: str | None = None) -> str:
        email = email or f"{'-'.join(roles) or 'none'}-{uuid.uuid4().hex[:6]}@{tenant.slug}.example.com"
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            user = await create_user(tx, email=email, password=TEST_PASSWORD)
            tx.session.add(Membership(tenant_id=tenant.tenant_id, user_id=user.id, roles=roles))
        return email

    return add


@pytest.fixture
def define_role(db):
    """Define a custom role in a tenant, as its owner; returns the RoleView."""
    from domain.auth.principals import user_principal
    from domain.roles.service import create_role

    async def define(tenant, name: str, permissions: list[str]):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
            return await create_role(tx, name=name, description="", permissions=permissions, actor=owner)

    return define


@pytest.fixture
def sign_in(runtime):
    """Password grant for ``email`` in ``tenant``; returns the TokenGrant."""

    async def login(tenant, email: str | None = None, password: str = TEST_PASSWORD):
        return await runtime.tokens.password_grant(
            username=email or f"owner@{tenant.slug}.example.com", password=password, tenant=tenant.slug,
            address=f"test-{uuid.uuid4().hex[:6]}",
        )

    return login


def auth_headers(grant_or_token, tenant_id=None) -> dict[str, str]:
    """Bearer + x-tenant-id headers for a TokenGrant (or a raw token and tenant id)."""
    token = getattr(grant_or_token, "access_token", grant_or_token)
    tenant = tenant_id or grant_or_token.tenant_id
    return {"Authorization": f"Bearer {token}", "x-tenant-id": str(tenant)}


async def gql(client, query: str, variables: dict | None = None, headers: dict | None = None) -> dict:
    """POST a GraphQL operation and return the JSON body (asserting HTTP 200)."""
    body = json.dumps({"query": query, "variables": variables or {}})  # ASCII with escapes, as most clients send
    response = await client.post("/graphql", content=body,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="session")
async def session_loop():
    """The event loop the session's async fixtures (engine, Redis) are bound to."""
    import asyncio

    return asyncio.get_running_loop()


@pytest.fixture
def event_loop_runner(session_loop):
    """Run a coroutine to completion on the session loop, from synchronous test code (hypothesis)."""
    return session_loop.run_until_complete


@pytest.fixture
async def forget_earlier_jobs(runtime, live_settings):
    """Drop jobs earlier tests left queued or pending in the outbox (their tests are over; a burst worker would
    run them all, and wait out the retries of those that fail)."""
    from tests.outbox_cleanup import delete_pending_jobs

    await delete_pending_jobs(live_settings)
    await runtime.redis.delete(QUEUE_NAME, AI_QUEUE)  # the AI pipeline's queue too: its job keys go below
    # A worker an earlier test stopped mid-job leaves its job claimed (in progress) for a lease; a burst worker
    # would wait that out before it could see an empty queue.
    stale = [key for pattern in ("arq:in-progress:*", "arq:retry:*", "arq:job:*")
             async for key in runtime.redis.scan_iter(match=pattern)]
    if stale:
        await runtime.redis.delete(*stale)


@pytest.fixture
def run_burst_worker(live_settings):
    """Run a worker until the queue is empty; returns the worker (for jobs_failed and friends). It runs the jobs the
    test queued, not the wall-clock crons (those sweep every tenant the suite has made; tests enqueue them by name)."""

    async def run():
        worker = create_worker(live_settings, burst=True, poll_delay=0.01, cron_jobs=[])
        try:
            await worker.main()
        finally:
            await worker.close()
        return worker

    return run
