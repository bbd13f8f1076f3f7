"""Escalation in a real arq worker: levels in order, repeat, acknowledgement stops it, a restart pages nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

import pytest
from sqlalchemy import select

from atlas.worker import create_worker
from domain.incidents.models import Incident, TimelineEntry
from domain.incidents.service import assign_incident, transition_incident
from domain.paging.models import IncidentEscalation, Page
from domain.paging.policies import add_notification_rule
from tests.waiting import wait_for
from tests.workers.paging_setup import add_people, open_incident, policy_for, start_smtp


@pytest.fixture
def smtp():
    controller, inbox = start_smtp()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def paging_worker(live_settings, smtp, forget_earlier_jobs):
    """Run a burst worker (with a lower burst limit when asked) that mails through the local SMTP server."""
    controller, _ = smtp

    async def run(settings: dict | None = None, *, until=None):
        """Drain the queue, or (``until``) run until ``until()`` holds and stop mid-way."""
        worker_settings = replace(live_settings, smtp_port=controller.port, **(settings or {}))
        worker = create_worker(worker_settings, burst=until is None, poll_delay=0.01, handle_signals=False,
                               cron_jobs=[])  # the test's jobs only (see run_burst_worker)
        task = asyncio.create_task(worker.main())
        try:
            if until is None:
                await task
            else:
                await wait_for(until, timeout=20, what="the worker's progress")
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(asyncio.CancelledError):  # a job still running when it stops, as in a kill
                await worker.close()
        return worker

    return run


async def pages_of(db, tenant, incident_id) -> list[Page]:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return list(await tx.session.scalars(select(Page).where(Page.incident_id == incident_id)
                                             .order_by(Page.created_at, Page.level)))


async def _sent_to(db, tenant, incident_id, user_id) -> bool:
    """Whether the page to ``user_id`` is recorded sent (the mail arriving is not enough: stopping the worker
    between the mail and that record would leave the page pending)."""
    return any(p.user_id == user_id and p.status == "sent" for p in await pages_of(db, tenant, incident_id))


async def test_levels_page_in_order_and_repeat_until_nobody_is_left(db, make_tenant, smtp, paging_worker):
    # given a policy: ana, then bo a second later, repeated once, for the checkout service
    tenant = await make_tenant()
    (ana, ana_mail), (bo, bo_mail) = await add_people(db, tenant, 2)
    await policy_for(db, tenant, [[ana], [bo]], timeout=1, repeat=1)
    # when a checkout incident opens and nobody acknowledges it
    incident = await open_incident(db, tenant)
    worker = await paging_worker()
    # then it was assigned to ana, and ana, bo, ana, bo were paged by email, each step once, in order
    _, inbox = smtp
    assert worker.jobs_failed == 0
    pages = await pages_of(db, tenant, incident.id)
    assert [(p.user_id, p.level, p.round, p.status) for p in pages] == [
        (ana, 0, 0, "sent"), (bo, 1, 0, "sent"), (ana, 0, 1, "sent"), (bo, 1, 1, "sent")]
    assert len(inbox.to(ana_mail)) == 2 and len(inbox.to(bo_mail)) == 2
    assert "/page/" in inbox.to(ana_mail)[0].get_payload() and "acknowledge?token=" in inbox.to(ana_mail)[0].get_payload()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert (await tx.session.get(Incident, incident.id)).assignee_id == ana
        assert (await tx.session.get(IncidentEscalation, incident.id)).status == "exhausted"


async def test_acknowledging_stops_the_escalation(db, make_tenant, smtp, paging_worker):
    # given ana then bo, ten seconds apart
    tenant = await make_tenant()
    (ana, ana_mail), (bo, bo_mail) = await add_people(db, tenant, 2)
    await policy_for(db, tenant, [[ana], [bo]], timeout=2)
    incident = await open_incident(db, tenant)
    # when ana's page went out and she acknowledges before bo's turn (the inbox is shared with earlier tests)
    _, inbox = smtp
    worker = await paging_worker(until=lambda: inbox.to(ana_mail) and _sent_to(db, tenant, incident.id, ana))
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await transition_incident(tx, incident_id=incident.id, to="open", actor="ana")
    await paging_worker()
    # then bo is never paged and the escalation says acknowledged
    _, inbox = smtp
    assert worker.jobs_failed == 0
    assert [(p.user_id, p.status) for p in await pages_of(db, tenant, incident.id)] == [(ana, "sent")]
    assert inbox.to(bo_mail) == []
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert (await tx.session.get(IncidentEscalation, incident.id)).status == "acknowledged"


async def test_a_worker_restart_mid_escalation_pages_no_step_twice(runtime, db, make_tenant, smtp, paging_worker):
    # given a two-level escalation whose first step ran in a worker that then stopped
    tenant = await make_tenant()
    (ana, ana_mail), (bo, bo_mail) = await add_people(db, tenant, 2)
    await policy_for(db, tenant, [[ana], [bo]], timeout=1)
    incident = await open_incident(db, tenant)
    _, inbox = smtp
    await paging_worker(until=lambda: inbox.to(ana_mail) and _sent_to(db, tenant, incident.id, ana))
    # when the first step's job runs again (arq re-runs a job whose worker died) and a new worker finishes
    await runtime.redis.enqueue_job("escalate", tenant_id=str(tenant.tenant_id), incident_id=str(incident.id),
                                    generation=1, level=0, round_=0, _job_id=f"rerun-{incident.id}")
    await paging_worker()
    # then each person got exactly one page, and the timeline shows two steps
    _, inbox = smtp
    assert [(p.user_id, p.level) for p in await pages_of(db, tenant, incident.id)] == [(ana, 0), (bo, 1)]
    assert (len(inbox.to(ana_mail)), len(inbox.to(bo_mail))) == (1, 1)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        kinds = list(await tx.session.scalars(select(TimelineEntry.kind).where(
            TimelineEntry.incident_id == incident.id, TimelineEntry.kind == "paged")))
    assert kinds == ["paged", "paged"]


async def test_an_alert_storm_sends_a_few_pages_then_one_digest(db, make_tenant, smtp, paging_worker):
    # given ana on call for checkout, with at most two pages per five seconds
    tenant = await make_tenant()
    [(ana, ana_mail)] = await add_people(db, tenant, 1)
    await policy_for(db, tenant, [[ana]], timeout=60)
    # when five checkout incidents open at once
    incidents = [await open_incident(db, tenant) for _ in range(5)]
    _, inbox = smtp

    async def all_out() -> bool:
        pages = [p for i in incidents for p in await pages_of(db, tenant, i.id)]
        return len(pages) == 5 and all(p.sent_at for p in pages)

    await paging_worker({"paging_burst": 2, "paging_window": 5}, until=all_out)
    # then two pages went out, the other three were held, and one digest lists them all
    pages = [p for i in incidents for p in await pages_of(db, tenant, i.id)]
    assert sorted(p.status for p in pages) == ["digested"] * 3 + ["sent"] * 2
    mails = inbox.to(ana_mail)
    assert len(mails) == 3
    held = {i.reference for i in incidents} - {m["Subject"].split(":")[0].split()[-1] for m in mails[:2]}
    assert len(held) == 3 and all(reference in mails[2].get_payload() for reference in held)
    assert mails[2]["Subject"] == "3 more pages held back during an alert storm"


async def test_reassigning_restarts_the_escalation_for_the_new_assignee(db, make_tenant, smtp, paging_worker):
    # given ana paged first for a checkout incident
    tenant = await make_tenant()
    (ana, ana_mail), (bo, _), (cy, cy_mail) = await add_people(db, tenant, 3)
    await policy_for(db, tenant, [[ana], [bo]], timeout=1)
    incident = await open_incident(db, tenant)
    _, inbox = smtp
    await paging_worker(until=lambda: inbox.to(ana_mail) and _sent_to(db, tenant, incident.id, ana))
    # when it is reassigned to cy while still unacknowledged
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await assign_incident(tx, incident_id=incident.id, assignee_id=cy, actor="lead")
    await paging_worker()
    # then cy is paged at once as the new generation's first step, then the policy runs again from its top
    pages = await pages_of(db, tenant, incident.id)
    assert [(p.user_id, p.generation, p.level) for p in pages if p.generation == 2] == [(cy, 2, -1), (ana, 2, 0),
                                                                                           (bo, 2, 1)]
    assert len(inbox.to(cy_mail)) == 1
    assert not [p for p in pages if p.generation == 1 and p.level == 1]  # the first run's next step was superseded


async def test_a_delayed_rule_waits_and_sends_nothing_once_acknowledged(db, make_tenant, smtp, paging_worker):
    # given ana's rules: email at once, a second email address three seconds later
    tenant = await make_tenant()
    [(ana, ana_mail)] = await add_people(db, tenant, 1)
    later = f"later-{ana_mail}"
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await add_notification_rule(tx, user_id=ana, urgency="high", channel="email", address=ana_mail)
        await add_notification_rule(tx, user_id=ana, urgency="high", channel="email", address=later,
                                    delay_seconds=3)
    await policy_for(db, tenant, [[ana]], timeout=60)
    incident = await open_incident(db, tenant)
    # when the first email arrives and she acknowledges before the delay is over
    _, inbox = smtp
    await paging_worker(until=lambda: inbox.to(ana_mail) and _sent_to(db, tenant, incident.id, ana))
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await transition_incident(tx, incident_id=incident.id, to="open", actor="ana")
    await paging_worker()
    # then the delayed page was cancelled, never sent
    assert {p.address: p.status for p in await pages_of(db, tenant, incident.id)} == {
        ana_mail: "sent", later: "cancelled"}
    assert inbox.to(later) == []
