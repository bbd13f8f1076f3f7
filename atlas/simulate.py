"""`atlas simulate`: realistic telemetry from a small shop of services, through the public ingest API.

Eight services call each other (web -> checkout -> payments, inventory, orders-db; web -> search ->
search-index; web -> auth). Every second the simulator makes traces across them, request logs and
metrics. Every nine minutes two outages are planted, each long and strong enough to trip the demo
rules (atlas/demo_rules.py) whatever the phase of the once-a-minute evaluation, and far enough apart
that each one's incidents resolve before the next begins:
  - 1:00-2:30 payments fails (60% of calls time out after 2-5 s: errors, error logs, a failing
    synthetic check, slow checkout and web upstream): one incident on payments, checkout and web
    under it;
  - 5:30-6:45 the search index slows down 40-fold (search and web slow upstream): one incident on
    search-index, search and web under it.
The next cycle's payments outage recurs after the first one resolved: its incident is reopened.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

CALLS = {"web": ["auth", "checkout", "search"], "checkout": ["inventory", "payments", "orders-db"],
         "inventory": ["orders-db"], "search": ["search-index"], "auth": [], "payments": [], "orders-db": [],
         "search-index": []}
HOSTS = {service: [f"{service}-{n}" for n in range(1, 3)] for service in CALLS}
BASE_LATENCY_MS = {"web": 8, "auth": 4, "checkout": 12, "inventory": 6, "payments": 40, "orders-db": 3,
                   "search": 15, "search-index": 10}
ROUTES = [("GET /", ["auth"]), ("POST /checkout", ["auth", "checkout"]), ("GET /search", ["search"])]
CYCLE = 540          # seconds between trouble
PAYMENTS_OUTAGE = (60, 150)   # seconds into the cycle
SEARCH_SLOWDOWN = (330, 405)
SEARCH_SLOWDOWN_FACTOR = 40


@dataclass
class Trouble:
    """What is going wrong at a moment in the cycle."""

    payments_down: bool
    search_slow: bool

    @classmethod
    def at(cls, second: float) -> Trouble:
        phase = second % CYCLE
        return cls(PAYMENTS_OUTAGE[0] <= phase < PAYMENTS_OUTAGE[1], SEARCH_SLOWDOWN[0] <= phase < SEARCH_SLOWDOWN[1])


@dataclass
class Simulator:
    """Builds one ingest envelope per second of simulated traffic."""

    rate: int = 200
    seed: int | None = None
    started: float = 0.0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def second(self, now: datetime, elapsed: float) -> dict:
        """An envelope with about ``rate`` items for the second starting at ``now``."""
        trouble = Trouble.at(elapsed)
        spans, logs = [], []
        stats: dict[str, list[float]] = {service: [] for service in CALLS}
        errors: dict[str, int] = dict.fromkeys(CALLS, 0)
        requests = max(1, self.rate // 4)  # a request makes about four spans and some logs
        for _ in range(requests):
            self._request(now + timedelta(milliseconds=self.rng.randint(0, 999)), trouble, spans, logs, stats, errors)
        return {"spans": spans, "logs": logs, "metrics": self._metrics(now, stats, errors),
                "events": self._events(now, elapsed, trouble, errors)}

    def _request(self, at, trouble, spans, logs, stats, errors) -> None:
        route, first_calls = self.rng.choice(ROUTES)
        trace_id = uuid.uuid4().hex
        self._span(trace_id, None, "web", route, at, first_calls, trouble, spans, logs, stats, errors)

    def _span(self, trace_id, parent, service, name, start, calls, trouble, spans, logs, stats, errors) -> float:
        span_id = uuid.uuid4().hex[:16]
        latency = BASE_LATENCY_MS[service] * self.rng.uniform(0.6, 1.8)
        if service == "search-index" and trouble.search_slow:
            latency *= SEARCH_SLOWDOWN_FACTOR
        failed = service == "payments" and trouble.payments_down and self.rng.random() < 0.6
        if failed:
            latency = self.rng.uniform(2000, 5000)
        cursor = start + timedelta(milliseconds=1)
        for callee in calls:
            child_ms = self._span(trace_id, span_id, callee, f"{callee} call", cursor, CALLS[callee], trouble,
                                  spans, logs, stats, errors)
            cursor += timedelta(milliseconds=child_ms)
            latency += child_ms
        end = start + timedelta(milliseconds=latency)
        spans.append({"trace_id": trace_id, "span_id": span_id, "parent_span_id": parent, "name": name,
                      "service": service, "kind": "server" if parent is None else "client",
                      "start_time": start.isoformat(), "end_time": end.isoformat(),
                      "status": "error" if failed else "ok",
                      "status_message": "upstream provider timeout" if failed else "",
                      "attributes": {"host.name": self.rng.choice(HOSTS[service])}})
        stats[service].append(latency)
        if failed:
            errors[service] += 1
            logs.append({"time": end.isoformat(), "severity": "ERROR", "service": service, "trace_id": trace_id,
                         "span_id": span_id, "body": "payment authorisation failed: upstream provider timeout",
                         "attributes": {"provider": "acme-pay", "timeout_ms": int(latency)}})
        elif parent is None and self.rng.random() < 0.3:
            logs.append({"time": end.isoformat(), "severity": "INFO", "service": service, "trace_id": trace_id,
                         "body": f"{name} 200 {latency:.0f}ms"})
        return latency

    def _metrics(self, now: datetime, stats, errors) -> list[dict]:
        points = []
        for service, latencies in stats.items():
            if not latencies:
                continue
            ordered = sorted(latencies)
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
            labels = {"service": service}
            points += [
                {"name": "http.server.requests", "kind": "sum", "value": len(latencies), "service": service,
                 "labels": labels, "time": now.isoformat()},
                {"name": "http.server.duration.p95", "value": round(p95, 2), "unit": "ms", "service": service,
                 "labels": labels, "time": now.isoformat()},
                {"name": "http.server.error_rate", "value": round(errors[service] / len(latencies), 4),
                 "service": service, "labels": labels, "time": now.isoformat()},
                {"name": "system.cpu.utilization", "value": round(self.rng.uniform(0.15, 0.55), 3),
                 "service": service, "labels": {"host": self.rng.choice(HOSTS[service])}, "time": now.isoformat()},
            ]
        return points

    def _events(self, now: datetime, elapsed: float, trouble: Trouble, errors) -> list[dict]:
        events = []
        if int(elapsed) % 30 == 0:
            events.append({"source": "edge-agent", "kind": "heartbeat", "severity": "ok", "title": "agent heartbeat",
                           "service": "web", "time": now.isoformat()})
        if trouble.payments_down and errors["payments"]:
            events.append({"source": "synthetic-monitor", "kind": "alert", "severity": "critical",
                           "title": "Checkout success rate below 95%", "service": "payments",
                           "message": f"{errors['payments']} failed payment authorisations in the last second",
                           "time": now.isoformat(), "attributes": {"check": "checkout-e2e"}})
        return events


def utcnow() -> datetime:
    return datetime.now(UTC)
