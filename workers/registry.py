"""The jobs a worker runs: how long each may take and how often the cron jobs run.

Every job is safe to run twice (a dead worker's job runs again; see workers/resilience.py), and
each has a timeout sized to its work rather than arq's five-minute default. The worker process
itself (start-up, Redis, the outbox sweep) is assembled in atlas/worker.py.
"""

from __future__ import annotations

from arq import cron

from domain.alerting.delivery import MAX_TRIES as WEBHOOK_TRIES
from workers.jobs.alerting import alerting_tick, deliver_webhook
from workers.jobs.billing import billing_tick, razorpay_event
from workers.jobs.cmdb import discover_cmdb
from workers.jobs.housekeeping import prune_all_audit_events, prune_audit_events
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
    job(razorpay_event, timeout=30),
    job(billing_tick, timeout=600),
    job(policy_published, timeout=600),
]
CRON_JOBS = [
    cron(alerting_tick, second={0}, unique=True, timeout=55),
    cron(prune_all_audit_events, hour={3}, minute={17}, unique=True, timeout=600),
    cron(maintain_partitions, minute={5}, unique=True, run_at_startup=True, timeout=300),
    cron(discover_cmdb, minute=set(range(1, 60, 5)), second={30}, unique=True, timeout=240),
    cron(billing_tick, minute={23}, unique=True, timeout=600),
]
