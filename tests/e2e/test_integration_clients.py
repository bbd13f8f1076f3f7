"""PagerDuty's own Python client, pointed at a real `atlas serve` (over HTTPS: the client accepts nothing
else), drives one incident through its life."""

import asyncio

import pagerduty
import pytest

from domain.integrations.service import create_integration
from tests.atlas.tls_servers import make_authority
from tests.e2e.conftest import start_server, stop_server
from tests.rest.test_integrations import _incidents


@pytest.fixture(scope="module")
def https_server(live_settings, tmp_path_factory):
    authority = make_authority(tmp_path_factory.mktemp("https-ca"))
    process, base = start_server(live_settings.data_dir, env={
        "ATLAS_TLS_CERT_FILE": authority.path("server.crt"), "ATLAS_TLS_KEY_FILE": authority.path("server.key")})
    yield base, authority.path("ca.crt")
    stop_server(process)


async def test_pagerdutys_own_client_triggers_acknowledges_and_resolves_one_incident(
        https_server, make_tenant, db, forget_earlier_jobs, run_burst_worker):
    base, ca = https_server
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        issued = await create_integration(tx, name="pd", kind="pagerduty", service="checkout", actor="test")
    client = pagerduty.EventsApiV2Client(issued.key, base_url=f"{base}/api/integrations/pagerduty", verify=ca)

    dedup_key = await asyncio.to_thread(client.trigger, "Disk full on db-1", "db-1", dedup_key="disk-db-1",
                                        severity="critical", custom_details={"free": "0%"})
    again = await asyncio.to_thread(client.trigger, "Disk full on db-1", "db-1", dedup_key="disk-db-1",
                                    severity="critical")
    await run_burst_worker()
    opened = await _incidents(db, tenant)
    await asyncio.to_thread(client.acknowledge, dedup_key)
    await run_burst_worker()
    acknowledged = await _incidents(db, tenant)
    await asyncio.to_thread(client.resolve, dedup_key)
    await run_burst_worker()

    assert dedup_key == again == "disk-db-1"
    assert opened == [("PagerDuty: pd: Disk full on db-1", "triggered", "SEV1", ["checkout"])]
    assert acknowledged[0][1] == "open"
    assert (await _incidents(db, tenant))[0][1] == "resolved"
