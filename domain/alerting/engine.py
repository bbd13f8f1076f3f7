"""From a rule match to an incident: alerts per group, thresholds, silences, dedup, correlation.

A match finds (or opens) the rule's alert for the event's group and counts the event once. When an
alert reaches the rule's threshold it fires: it joins the open incident with its fingerprint, or
opens one, which is then correlated and handed to the AI pipeline. Alerts a silence covers are
recorded and raise nothing. Per group and per fingerprint work is serialised with transaction
advisory locks, so concurrent workers never open two alerts or two incidents for one thing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from atlas.jobs import AI_QUEUE
from domain import clock
from domain.alerting.correlation import correlate
from domain.alerting.models import Alert
from domain.alerting.notify import notify_targets
from domain.alerting.ruleset import CompiledRule
from domain.alerting.silences import active_silence
from domain.alerting.templates import group_of, render_fingerprint
from domain.incidents import timeline
from domain.incidents.lifecycle import ACTIVE
from domain.incidents.models import Incident
from domain.incidents.service import NewIncident, create_incident

if TYPE_CHECKING:
    from atlas.db import Transaction

OPEN = ("pending", "firing", "silenced")


async def lock(tx: Transaction, *parts: object) -> None:
    """Serialise work on one thing (rule group, fingerprint) until the transaction ends."""
    key = "|".join(str(p) for p in (tx.tenant_id, *parts))
    await tx.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})


async def open_alert(tx: Transaction, rule: CompiledRule, labels: dict[str, Any], *, at: datetime,
                     silenced_by: uuid.UUID | None) -> Alert:
    """The rule's open alert for this group, opening it (pending, or silenced) if there is none."""
    group_key = group_of(labels)
    await lock(tx, "alert", rule.id, group_key)
    alert = await tx.session.scalar(select(Alert).where(
        Alert.tenant_id == tx.tenant_id, Alert.rule_id == rule.id, Alert.group_key == group_key,
        Alert.status.in_(OPEN)))
    if alert is None:
        alert = Alert(tenant_id=tx.tenant_id, rule_id=rule.id, rule_version=rule.version, group_key=group_key,
                      fingerprint=render_fingerprint(rule.fingerprint_template, rule.name, labels),
                      status="silenced" if silenced_by else "pending", labels=labels, count=0,
                      first_seen=at, last_seen=at, silence_id=silenced_by)
        tx.session.add(alert)
        await tx.session.flush()
    return alert


async def count_event(tx: Transaction, alert: Alert, event_id: uuid.UUID, at: datetime) -> bool:
    """Count an event towards an alert once; False when it was already counted."""
    added = await tx.session.execute(text(
        "INSERT INTO alert_events (tenant_id, alert_id, event_id, occurred_at) VALUES (:t, :a, :e, :at) "
        "ON CONFLICT DO NOTHING RETURNING 1"), {"t": tx.tenant_id, "a": alert.id, "e": event_id, "at": at})
    if added.first() is None:
        return False
    alert.count += 1
    alert.last_seen = max(alert.last_seen, at)
    alert.clear_since = None
    return True


async def record_match(tx: Transaction, rule: CompiledRule, event: dict) -> Alert | None:
    """Count a matching event; fire or group the alert as the rule says. None for a repeat delivery."""
    at = event["occurred_at"]
    labels = {key: _label(event, key) for key in rule.group_by}
    silence = await active_silence(tx, rule=rule, labels=labels, at=at)
    alert = await open_alert(tx, rule, labels, at=at, silenced_by=silence)
    if not await count_event(tx, alert, event["id"], at):
        return None
    if alert.status == "pending" and alert.count >= rule.threshold_count:
        await fire(tx, rule, alert, title_hint=event.get("title"))
    elif alert.status == "firing" and alert.incident_id is not None:
        await _touch_incident(tx, alert.incident_id, at, added=1)
    await _link_events(tx, alert)
    return alert


