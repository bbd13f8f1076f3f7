"""Planes apart in one test process: a control plane and two tenant planes (two regions), each with its
own database on the embedded PostgreSQL server (migrated) and its own Redis database, as in-process apps
reached through one simulated network (a plane can be taken off it: "down").

Checks: login at the CP answers with (and the console redirects to) the home TP; a token for tenant A is
refused at a TP that does not host A; an entitlement change reaches the right TP, also after that TP was
down; with the CP stopped, a TP keeps serving and ingesting.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import select, text

from atlas.asgi import create_app
from atlas.dbadmin import create_database, ensure_extensions, with_database, with_user
from atlas.keys import SigningKey
from atlas.migrate import run_migrations
from domain.billing.entitlements import bump_entitlements, locked_tenant
from domain.planes import deliveries, registry
from domain.planes.models import PlaneDelivery
from domain.planes.signing import sign_delivery
from domain.tenants.models import Tenant
from domain.tenants.service import set_tenant_status
from tests.conftest import TEST_PASSWORD
from workers.jobs.planes import plane_heartbeat, send_plane_deliveries

FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CP_URL = "http://cp.test"


class Network(httpx.AsyncBaseTransport):
    """Hosts -> in-process apps; a host that is down (or unknown) refuses the connection."""

    def __init__(self) -> None:
        self.apps: dict[str, httpx.ASGITransport] = {}
        self.down: set[str] = set()

    def attach(self, url: str, app) -> None:
        self.apps[urlsplit(url).hostname] = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self.down or host not in self.apps:
            raise httpx.ConnectError(f"connection refused: {host}", request=request)
        return await self.apps[host].handle_async_request(request)


def _with_redis_db(url: str, index: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{index}"))


async def _create_database(owner_url: str, name: str) -> None:
    """A database for a plane, owned by the owner role, with the extensions (the embedded server trusts
    local connections: its superuser creates them, as `atlas up` does for the first database)."""
    superuser = with_user(owner_url, "postgres")
    await create_database(superuser, database=name, owner=urlsplit(owner_url).username)
    await ensure_extensions(with_database(superuser, name))


class Planes:
    """The running world: the CP app, the TP apps by name, the network, and each TP's settings."""

    def __init__(self) -> None:
        self.network = Network()
        self.apps: dict[str, object] = {}
        self.plane_ids: dict[str, uuid.UUID] = {}
        self.urls: dict[str, str] = {}

    def client(self, name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.network, base_url=self.urls[name], follow_redirects=False)

    def runtime(self, name: str):
        return self.apps[name].state.runtime


@pytest.fixture(scope="module")
async def planes(live_settings, db):
    world = Planes()
    suffix = uuid.uuid4().hex[:6]
    cp_settings = replace(live_settings, plane="cp")
    cp = create_app(cp_settings)
    world.urls["cp"], world.apps["cp"] = CP_URL, cp
    specs = [("tp-eu", "eu-west", 1), ("tp-us", "us-east", 2)]
    registered = {}
    async with db.transaction(tenant_id=None) as tx:
        # earlier tests' planes (example URLs that never answer) and what was queued for them are not this world's
        await tx.session.execute(text("UPDATE tenant_planes SET status = 'offline'"))
        await tx.session.execute(text("DELETE FROM plane_deliveries WHERE status = 'pending'"))
        for name, region, _ in specs:
            plane_name = f"{name}-{suffix}"
            made = await registry.register_plane(tx, name=plane_name, region=region, url=f"http://{name}.test")
            registered[name] = made
    tp_settings = {}
    for name, _, redis_index in specs:
        db_name = f"atlas_{name.replace('-', '_')}_{suffix}"
        await _create_database(live_settings.database_url, db_name)
        settings = replace(live_settings, plane="tp", plane_name=registered[name].plane.name,
                           plane_credential=registered[name].credential, control_plane_url=CP_URL,
                           database_url=with_database(live_settings.database_url, db_name),
                           redis_url=_with_redis_db(live_settings.redis_url, redis_index))
        await asyncio.to_thread(run_migrations, settings)
        tp_settings[name] = settings
        world.apps[name] = create_app(settings)
        world.urls[name] = f"http://{name}.test"
        world.plane_ids[name] = registered[name].plane.id
    world.names = {name: registered[name].plane.name for name in registered}
    for name, app in world.apps.items():
        world.network.attach(world.urls[name], app)
    async with cp.router.lifespan_context(cp):
        cp.state.runtime.use_network(world.network)
        async with world.apps["tp-eu"].router.lifespan_context(world.apps["tp-eu"]), \
                world.apps["tp-us"].router.lifespan_context(world.apps["tp-us"]):
            for name in ("tp-eu", "tp-us"):
                runtime = world.runtime(name)
                runtime.use_network(world.network)
                assert await runtime.control_plane.fetch_keys()
            yield world


