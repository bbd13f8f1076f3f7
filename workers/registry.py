"""The jobs a worker runs: how long each may take and how often the cron jobs run.

Every job is safe to run twice (a dead worker's job runs again; see workers/resilience.py), and
each has a timeout sized to its work rather than arq's five-minute default. The worker process
itself (start-up, Redis, the outbox sweep) is assembled in atlas/worker.py.
"""

from __future__ import annotations

from arq import cron

from domain.alerting.delivery import MAX_TRIES as WEBHOOK_TRIES
from workers.jobs.ai import ai_credits_renewed
from workers.jobs.ai_pipeline import MAX_TRIES as AI_STEP_TRIES
from workers.jobs.ai_pipeline import ai_pipeline, ai_pipeline_step
from workers.jobs.alerting import alerting_tick, deliver_webhook
from workers.jobs.automation import automation_advance, automation_tick, workflow_trigger
from workers.jobs.billing import billing_tick, razorpay_event
from workers.jobs.cmdb import discover_cmdb
from workers.jobs.copilot import prune_all_copilot_conversations, prune_copilot_conversations
from workers.jobs.housekeeping import prune_all_audit_events, prune_audit_events
from workers.jobs.itsm import itsm_tick, itsm_tick_tenant
from workers.jobs.knowledge import index_knowledge, index_resolved_incidents, reembed_knowledge
from workers.jobs.paging import escalate, send_page, send_page_digest
from workers.jobs.planes import plane_heartbeat, send_plane_deliveries
from workers.jobs.policies import policy_published
from workers.jobs.telemetry import maintain_partitions, telemetry_ingested
from workers.resilience import job

FUNCTIONS = [
    job(telemetry_ingested, timeout=60),
    job(deliver_webhook, timeout=30, max_tries=WEBHOOK_TRIES),
    job(prune_audit_events, timeout=300),
    job(maintain_partitions, timeout=300),
    job(alerting_tick, timeout=55),
    job(discover_cmdb, timeout=240),
    job(escalate, timeout=30, max_tries=20),
    job(send_page, timeout=30, max_tries=8),
    job(send_page_digest, timeout=30, max_tries=8),
    job(ai_credits_renewed, timeout=30),
    job(ai_pipeline, timeout=180, max_tries=AI_STEP_TRIES),  # on the AI queue (`atlas worker --queue ai`)
    job(ai_pipeline_step, timeout=180, max_tries=AI_STEP_TRIES),
    job(index_knowledge, timeout=120),
    job(reembed_knowledge, timeout=600),
    job(index_resolved_incidents, timeout=300),
    job(itsm_tick, timeout=55),  # ITSM: lapsed approvals, SLA timers
    job(itsm_tick_tenant, timeout=30),
    job(automation_advance, timeout=3700),  # an HTTP step may take up to an hour (its own timeout)
    job(workflow_trigger, timeout=60),
    job(automation_tick, timeout=30),
    job(razorpay_event, timeout=30),
    job(billing_tick, timeout=600),
    job(policy_published, timeout=600),
    job(prune_copilot_conversations, timeout=300),
    job(send_plane_deliveries, timeout=120),  # planes apart: CP -> TP pushes
    job(plane_heartbeat, timeout=15),
]
CRON_JOBS = [
    cron(alerting_tick, second={0}, unique=True, timeout=55),
    cron(prune_all_audit_events, hour={3}, minute={17}, unique=True, timeout=600),
    cron(maintain_partitions, minute={5}, unique=True, run_at_startup=True, timeout=300),
    cron(discover_cmdb, minute=set(range(1, 60, 5)), second={30}, unique=True, timeout=240),
    cron(index_resolved_incidents, minute=set(range(3, 60, 10)), unique=True, timeout=300),
    cron(itsm_tick, second={20}, unique=True, timeout=55),  # ITSM
    cron(automation_tick, second=set(range(0, 60, 10)), unique=True, timeout=30),
    cron(billing_tick, minute={23}, unique=True, timeout=600),
    cron(prune_all_copilot_conversations, hour={3}, minute={41}, unique=True, timeout=600),
    cron(send_plane_deliveries, second=set(range(5, 60, 10)), unique=True, timeout=120),
    cron(plane_heartbeat, second={15}, unique=True, timeout=15),
]

# Which cron jobs run where when the planes are deployed apart (`atlas worker --plane cp|tp`): the control
# plane bills and pushes to tenant planes; a tenant plane runs everything that works on operational data
# and heartbeats to the control plane. `all` runs every one of them except the plane-to-plane ones.
CONTROL_PLANE_CRONS = frozenset({"billing_tick", "send_plane_deliveries"})
TENANT_PLANE_ONLY_CRONS = frozenset({"plane_heartbeat"})


def _name(job) -> str:
    return job.name.removeprefix("cron:")


def cron_jobs_for(plane: str) -> list:
    """The cron jobs of a worker serving ``plane`` (``all``: as in one deployment)."""
    if plane == "all":
        return [c for c in CRON_JOBS if _name(c) not in TENANT_PLANE_ONLY_CRONS]
    if plane == "cp":
        return [c for c in CRON_JOBS if _name(c) in CONTROL_PLANE_CRONS]
    return [c for c in CRON_JOBS if _name(c) not in CONTROL_PLANE_CRONS]
