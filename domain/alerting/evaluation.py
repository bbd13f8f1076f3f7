"""Streaming evaluation of event rules on ingest, and resolution of alerts whose condition cleared.

``evaluate_events`` is an ingest consumer (domain/telemetry/pipeline.py): every stored batch meets the
tenant's enabled event rules (compiled and indexed once per rule version, per process).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from domain import clock
from domain.alerting.engine import OPEN, record_match
from domain.alerting.models import Alert, AlertRule
from domain.alerting.ruleset import RuleSet, compile_rule
from domain.incidents.lifecycle import ACTIVE
from domain.incidents.models import Incident
from domain.incidents.service import transition_incident

if TYPE_CHECKING:
    from atlas.db import Transaction

PENDING_EXPIRY = timedelta(hours=1)
_rule_sets: dict[uuid.UUID, tuple[frozenset, RuleSet]] = {}


async def event_rules(tx: Transaction) -> RuleSet:
    """The tenant's enabled event rules, recompiled only when a rule changed."""
    versions = frozenset((await tx.session.execute(select(AlertRule.id, AlertRule.version).where(
        AlertRule.tenant_id == tx.tenant_id, AlertRule.enabled.is_(True), AlertRule.kind == "event"))).all())
    cached = _rule_sets.get(tx.tenant_id)
    if cached is not None and cached[0] == versions:
        return cached[1]
    rows = await tx.session.scalars(select(AlertRule).where(
        AlertRule.tenant_id == tx.tenant_id, AlertRule.enabled.is_(True), AlertRule.kind == "event"))
    rule_set = RuleSet(compile_rule(row) for row in rows)
    _rule_sets[tx.tenant_id] = (versions, rule_set)
    return rule_set


def as_event(record: Any) -> dict:
    """What CEL conditions see of a stored event (``event.<field>``)."""
    return {"id": record["id"], "occurred_at": record["occurred_at"], "source": record["source"],
            "kind": record["kind"], "severity": record["severity"], "title": record["title"],
            "message": record["message"], "service": record["service"], "host": record["host"],
            "attributes": record["attributes"] or {}, "resource": record["resource"] or {}}


async def evaluate_events(tx: Transaction, events: list) -> int:
    """Count every (event, matching rule) pair; returns how many matches were new."""
    rules = await event_rules(tx)
    if not len(rules):
        return 0
    counted = 0
    for record in events:
        event = as_event(record)
        for rule in rules.matching(event):
            counted += await record_match(tx, rule, event) is not None
    return counted


async def resolve_alert(tx: Transaction, alert: Alert, *, rule_name: str, reason: str) -> None:
    """Resolve an alert; its incident resolves too when no other alert keeps it open."""
    alert.status, alert.resolved_at = "resolved", clock.now()
    await tx.session.flush()
    if alert.incident_id is None:
        return
    still_open = await tx.session.scalar(select(Alert.id).where(
        Alert.tenant_id == tx.tenant_id, Alert.incident_id == alert.incident_id, Alert.status.in_(OPEN)).limit(1))
    incident = await tx.session.get(Incident, alert.incident_id)
    if still_open is None and incident is not None and incident.status in ACTIVE:
        await transition_incident(tx, incident_id=incident.id, to="resolved", actor=f"rule:{rule_name}", note=reason)


async def resolve_quiet_alerts(tx: Transaction) -> int:
    """Event-rule alerts quiet for their rule's auto-resolve time resolve (pending ones after an hour)."""
    now, resolved = clock.now(), 0
    rows = await tx.session.execute(select(Alert, AlertRule).join(AlertRule, AlertRule.id == Alert.rule_id).where(
        Alert.tenant_id == tx.tenant_id, Alert.status.in_(OPEN), AlertRule.kind == "event"))
    for alert, rule in rows:
        quiet_for = timedelta(minutes=rule.auto_resolve_minutes) if rule.auto_resolve_minutes else None
        if alert.status == "pending" and alert.last_seen < now - PENDING_EXPIRY:
            await resolve_alert(tx, alert, rule_name=rule.name, reason="threshold not reached")
            resolved += 1
        elif quiet_for is not None and alert.last_seen < now - quiet_for:
            await resolve_alert(tx, alert, rule_name=rule.name,
                                reason=f"no matching events for {rule.auto_resolve_minutes} min")
            resolved += 1
    return resolved