async def _send(planes) -> dict:
    return await send_plane_deliveries({"runtime": planes.runtime("cp")})


async def _hosted_tenant(planes, db, make_tenant, plane: str):
    """A tenant homed on ``plane`` (set here: earlier tests' planes share the region, so the choice of plane is
    tested in tests/domain/planes/test_placement.py), pushed there."""
    tenant = await make_tenant(plan="pro")
    async with db.transaction(tenant_id=None) as tx:
        record = await tx.session.get(Tenant, tenant.tenant_id)
        record.home_plane_id = planes.plane_ids[plane]
        await deliveries.tenant_changed(tx, record, kind="tenant.provisioned")
    assert (await _send(planes))["failed"] == 0
    return tenant


async def _token(planes, tenant, headers=None) -> dict:
    async with planes.client("cp") as http:
        response = await http.post("/api/auth/token", headers=headers or {}, data={
            "grant_type": "password", "username": f"owner@{tenant.slug}.example.com", "password": TEST_PASSWORD,
            "tenant": tenant.slug})
    assert response.status_code == 200, response.text
    return response.json()


def _bearer(grant: dict) -> dict:
    return {"Authorization": f"Bearer {grant['access_token']}", "x-tenant-id": grant["tenant_id"]}


async def _tenant_query(planes, plane: str, grant: dict) -> httpx.Response:
    async with planes.client(plane) as http:
        return await http.post("/graphql", json={"query": "{ tenant { slug entitlements { version } } }"},
                                headers=_bearer(grant))


async def test_login_at_the_control_plane_answers_with_the_home_plane(planes, db, make_tenant):
    tenant = await _hosted_tenant(planes, db, make_tenant, "tp-eu")
    async with db.transaction(tenant_id=None) as tx:
        plane = await registry.plane_by_name(tx, planes.names["tp-eu"])
        plane.details = {"endpoints": {"eu-central": "http://tp-eu-central.test"}}

    grant = await _token(planes, tenant)
    hinted = await _token(planes, tenant, headers={"x-atlas-region": "eu-central"})
    answered = await _tenant_query(planes, "tp-eu", grant)

    assert (grant["home_url"], grant["home_plane"], grant["home_region"]) == (
        "http://tp-eu.test", planes.names["tp-eu"], "eu-west")
    assert (hinted["home_url"], hinted["home_region"]) == ("http://tp-eu-central.test", "eu-central")
    assert answered.status_code == 200 and answered.json()["data"]["tenant"]["slug"] == tenant.slug


async def test_a_token_for_a_tenant_is_refused_at_a_plane_that_does_not_host_it(planes, db, make_tenant):
    tenant = await _hosted_tenant(planes, db, make_tenant, "tp-eu")
    grant = await _token(planes, tenant)

    refused = await _tenant_query(planes, "tp-us", grant)

    assert refused.status_code == 403
    assert refused.json()["code"] == "TENANT_NOT_HOSTED"
    assert tenant.slug not in refused.text and planes.names["tp-eu"] not in refused.text


