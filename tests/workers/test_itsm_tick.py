"""The ITSM tick, run by a real arq worker in burst mode: SLA breaches recorded once across runs, and an
approval whose window passed unstarted lapses."""

from datetime import timedelta

from sqlalchemy import select

from domain import clock
from domain.changes.models import ChangeRequest
from domain.incidents.models import TimelineEntry
from domain.incidents.service import NewIncident, create_incident
from domain.sla.policies import PolicyDraft, create_sla_policy
from tests.domain.changes.helpers import move, raise_change, shop


async def test_the_tick_records_a_missed_breach_once_and_lapses_an_unstarted_approval(
        runtime, db, make_tenant, forget_earlier_jobs, run_burst_worker):
    tenant, ids = await shop(db, make_tenant)
    with clock.clock_at(clock.now() - timedelta(hours=2)):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await create_sla_policy(tx, draft=PolicyDraft(name="P3", response_minutes=15), actor="test")
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            incident = await create_incident(tx, new=NewIncident(title="slow", severity="SEV3"), actor="test")
        change = await raise_change(db, tenant, ci_ids=[ids["web"]], type="standard",
                                    start_end=(clock.now() + timedelta(minutes=5), clock.now() + timedelta(hours=1)))
        await move(db, tenant, change.id, "submitted", "assessment", "approved")

    for _ in range(2):  # a retried or duplicated job records nothing twice
        await runtime.redis.enqueue_job("itsm_tick_tenant", tenant_id=str(tenant.tenant_id))
        worker = await run_burst_worker()
        assert worker.jobs_failed == 0

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        kinds = list(await tx.session.scalars(select(TimelineEntry.kind).where(
            TimelineEntry.incident_id == incident.id, TimelineEntry.actor == "SLA")))
        lapsed = await tx.session.get(ChangeRequest, change.id)
    assert kinds == ["sla_warning", "sla_breached", "priority_changed"]
    assert (lapsed.state, lapsed.cab_round) == ("assessment", 2)
