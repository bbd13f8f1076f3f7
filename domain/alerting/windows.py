"""Windowed rules (metric threshold, log pattern count, absence of data), evaluated every minute.

Each evaluation computes one value per group over the rule's window and moves the group's alert:
condition met -> pending, firing once it has held for ``for_minutes``; condition no longer met ->
a pending alert is dropped, a firing one resolves once the condition has stayed clear for the rule's
clear time (``auto_resolve_minutes``; by default its ``for_minutes``, at least one minute). A group
whose newest sample is older than its freshness (a quarter of the window, at least a minute) has
stopped reporting: it meets no threshold, so traffic that stops cannot fire a rule on old data.
All state is in the ``alerts`` table, so a restarted worker neither fires twice nor forgets a
firing alert.
"""

from __future__ import annotations

import json
import operator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from domain import clock
from domain.alerting.engine import OPEN, fire, open_alert
from domain.alerting.evaluation import resolve_alert
from domain.alerting.models import Alert, AlertRule
from domain.alerting.release import sync_alert_count
from domain.alerting.ruleset import CompiledRule
from domain.alerting.silences import active_silence
from domain.alerting.templates import group_of
from domain.telemetry.queries import AGGREGATIONS
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction

COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
           "!=": operator.ne}


def _compiled(rule: AlertRule) -> CompiledRule:
    from domain.alerting.cel import compile_condition

    return CompiledRule(id=rule.id, version=rule.version, name=rule.name,
                        condition=compile_condition("true"), severity=rule.severity, service=rule.service,
                        fingerprint_template=rule.fingerprint_template, group_by=tuple(rule.group_by or ()),
                        threshold_count=1, auto_resolve_minutes=rule.auto_resolve_minutes, notify=tuple(rule.notify))


def clear_minutes(rule: AlertRule) -> int:
    """How long the condition must stay clear before a firing alert resolves."""
    return rule.auto_resolve_minutes or max(1, int((rule.window or {}).get("for_minutes") or 0))


def freshness(rule: AlertRule) -> timedelta:
    """How recent a group's newest sample must be for its value to count."""
    return max(timedelta(minutes=1), timedelta(minutes=rule.window["minutes"]) / 4)


async def measure(tx: Transaction, rule: AlertRule, *, since: datetime, until: datetime) -> dict[tuple, float]:
    """The rule's value per group over [since, until), for groups that still report (see ``freshness``)."""
    fresh_since = until - freshness(rule)
    return {group: value for group, (value, latest) in (await _measure(tx, rule, since=since, until=until)).items()
            if rule.kind == "absence" or (latest is not None and latest >= fresh_since)}


async def _measure(tx: Transaction, rule: AlertRule, *, since: datetime, until: datetime) -> dict[tuple, tuple]:
    """(value, newest sample time) per group over [since, until)."""
    window, groups = rule.window, list(rule.group_by or ())
    if rule.kind == "metric":
        keys = ", ".join(f"labels ->> ${6 + i}" for i in range(len(groups))) or "NULL::text"
        rows = await fetch_sql(tx.session, (
            f"SELECT ARRAY[{keys}] AS grp, {AGGREGATIONS[window.get('aggregation', 'avg')]} AS value, "
            f"max(ts) AS latest "
            f"FROM metric_points WHERE tenant_id = $1 AND name = $2 AND ts >= $3 AND ts < $4 "
            f"AND labels @> $5::jsonb GROUP BY grp"),
            tx.tenant_id, window["metric"], since, until, json.dumps(window.get("labels") or {}), *groups)
    elif rule.kind == "log":
        key = "service" if "service" in groups else "NULL::text"
        rows = await fetch_sql(tx.session, (
            f"SELECT ARRAY[{key}] AS grp, count(*)::float8 AS value, max(ts) AS latest FROM log_records "
            f"WHERE tenant_id = $1 "
            f"AND ts >= $2 AND ts < $3 AND severity_number >= $4 AND ($5::text IS NULL OR service = $5) "
            f"AND ($6::text IS NULL OR search @@ websearch_to_tsquery('simple', $6)) GROUP BY grp"),
            tx.tenant_id, since, until, int(window.get("min_severity", 0)), window.get("service"),
            window.get("text"))
    else:
        rows = await fetch_sql(tx.session, (
            "SELECT ARRAY[NULL::text] AS grp, count(*)::float8 AS value, max(occurred_at) AS latest "
            "FROM events WHERE tenant_id = $1 "
            "AND occurred_at >= $2 AND occurred_at < $3 AND ($4::text IS NULL OR source = $4) "
            "AND ($5::text IS NULL OR service = $5) AND ($6::text IS NULL OR kind = $6)"),
            tx.tenant_id, since, until, window.get("source"), window.get("service"), window.get("kind"))
    return {tuple(row["grp"]): (row["value"], row["latest"]) for row in rows if row["value"] is not None}


