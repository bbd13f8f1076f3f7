"""Helpers for the alerting screens' tests: rules through the API, events through the real ingest path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.alerting.evaluation import evaluate_ingested
from tests.console.telemetry.helpers import store

RULE_FIELDS = "id name version kind enabled condition window severity service groupBy thresholdCount notify"
CREATE_RULE = f"""mutation($i: AlertRuleInput!) {{ createAlertRule(input: $i) {{
  ... on AlertRuleSaved {{ rule {{ {RULE_FIELDS} }} }} ... on Error {{ code message field }} }} }}"""
READ_RULES = f"{{ alertRules {{ {RULE_FIELDS} }} }}"
CHECKOUT_RULE = {"name": "Checkout failing", "kind": "EVENT", "severity": "SEV2", "service": "payments",
                 "groupBy": ["service"], "thresholdCount": 2,
                 "condition": "event.source == 'synthetic-monitor' && event.severity == 'critical'"}
EVENT_FORM = {"name": "Checkout failing", "kind": "event", "severity": "SEV2", "service": "payments",
              "enabled": "on", "condition": "event.source == 'synthetic-monitor' && event.severity == 'critical'",
              "group_by": "service", "fingerprint_template": "{rule}:{group}", "threshold_count": "2"}


async def create_rule(api, **fields) -> dict:
    """Save a rule through the API (CHECKOUT_RULE with ``fields`` changed); the saved rule."""
    saved = (await api.call(CREATE_RULE, {"i": {**CHECKOUT_RULE, **fields}}))["createAlertRule"]
    assert "rule" in saved, saved
    return saved["rule"]


async def rules(api) -> list[dict]:
    """The tenant's rules as the API has them."""
    return (await api.call(READ_RULES, {}))["alertRules"]


def checks(minutes_ago: list[int], *, service: str = "payments", severity: str = "critical") -> list[dict]:
    """Synthetic-monitor events of one service, that many minutes ago."""
    now = datetime.now(UTC)
    return [{"source": "synthetic-monitor", "severity": severity, "title": f"checkout check {m} min ago",
             "service": service, "time": (now - timedelta(minutes=m)).isoformat()} for m in minutes_ago]


async def ingest(db, tenant, events: list[dict]) -> None:
    """Store events as the ingest endpoint does and hand them to the pipeline (rules evaluate them)."""
    stored = await store(db, tenant, {"events": events})
    await evaluate_ingested(db, tenant_id=tenant.tenant_id, keys=stored.events)
