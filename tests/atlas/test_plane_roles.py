"""`--plane cp|tp|all`: which routes and cron jobs a process serves (default all: everything, as before)."""

from dataclasses import replace

import httpx
import pytest

from atlas.asgi import create_app
from atlas.settings import SettingsError, load_settings
from workers.registry import cron_jobs_for


def test_one_deployment_serves_both_planes_by_default():
    settings = load_settings({})

    assert settings.plane == "all"
    assert settings.serves_control_plane and settings.serves_tenant_plane
    assert not settings.hosts_only_own_tenants


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ATLAS_PLANE": "edge"}, "ATLAS_PLANE must be one of all, cp, tp, got 'edge'"),
        ({"ATLAS_PLANE": "tp", "ATLAS_PLANE_NAME": "eu-1"},
         "ATLAS_PLANE=tp with ATLAS_PLANE_NAME needs ATLAS_CONTROL_PLANE_URL (its JWKS)"),
    ],
)
def test_a_plane_setting_that_cannot_work_is_refused(environ, message):
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)

    assert str(raised.value) == message


async def _status(settings, method: str, path: str) -> int:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://atlas.test") as http:
            return (await http.request(method, path, content=b"{}")).status_code


@pytest.mark.parametrize(
    ("plane", "path", "served"),
    [
        ("cp", "/api/ingest/events", False),
        ("cp", "/v1/logs", False),
        ("cp", "/api/agent/jobs", False),
        ("cp", "/api/plane/deliveries", False),
        ("cp", "/api/auth/token", True),
        ("cp", "/api/planes/heartbeat", True),
        ("tp", "/api/auth/token", False),
        ("tp", "/api/webhooks/razorpay", False),
        ("tp", "/api/planes/heartbeat", False),
        ("tp", "/api/ingest/events", True),
        ("tp", "/v1/logs", True),
        ("all", "/api/auth/token", True),
        ("all", "/api/ingest/events", True),
    ],
)
async def test_each_plane_mounts_only_its_routes(live_settings, plane, path, served):
    settings = replace(live_settings, plane=plane)

    status = await _status(settings, "POST", path)

    assert (status != 404) is served, status


def test_the_control_plane_worker_bills_and_a_tenant_plane_worker_runs_the_rest():
    every = {job.name for job in cron_jobs_for("all")}
    control = {job.name for job in cron_jobs_for("cp")}
    tenant = {job.name for job in cron_jobs_for("tp")}

    assert "cron:billing_tick" in control and "cron:billing_tick" not in tenant
    assert "cron:alerting_tick" in tenant and "cron:alerting_tick" not in control
    assert every >= (control | tenant) - {"cron:plane_heartbeat"}
