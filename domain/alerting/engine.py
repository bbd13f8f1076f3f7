"""From a rule match to an incident: alerts per group, thresholds, silences, dedup, grouping, correlation.

A match finds (or opens) the rule's alert for the event's group and counts the event once. When an
alert reaches the rule's threshold it fires and finds its incident (domain/alerting/grouping.py):
the active one with its fingerprint or its group key, a recently resolved one it reopens, or a new
one, which is then correlated and handed to the AI pipeline. An incident's alert count is always the
sum of its alerts' counts, and only an active incident ever counts. Alerts a silence covers are
recorded and raise nothing. Per group and per fingerprint work is serialised with transaction
advisory locks, so concurrent workers never open two alerts or two incidents for one thing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from domain import clock
from domain.ai.pipeline.service import queue_pipeline
from domain.alerting.correlation import correlate, recorrelate
from domain.alerting.grouping import REOPEN_NOTE, Home, find_home, group_key_for
from domain.alerting.models import Alert
from domain.alerting.release import sync_alert_count
from domain.alerting.ruleset import CompiledRule
from domain.alerting.settings import alerting_policy
from domain.alerting.silences import active_silence
from domain.alerting.templates import group_of, render_fingerprint
from domain.incidents import links, timeline
from domain.incidents.models import SEVERITIES, Incident
from domain.incidents.service import NewIncident, create_incident, transition_incident

if TYPE_CHECKING:
    from domain.uow import Transaction

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
    labels = {key: label_of(event, key) for key in rule.group_by}
    silence = await active_silence(tx, rule=rule, labels=labels, at=at)
    alert = await open_alert(tx, rule, labels, at=at, silenced_by=silence)
    if not await count_event(tx, alert, event["id"], at):
        return None
    if alert.status == "pending" and alert.count >= rule.threshold_count:
        await fire(tx, rule, alert, title_hint=event.get("title"), severity_hint=_severity_hint(event))
    elif alert.status == "firing" and alert.incident_id is not None:
        await sync_alert_count(tx, alert.incident_id)
    await _link_events(tx, alert)
    return alert


def label_of(event: dict, path: str) -> Any:
    """The value of an event field (``service``, ``attributes.region``) used to group alerts."""
    value: Any = event
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def _service(rule: CompiledRule, alert: Alert) -> str | None:
    service = alert.labels.get("service") or rule.service
    return service if isinstance(service, str) and service else None


def _severity_hint(event: dict) -> str | None:
    """An event may name the severity of the incident it opens (drop-in integrations map theirs to ours)."""
    hint = (event.get("attributes") or {}).get("incident_severity")
    return hint if hint in SEVERITIES else None


async def fire(tx: Transaction, rule: CompiledRule, alert: Alert, *, title_hint: str | None = None,
               value: float | None = None, severity_hint: str | None = None) -> Incident:
    """The alert fires: it joins (or reopens) the incident it belongs to, or opens a new one."""
    now = clock.now()
    alert.status, alert.firing_since, alert.value = "firing", now, value if value is not None else alert.value
    await lock(tx, "fingerprint", alert.fingerprint)
    policy = await alerting_policy(tx)
    group_key = await group_key_for(tx, policy, _service(rule, alert))
    home = await find_home(tx, fingerprint=alert.fingerprint, group_key=group_key, policy=policy, now=now)
    if home.incident is None:
        return await _open_incident(tx, rule, alert, title_hint, group_key=group_key, previous=home.previous,
                                    severity=severity_hint or rule.severity)
    return await _join(tx, rule, alert, home)


async def _join(tx: Transaction, rule: CompiledRule, alert: Alert, home: Home) -> Incident:
    """The alert joins an active incident (reopening it first when it recurred after a resolve)."""
    incident = home.incident
    actor = f"rule:{rule.name}"
    if home.how == "reopened":
        incident = await transition_incident(tx, incident_id=incident.id, to="open", actor=actor, note=REOPEN_NOTE)
        await recorrelate(tx, incident)
    alert.incident_id = incident.id
    service = _service(rule, alert)
    if service and service not in incident.services:
        incident.services = [*incident.services, service]
    await tx.session.flush()
    await sync_alert_count(tx, incident.id)
    await timeline.append(tx, incident, kind="alert_grouped", actor=actor, data={
        "alert_id": str(alert.id), "rule": rule.name, "rule_ids": [str(rule.id)], "group": alert.group_key,
        "fingerprint": alert.fingerprint, "by": home.how})
    return incident


def _incident_title(rule: CompiledRule, alert: Alert, title_hint: str | None) -> str:
    """The rule and its group's labels; an alert grouped by the sender's own fingerprint (one alert per
    alert of theirs, as from PagerDuty or Alertmanager) is named by the rule and the event's title."""
    if "fingerprint" in alert.labels and title_hint:
        details = title_hint
    else:
        details = ", ".join(f"{k}={v}" for k, v in alert.labels.items() if v is not None)
    return (f"{rule.name}: {details}" if details else rule.name)[:300]


async def _open_incident(tx: Transaction, rule: CompiledRule, alert: Alert, title_hint: str | None, *,
                         group_key: str | None, previous: Incident | None, severity: str) -> Incident:
    services = [s for s in {rule.service, alert.labels.get("service")} if isinstance(s, str) and s]
    incident = await create_incident(tx, actor=f"rule:{rule.name}", new=NewIncident(
        title=_incident_title(rule, alert, title_hint),
        description=title_hint or "", severity=severity, services=sorted(services), source="alert",
        fingerprint=alert.fingerprint[:200], labels={k: str(v) for k, v in alert.labels.items()},
        group_key=group_key, alert_count=alert.count, last_seen_at=alert.last_seen,
        origin={"rule": rule.name, "rule_ids": [str(rule.id)], "alert_id": str(alert.id),
                "fingerprint": alert.fingerprint}))
    alert.incident_id = incident.id
    await tx.session.flush()
    if previous is not None:
        await links.link_incidents(tx, from_id=incident.id, to_id=previous.id, kind="related", closed_ok=True,
                                   reason=f"recurrence of {previous.reference}", source="recurrence",
                                   actor=f"rule:{rule.name}")
    await correlate(tx, incident)
    queue_pipeline(tx, incident_id=incident.id)
    return incident


async def _link_events(tx: Transaction, alert: Alert) -> None:
    """Record which incident the alert's events raised (for the events query)."""
    if alert.incident_id is None:
        return
    await tx.session.execute(text(
        "INSERT INTO event_incidents (tenant_id, event_id, incident_id, rule) "
        "SELECT tenant_id, event_id, :i, :r FROM alert_events WHERE tenant_id = :t AND alert_id = :a "
        "ON CONFLICT DO NOTHING"), {"i": alert.incident_id, "r": str(alert.rule_id), "t": tx.tenant_id,
                                    "a": alert.id})