async def test_console_sign_in_at_the_control_plane_continues_on_the_home_plane_with_a_one_time_code(
        planes, db, make_tenant):
    tenant = await _hosted_tenant(planes, db, make_tenant, "tp-us")
    async with planes.client("cp") as cp:
        form = await cp.get("/console/login")
        csrf = FORM_CSRF.search(form.text).group(1)
        signed = await cp.post("/console/login", data={"csrf_token": csrf, "email": f"owner@{tenant.slug}.example.com",
                                                       "password": TEST_PASSWORD, "tenant": tenant.slug, "next": ""})
    target = signed.headers["location"]
    async with planes.client("tp-us") as tp:
        landed = await tp.get(target)
        home = await tp.get(landed.headers["location"])
        again = await tp.get(target)
    async with planes.client("tp-eu") as other:
        elsewhere = await other.get(target.replace("tp-us", "tp-eu"))

    assert signed.status_code == 303 and target.startswith("http://tp-us.test/console/signin/code?code=")
    assert "access_token" not in target and "eyJ" not in target
    assert landed.status_code == 303 and landed.headers.get("set-cookie")
    assert home.status_code == 200 and f"owner@{tenant.slug}.example.com" in home.text
    assert again.status_code == 400  # the code works once
    assert elsewhere.status_code == 400


async def test_an_entitlement_change_reaches_the_home_plane_also_after_it_was_down(planes, db, make_tenant):
    tenant = await _hosted_tenant(planes, db, make_tenant, "tp-eu")
    old = await _token(planes, tenant)
    planes.network.down.add("tp-eu.test")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        version = await bump_entitlements(tx, await locked_tenant(tx), actor="test", reason="upgrade")

    while_down = await _send(planes)
    async with db.transaction(tenant_id=None) as tx:
        waiting = (await deliveries.list_deliveries(tx, tenant_id=tenant.tenant_id, status="pending")).items
    planes.network.down.discard("tp-eu.test")
    async with db.transaction(tenant_id=None) as tx:  # the backoff has elapsed
        await tx.session.execute(text("UPDATE plane_deliveries SET next_attempt_at = now() WHERE status = 'pending'"))
    after = await _send(planes)
    stale = await _tenant_query(planes, "tp-eu", old)
    fresh = await _tenant_query(planes, "tp-eu", await _token(planes, tenant))
    async with planes.runtime("tp-us").db.transaction(tenant_id=None) as tx:
        on_other_plane = await tx.session.get(Tenant, tenant.tenant_id)
    async with db.transaction(tenant_id=None) as tx:
        states = list(await tx.session.scalars(
            select(PlaneDelivery.status).where(PlaneDelivery.about_tenant_id == tenant.tenant_id)))

    assert while_down["failed"] >= 1
    assert [(w.kind, w.attempts) for w in waiting] == [("tenant.entitlements", 1)]
    assert "ConnectError" in waiting[0].last_error
    assert after["delivered"] >= 1
    assert stale.status_code == 401 and stale.json()["code"] == "ENTITLEMENTS_STALE"
    assert fresh.json()["data"]["tenant"]["entitlements"]["version"] == version
    assert on_other_plane is None
    assert set(states) == {"delivered"}


async def test_with_the_control_plane_stopped_a_tenant_plane_keeps_serving_and_ingesting(planes, db, make_tenant):
    tenant = await _hosted_tenant(planes, db, make_tenant, "tp-us")
    grant = await _token(planes, tenant)
    planes.network.down.add("cp.test")
    try:
        served = await _tenant_query(planes, "tp-us", grant)
        async with planes.client("tp-us") as tp:
            ingested = await tp.post("/api/ingest/events", headers=_bearer(grant), json={
                "resource": {"service.name": "checkout"},
                "events": [{"source": "nagios", "title": "Disk full", "severity": "error", "id": "cp-down-1"}]})
        async with planes.client("cp") as cp:
            with pytest.raises(httpx.ConnectError):
                await cp.post("/api/auth/token", data={"grant_type": "password"})
    finally:
        planes.network.down.discard("cp.test")

    assert served.status_code == 200 and served.json()["data"]["tenant"]["slug"] == tenant.slug
    assert ingested.status_code == 202, ingested.text
    assert ingested.json()["accepted"]["events"] == 1


