"""Prometheus metrics of the web process and the `/metrics` endpoint.

Request latency by route and GraphQL operation, ingest outcomes, and gauges read at scrape time
(queue depth, outbox backlog, database pool, websockets, pub/sub channels). Workers export their job
durations from workers/metrics.py on their own port.
"""

from __future__ import annotations

import hmac
import re

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from domain.outages import DEPENDENCY_DOWN
from domain.outbox import store as outbox
from domain.uow import QUEUE_NAME

HTTP_SECONDS = Histogram("atlas_http_request_duration_seconds", "HTTP requests by route, method and status.",
                         ["route", "method", "status"])
GRAPHQL_SECONDS = Histogram("atlas_graphql_operation_duration_seconds", "GraphQL requests by operation name.",
                            ["operation"])
INGEST_ITEMS = Counter("atlas_ingest_items_total", "Telemetry items received, by signal and outcome.",
                       ["signal", "outcome"])
WEBSOCKETS = Gauge("atlas_websocket_connections", "Open websocket connections (GraphQL subscriptions).")
PUBSUB_CHANNELS = Gauge("atlas_pubsub_channels", "Redis channels this process listens to for subscribers.")
QUEUE_DEPTH = Gauge("atlas_queue_depth", "Jobs waiting in the queue (due now or deferred).")
OUTBOX_BACKLOG = Gauge("atlas_outbox_backlog", "Jobs written to the outbox and not yet handed to the queue.")
OUTBOX_OLDEST = Gauge("atlas_outbox_oldest_seconds", "Age of the oldest job waiting in the outbox.")
DB_POOL_IN_USE = Gauge("atlas_db_pool_connections_in_use", "Database connections checked out of the pool.")
DB_POOL_SIZE = Gauge("atlas_db_pool_size", "Connections the database pool keeps open.")
AI_CALLS = Counter("atlas_ai_calls_total", "AI gateway calls by task, provider and outcome (ok, failed, refused).",
                   ["task", "provider", "outcome"])
AI_FALLBACKS = Counter("atlas_ai_fallbacks_total", "AI gateway calls answered by a later model of the task's chain.",
                       ["task"])
AI_SECONDS = Histogram("atlas_ai_call_duration_seconds", "AI gateway calls, from reservation to settlement.",
                       ["task"])
SCRAPE_FAILURES = Counter("atlas_metrics_scrape_failures_total", "Gauges that could not be read at scrape time.",
                          ["gauge"])

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_MAX_OPERATIONS = 500
_seen_operations: set[str] = set()


def operation_label(name: str | None) -> str:
    """A bounded label for a client-chosen operation name: anonymous, the name, or `other` past the cap."""
    if not name or not _NAME.match(name):
        return "anonymous"
    if name not in _seen_operations and len(_seen_operations) >= _MAX_OPERATIONS:
        return "other"
    _seen_operations.add(name)
    return name


def count_ingest(signal: str, accepted: int, rejected: int) -> None:
    INGEST_ITEMS.labels(signal, "accepted").inc(accepted)
    INGEST_ITEMS.labels(signal, "rejected").inc(rejected)


def observe_ai_call(record) -> None:
    """Count one gateway call (a domain.ai.audit.CallRecord): outcome, fallback and duration."""
    AI_CALLS.labels(record.task, record.provider or "none", record.outcome).inc()
    AI_SECONDS.labels(record.task).observe(record.latency_ms / 1000)
    tried = [attempt["model"] for attempt in record.attempts]
    if record.outcome == "ok" and tried and tried[0] != record.model_key:
        AI_FALLBACKS.labels(record.task).inc()


async def _read_gauges(runtime) -> None:
    """Set the scrape-time gauges; a part that is down leaves its gauge as it was and counts a failure."""
    PUBSUB_CHANNELS.set(len(runtime.hub.channels))
    pool = runtime.db.engine.pool
    DB_POOL_IN_USE.set(pool.checkedout())
    DB_POOL_SIZE.set(pool.size())
    try:
        QUEUE_DEPTH.set(await runtime.redis.zcard(QUEUE_NAME))
    except (*DEPENDENCY_DOWN, OSError):
        SCRAPE_FAILURES.labels("queue_depth").inc()
    try:
        async with runtime.db.transaction(tenant_id=None) as tx:
            await outbox.bind_relay(tx.session)
            pending, oldest = await outbox.backlog(tx.session)
        OUTBOX_BACKLOG.set(pending)
        OUTBOX_OLDEST.set(oldest)
    except (*DEPENDENCY_DOWN, OSError):
        SCRAPE_FAILURES.labels("outbox_backlog").inc()


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text format; behind a bearer token when ATLAS_METRICS_TOKEN is set."""
    token = request.app.state.settings.metrics_token
    if token and not hmac.compare_digest(request.headers.get("authorization", ""), f"Bearer {token}"):
        return Response("metrics need the metrics token\n", status_code=401,
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    await _read_gauges(request.app.state.runtime)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
