"""The housekeeping job, run by a real arq worker in burst mode against the real Valkey."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from domain.audit import service as audit
from domain.audit.models import AuditEvent


async def _actions(db, tenant_id):
    async with db.transaction(tenant_id=tenant_id) as tx:
        return set(await tx.session.scalars(select(AuditEvent.action)))


async def test_prune_job_deletes_only_expired_events_of_the_given_tenant(runtime, db, make_tenant, live_settings,
                                                                          forget_earlier_jobs, run_burst_worker):
    # The app role may not UPDATE audit events; the test ages them as the table owner would.
    a, b = await make_tenant(), await make_tenant()
    for tenant in (a, b):
        await _age_event_as_owner(live_settings, tenant.tenant_id, "ancient", days=400)
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await audit.record(tx, actor="test", action="recent")

    await runtime.redis.enqueue_job("prune_audit_events", tenant_id=str(a.tenant_id))
    worker = await run_burst_worker()

    assert worker.jobs_failed == 0
    assert await _actions(db, a.tenant_id) == {"tenant.provisioned", "recent"}
    assert "ancient" in await _actions(db, b.tenant_id)


async def _age_event_as_owner(settings, tenant_id, action, *, days):
    from atlas.db import Database

    owner = Database(settings.database_url, pool_size=1)
    try:
        async with owner.transaction(tenant_id=tenant_id) as tx:
            await audit.record(tx, actor="test", action=action)
            await tx.session.execute(
                update(AuditEvent).where(AuditEvent.action == action)
                .values(occurred_at=datetime.now(UTC) - timedelta(days=days))
            )
    finally:
        await owner.dispose()


async def test_jobs_enqueued_in_a_transaction_wait_for_the_commit(runtime, db, make_tenant):
    tenant = await make_tenant()
    job_id = f"prune-{tenant.tenant_id}"

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        tx.enqueue("prune_audit_events", job_id=job_id, tenant_id=str(tenant.tenant_id))
        queued_before_commit = await runtime.redis.exists(f"arq:job:{job_id}")
    queued_after_commit = await runtime.redis.exists(f"arq:job:{job_id}")

    assert queued_before_commit == 0
    assert queued_after_commit == 1
