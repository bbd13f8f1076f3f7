"""Streaming evaluation of event rules on ingest, and resolution of alerts whose condition cleared.

``evaluate_events`` is an ingest consumer (domain/telemetry/pipeline.py): every stored batch meets the
tenant's enabled event rules (compiled and indexed once per rule version, per process). An event
with ``status: resolved`` (as Alertmanager and Keep send when an alert clears) counts towards
nothing: it resolves the open alert of each rule it matches, for its group. Event-rule alerts also
resolve after ``autoResolveMinutes`` without a matching event.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from domain import clock
from domain.alerting.engine import OPEN, label_of, lock, record_match
from domain.alerting.models import Alert, AlertRule
from domain.alerting.ruleset import CompiledRule, RuleSet, compile_rule
from domain.alerting.templates import group_of
from domain.incidents.lifecycle import ACTIVE
from domain.incidents.models import Incident
from domain.incidents.service import transition_incident
from domain.telemetry.pipeline import stored_events

if TYPE_CHECKING:
    from domain.uow import Transaction, UnitOfWork

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
    """What CEL conditions see of a stored event (``event.<field>``); ``status`` is ``firing`` unless the
    sender said ``resolved`` or ``acknowledged``, ``fingerprint`` the sender's own (or empty)."""
    attributes = record["attributes"] or {}
    status = attributes.get("status") if attributes.get("status") in ("resolved", "acknowledged") else "firing"
    return {"id": record["id"], "occurred_at": record["occurred_at"], "source": record["source"],
            "kind": record["kind"], "severity": record["severity"], "title": record["title"],
            "message": record["message"], "service": record["service"], "host": record["host"],
            "status": status, "fingerprint": str(attributes.get("fingerprint") or ""),
            "attributes": attributes, "resource": record["resource"] or {}}


async def evaluate_ingested(db: UnitOfWork, *, tenant_id: uuid.UUID,
                            keys: list[tuple[datetime, uuid.UUID]]) -> dict[str, int]:
    """Evaluate the alert rules on newly ingested events (by their keys); says how many it read."""
    async with db.transaction(tenant_id=tenant_id) as tx:
        events = await stored_events(tx, keys)
        await evaluate_events(tx, events)
    return {"alert_rules": len(events)}


async def evaluate_events(tx: Transaction, events: list) -> int:
    """Count every (event, matching rule) pair; returns how many matches were new."""
    rules = await event_rules(tx)
    if not len(rules):
        return 0
    counted = 0
    for record in events:
        event = as_event(record)
        for rule in rules.matching(event):
            if event["status"] == "resolved":
                await resolve_by_event(tx, rule, event)
            elif event["status"] == "acknowledged":
                await acknowledge_by_event(tx, rule, event)
            else:
                counted += await record_match(tx, rule, event) is not None
    return counted


async def _open_alert_of(tx: Transaction, rule: CompiledRule, event: dict) -> Alert | None:
    """The rule's open alert for the event's group (locked for this transaction), or None."""
    group_key = group_of({key: label_of(event, key) for key in rule.group_by})
    await lock(tx, "alert", rule.id, group_key)
    return await tx.session.scalar(select(Alert).where(
        Alert.tenant_id == tx.tenant_id, Alert.rule_id == rule.id, Alert.group_key == group_key,
        Alert.status.in_(OPEN)))


async def resolve_by_event(tx: Transaction, rule: CompiledRule, event: dict) -> bool:
    """A resolve event clears the rule's open alert for the event's group; False when none was open."""
    alert = await _open_alert_of(tx, rule, event)
    if alert is None:
        return False
    await resolve_alert(tx, alert, rule_name=rule.name, reason=f"resolved by {event['source']}: {event['title']}")
    return True


async def acknowledge_by_event(tx: Transaction, rule: CompiledRule, event: dict) -> bool:
    """An acknowledge event (PagerDuty, Opsgenie) moves the incident of the group's alert from triggered to
    open; False when there is no such alert or its incident is past triggered."""
    alert = await _open_alert_of(tx, rule, event)
    incident = await tx.session.get(Incident, alert.incident_id) if alert and alert.incident_id else None
    if incident is None or incident.status != "triggered":
        return False
    await transition_incident(tx, incident_id=incident.id, to="open", actor=f"rule:{rule.name}",
                              note=f"acknowledged by {event['source']}")
    return True


async def resolve_alert(tx: Transaction, alert: Alert, *, rule_name: str, reason: str) -> None:
    """Resolve an alert; its incident resolves too when no other alert keeps it open."""
    alert.status, alert.resolved_at, alert.clear_since = "resolved", clock.now(), None
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