def condition_met(rule: AlertRule, value: float | None) -> bool:
    if rule.kind == "absence":
        return not value
    return value is not None and COMPARE[rule.window["operator"]](value, float(rule.window["threshold"]))


def _labels(rule: AlertRule, group: tuple) -> dict[str, Any]:
    names = ["service"] if rule.kind == "log" and "service" in (rule.group_by or ()) else list(rule.group_by or ())
    if rule.kind == "absence":
        return {}
    return dict(zip(names, group, strict=False))


async def evaluate_rule(tx: Transaction, rule: AlertRule, *, now: datetime) -> int:
    """Evaluate one windowed rule at ``now``; returns how many alerts changed state."""
    values = await measure(tx, rule, since=now - timedelta(minutes=rule.window["minutes"]), until=now)
    if rule.kind == "absence" and not values:
        values = {(None,): 0.0}
    compiled, changed = _compiled(rule), 0
    open_alerts = {a.group_key: a for a in await tx.session.scalars(select(Alert).where(
        Alert.tenant_id == tx.tenant_id, Alert.rule_id == rule.id, Alert.status.in_(OPEN)))}
    for group, value in values.items():
        labels = _labels(rule, group)
        if condition_met(rule, value):
            changed += await _met(tx, rule, compiled, labels, value, now)
            open_alerts.pop(group_of(labels), None)
    for alert in open_alerts.values():
        changed += await _cleared(tx, rule, alert, now)
    return changed


async def _met(tx: Transaction, rule: AlertRule, compiled: CompiledRule, labels: dict, value: float,
               now: datetime) -> int:
    silence = await active_silence(tx, rule=compiled, labels=labels, at=now)
    alert = await open_alert(tx, compiled, labels, at=now, silenced_by=silence)
    alert.count, alert.value, alert.last_seen, alert.clear_since = alert.count + 1, value, now, None
    held_for = now - alert.first_seen
    if alert.status == "pending" and held_for >= timedelta(minutes=rule.window.get("for_minutes") or 0):
        await fire(tx, compiled, alert, value=value,
                   title_hint=f"{rule.window.get('metric', rule.kind)} = {value:g} "
                              f"for {int(held_for.total_seconds() // 60)} min")
        return 1
    if alert.status == "firing" and alert.incident_id is not None:
        await sync_alert_count(tx, alert.incident_id)
    return 0


async def _cleared(tx: Transaction, rule: AlertRule, alert: Alert, now: datetime) -> int:
    if alert.status != "firing":
        await resolve_alert(tx, alert, rule_name=rule.name, reason="condition cleared before firing")
        return 1
    alert.clear_since = alert.clear_since or now
    minutes = clear_minutes(rule)
    if now - alert.clear_since >= timedelta(minutes=minutes):
        await resolve_alert(tx, alert, rule_name=rule.name, reason=f"condition cleared for {minutes} min")
        return 1
    return 0


async def evaluate_windowed_rules(tx: Transaction) -> int:
    """Evaluate every enabled windowed rule of the tenant at the domain clock's now."""
    now, changed = clock.now(), 0
    rules = await tx.session.scalars(select(AlertRule).where(
        AlertRule.tenant_id == tx.tenant_id, AlertRule.enabled.is_(True), AlertRule.kind != "event"))
    for rule in rules:
        changed += await evaluate_rule(tx, rule, now=now)
    return changed