async def test_a_forged_or_misaddressed_delivery_is_refused_and_a_replay_changes_nothing(planes, db, make_tenant):
    tenant = await _hosted_tenant(planes, db, make_tenant, "tp-eu")
    cp = planes.runtime("cp")
    async with db.transaction(tenant_id=None) as tx:
        row = (await deliveries.list_deliveries(tx, tenant_id=tenant.tenant_id)).items[0]
    suspended = {**row.payload["tenant"], "status": "suspended"}
    forged_keys = SigningKey.generate()

    class Forger:
        signing_key = forged_keys

    forged = sign_delivery(Forger(), issuer=cp.settings.token_issuer, plane=planes.names["tp-eu"], key="forged",
                           kind="tenant.suspended", payload={"tenant": suspended})
    misaddressed = sign_delivery(cp.keys, issuer=cp.settings.token_issuer, plane=planes.names["tp-us"],
                                 key="elsewhere", kind="tenant.suspended", payload={"tenant": suspended})
    replay = sign_delivery(cp.keys, issuer=cp.settings.token_issuer, plane=planes.names["tp-eu"], key=row.key,
                           kind=row.kind, payload=row.payload)
    async with planes.client("tp-eu") as tp:
        answers = [await tp.post("/api/plane/deliveries", content=body) for body in (forged, misaddressed, "x.y.z")]
        replayed = await tp.post("/api/plane/deliveries", content=replay)
    served = await _tenant_query(planes, "tp-eu", await _token(planes, tenant))

    assert [a.status_code for a in answers] == [401, 401, 401]
    assert replayed.status_code == 200 and replayed.json()["key"] == row.key
    assert served.status_code == 200  # still active: nothing forged was applied


async def test_a_tenant_without_a_home_plane_queues_nothing(db, make_tenant):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await bump_entitlements(tx, await locked_tenant(tx), actor="test", reason="upgrade")
    async with db.transaction(tenant_id=None) as tx:
        queued = (await deliveries.list_deliveries(tx, tenant_id=tenant.tenant_id)).items

    assert queued == []


async def test_suspension_and_resume_reach_the_home_plane(planes, db, make_tenant):
    tenant = await _hosted_tenant(planes, db, make_tenant, "tp-us")
    grant = await _token(planes, tenant)
    async with db.transaction(tenant_id=None) as tx:
        await set_tenant_status(tx, tenant_id=tenant.tenant_id, status="suspended", actor="test",
                                confirm_slug=tenant.slug)
    await _send(planes)
    suspended = await _tenant_query(planes, "tp-us", grant)
    async with db.transaction(tenant_id=None) as tx:
        await set_tenant_status(tx, tenant_id=tenant.tenant_id, status="active", actor="test")
    await _send(planes)
    resumed = await _tenant_query(planes, "tp-us", grant)

    assert suspended.status_code == 403 and suspended.json()["code"] == "TENANT_SUSPENDED"
    assert resumed.status_code == 200


async def test_a_tenant_plane_worker_heartbeats_to_the_control_plane(planes, db):
    beat = await plane_heartbeat({"runtime": planes.runtime("tp-eu")})
    planes.network.down.add("cp.test")
    try:
        missed = await plane_heartbeat({"runtime": planes.runtime("tp-eu")})
    finally:
        planes.network.down.discard("cp.test")
    async with db.transaction(tenant_id=None) as tx:
        plane = await registry.plane_by_name(tx, planes.names["tp-eu"])

    assert beat is True and missed is False
    assert plane.last_heartbeat_at is not None and plane.version