def _label(event: dict, path: str) -> Any:
    value: Any = event
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


async def fire(tx: Transaction, rule: CompiledRule, alert: Alert, *, title_hint: str | None = None,
               value: float | None = None) -> Incident:
    """The alert fires: it joins the open incident with its fingerprint, or opens a new one."""
    now = clock.now()
    alert.status, alert.firing_since, alert.value = "firing", now, value if value is not None else alert.value
    await lock(tx, "fingerprint", alert.fingerprint)
    incident = await tx.session.scalar(select(Incident).where(
        Incident.tenant_id == tx.tenant_id, Incident.fingerprint == alert.fingerprint,
        Incident.status.in_(ACTIVE)).order_by(Incident.created_at).limit(1).with_for_update())
    if incident is not None:
        alert.incident_id = incident.id
        await _touch_incident(tx, incident.id, alert.last_seen, added=alert.count)
        await timeline.append(tx, incident, kind="alert_grouped", actor=f"rule:{rule.name}",
                              data={"alert_id": str(alert.id), "rule": rule.name, "group": alert.group_key})
        await notify_targets(tx, rule.notify, "alert.grouped", _payload(rule, alert, incident))
        return incident
    incident = await _open_incident(tx, rule, alert, title_hint)
    await notify_targets(tx, rule.notify, "incident.triggered", _payload(rule, alert, incident))
    return incident


async def _open_incident(tx: Transaction, rule: CompiledRule, alert: Alert, title_hint: str | None) -> Incident:
    services = [s for s in {rule.service, alert.labels.get("service")} if isinstance(s, str) and s]
    details = ", ".join(f"{k}={v}" for k, v in alert.labels.items() if v is not None)
    incident = await create_incident(tx, actor=f"rule:{rule.name}", new=NewIncident(
        title=(f"{rule.name}: {details}" if details else rule.name)[:300],
        description=title_hint or "", severity=rule.severity, services=sorted(services), source="alert",
        fingerprint=alert.fingerprint[:200], labels={k: str(v) for k, v in alert.labels.items()}))
    incident.alert_count, incident.last_seen_at = alert.count, alert.last_seen
    alert.incident_id = incident.id
    await tx.session.flush()
    await correlate(tx, incident)
    tx.enqueue("ai_pipeline", queue=AI_QUEUE, job_id=f"ai-pipeline:{incident.id}",
               tenant_id=str(tx.tenant_id), incident_id=str(incident.id))
    return incident


async def _touch_incident(tx: Transaction, incident_id: uuid.UUID, at: datetime, *, added: int) -> None:
    await tx.session.execute(text(
        "UPDATE incidents SET alert_count = alert_count + :n, last_seen_at = greatest(last_seen_at, :at) "
        "WHERE tenant_id = :t AND id = :i"), {"n": added, "at": at, "t": tx.tenant_id, "i": incident_id})


async def _link_events(tx: Transaction, alert: Alert) -> None:
    """Record which incident the alert's events raised (for the events query)."""
    if alert.incident_id is None:
        return
    await tx.session.execute(text(
        "INSERT INTO event_incidents (tenant_id, event_id, incident_id, rule) "
        "SELECT tenant_id, event_id, :i, :r FROM alert_events WHERE tenant_id = :t AND alert_id = :a "
        "ON CONFLICT DO NOTHING"), {"i": alert.incident_id, "r": str(alert.rule_id), "t": tx.tenant_id,
                                    "a": alert.id})


def _payload(rule: CompiledRule, alert: Alert, incident: Incident) -> dict:
    return {"rule": {"id": str(rule.id), "name": rule.name, "version": rule.version},
            "alert": {"id": str(alert.id), "group": alert.group_key, "labels": alert.labels, "count": alert.count,
                      "fingerprint": alert.fingerprint, "status": alert.status},
            "incident": {"id": str(incident.id), "reference": f"INC-{incident.number}", "title": incident.title,
                         "severity": incident.severity, "status": incident.status}}
