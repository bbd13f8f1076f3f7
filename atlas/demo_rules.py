"""Demo alert rules that fit `atlas simulate` traffic: its outages raise, group, chain and resolve."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from atlas.db import Database
from domain.alerting.models import AlertRule
from domain.alerting.rules import RuleDefinition, create_rule

RULES = [
    RuleDefinition(name="Checkout synthetic check failing", kind="event", severity="SEV2", service="payments",
                   condition="event.source == 'synthetic-monitor' && event.severity == 'critical'",
                   group_by=["service"], fingerprint_template="{rule}:{service}", threshold_count=2,
                   auto_resolve_minutes=3),
    RuleDefinition(name="Error rate above 20%", kind="metric", severity="SEV2", group_by=["service"],
                   window={"metric": "http.server.error_rate", "aggregation": "avg", "minutes": 2, "operator": ">",
                           "threshold": 0.2, "for_minutes": 1},
                   fingerprint_template="{rule}:{service}", auto_resolve_minutes=3),
    RuleDefinition(name="Latency p95 above 300 ms", kind="metric", severity="SEV3", group_by=["service"],
                   window={"metric": "http.server.duration.p95", "aggregation": "max", "minutes": 2,
                           "operator": ">", "threshold": 300, "for_minutes": 1},
                   fingerprint_template="{rule}:{service}", auto_resolve_minutes=3),
    RuleDefinition(name="Payment errors in logs", kind="log", severity="SEV3", group_by=["service"],
                   window={"service": "payments", "min_severity": 17, "minutes": 5, "operator": ">", "threshold": 20},
                   fingerprint_template="{rule}:{service}", auto_resolve_minutes=5),
    RuleDefinition(name="Edge agent heartbeat missing", kind="absence", severity="SEV3", service="web",
                   description="Enable once an edge agent sends heartbeats (atlas simulate does).",
                   window={"source": "edge-agent", "kind": "heartbeat", "minutes": 3},
                   auto_resolve_minutes=2, enabled=False),
]


async def seed_demo_rules(db: Database, *, tenant_id: uuid.UUID) -> int:
    """Create the demo rules the tenant does not have yet (by name); return how many were made."""
    made = 0
    async with db.transaction(tenant_id=tenant_id) as tx:
        existing = set(await tx.session.scalars(select(AlertRule.name).where(AlertRule.tenant_id == tenant_id)))
        for definition in RULES:
            if definition.name not in existing:
                await create_rule(tx, definition=RuleDefinition(**definition.__dict__), actor="atlas seed-demo")
                made += 1
    return made
