"""Demo alert rules that fit `atlas simulate` traffic: its outages raise, group, chain and resolve.

Each planted outage (atlas/simulate.py) trips the rules meant for it whatever the phase of the
minute ticks, and every rule clears well before the next outage: tests/atlas/test_simulate_rules.py
replays a whole cycle at several phases to hold this.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from atlas.db import Database
from domain.alerting.models import AlertRule, AlertRuleVersion
from domain.alerting.rules import RuleDefinition, create_rule, definition_of, update_rule

ACTOR = "atlas seed-demo"

RULES = [
    RuleDefinition(name="Checkout synthetic check failing", kind="event", severity="SEV2", service="payments",
                   condition="event.source == 'synthetic-monitor' && event.severity == 'critical'",
                   group_by=["service"], fingerprint_template="{rule}:{service}", threshold_count=2,
                   auto_resolve_minutes=2),
    RuleDefinition(name="Error rate above 20%", kind="metric", severity="SEV2", group_by=["service"],
                   window={"metric": "http.server.error_rate", "aggregation": "avg", "minutes": 2, "operator": ">",
                           "threshold": 0.2, "for_minutes": 1},
                   fingerprint_template="{rule}:{service}", auto_resolve_minutes=1),
    RuleDefinition(name="Latency p95 above 300 ms", kind="metric", severity="SEV3", group_by=["service"],
                   window={"metric": "http.server.duration.p95", "aggregation": "max", "minutes": 1,
                           "operator": ">", "threshold": 300, "for_minutes": 1},
                   fingerprint_template="{rule}:{service}", auto_resolve_minutes=1),
    RuleDefinition(name="Payment errors in logs", kind="log", severity="SEV3", group_by=["service"],
                   window={"service": "payments", "min_severity": 17, "minutes": 5, "operator": ">", "threshold": 20},
                   fingerprint_template="{rule}:{service}", auto_resolve_minutes=2),
    RuleDefinition(name="Edge agent heartbeat missing", kind="absence", severity="SEV3", service="web",
                   description="Enable once an edge agent sends heartbeats (atlas simulate does).",
                   window={"source": "edge-agent", "kind": "heartbeat", "minutes": 3},
                   auto_resolve_minutes=2, enabled=False),
]


async def seed_demo_rules(db: Database, *, tenant_id: uuid.UUID) -> int:
    """Create the demo rules the tenant does not have yet (by name), and bring those nobody edited since
    seeding up to date; return how many were made or updated."""
    made = 0
    async with db.transaction(tenant_id=tenant_id) as tx:
        existing = {rule.name: rule for rule in await tx.session.scalars(
            select(AlertRule).where(AlertRule.tenant_id == tenant_id))}
        for definition in RULES:
            wanted, rule = RuleDefinition(**definition.__dict__), existing.get(definition.name)
            if rule is None:
                await create_rule(tx, definition=wanted, actor=ACTOR)
            elif await _seeded_only(tx, rule) and definition_of(rule).as_json() != wanted.as_json():
                await update_rule(tx, rule_id=rule.id, definition=wanted, actor=ACTOR)
            else:
                continue
            made += 1
    return made


async def _seeded_only(tx, rule: AlertRule) -> bool:
    """Whether every saved version of the rule came from seeding (nobody changed it by hand)."""
    authors = set(await tx.session.scalars(select(AlertRuleVersion.changed_by).where(
        AlertRuleVersion.tenant_id == rule.tenant_id, AlertRuleVersion.rule_id == rule.id)))
    return authors == {ACTOR}
