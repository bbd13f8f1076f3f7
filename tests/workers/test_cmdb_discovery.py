"""The discovery job, run by a real arq worker in burst mode: telemetry of one tenant becomes its CIs."""

from sqlalchemy import select

from domain import clock
from domain.cmdb.models import ConfigurationItem
from domain.telemetry.envelope import parse_envelope
from domain.telemetry.ingest import store_batch


async def test_the_job_discovers_each_tenants_services_and_nobody_elses(runtime, db, make_tenant,
                                                                      forget_earlier_jobs, run_burst_worker):
    a, b = await make_tenant(), await make_tenant()
    async with db.transaction(tenant_id=a.tenant_id) as tx:
        await store_batch(tx, parse_envelope({"resource": {"service.name": "ledger", "host.name": "ledger-1"},
                                              "logs": [{"body": "started"}]}), now=clock.now(), retention_days=7)

    for tenant in (a, b):
        await runtime.redis.enqueue_job("discover_cmdb", tenant_id=str(tenant.tenant_id))
    worker = await run_burst_worker()

    assert worker.jobs_failed == 0
    for tenant, expected in ((a, {("application_service", "ledger"), ("host", "ledger-1")}), (b, set())):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            found = {(ci.class_key, ci.name) for ci in await tx.session.scalars(select(ConfigurationItem))}
        assert found == expected
