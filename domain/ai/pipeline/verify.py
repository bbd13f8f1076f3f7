"""Verification after a remediation ran: did the signals that fired come back, and stay back?

A remediation is an automation run whose subject is the incident (a workflow on an incident trigger, or a
runbook started for the incident). Once its run has succeeded and settled, each signal that fired is
checked over the hold window (the last N minutes, none of them before the run finished): the incident's
alerts resolved, each windowed rule behind them back on the right side of its threshold at every minute,
each metric the RCA saw rise back near its baseline, and error logs or failing spans down. Every check is
evidence with an id; the step is verified only when every check holds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from domain.ai.pipeline.anomaly import THRESHOLD, robust_z
from domain.ai.pipeline.evidence import BASELINE_GAP, ERROR_SEVERITY, LOOKBACK
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction


@dataclass(frozen=True)
class Remediation:
    """The latest remediation run of an incident that succeeded."""

    run_id: str
    runbook: str
    started_at: datetime
    finished_at: datetime

    def as_dict(self) -> dict[str, str]:
        return {"run_id": self.run_id, "runbook": self.runbook, "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat()}


async def latest_remediation(tx: Transaction, incident_id: uuid.UUID) -> Remediation | None:
    """The incident's most recently finished successful automation run, if any."""
    rows = await fetch_sql(tx.session, (
        "SELECT r.id, b.name, r.created_at, r.finished_at FROM automation_runs r "
        "JOIN runbooks b ON b.id = r.runbook_id "
        "WHERE r.tenant_id = $1 AND r.subject->>'id' = $2 AND r.status = 'succeeded' AND r.finished_at IS NOT NULL "
        "ORDER BY r.finished_at DESC LIMIT 1"), tx.tenant_id, str(incident_id))
    if not rows:
        return None
    row = rows[0]
    return Remediation(run_id=str(row["id"]), runbook=row["name"], started_at=row["created_at"],
                       finished_at=row["finished_at"])


def _check(id_: str, kind: str, ok: bool, text: str) -> dict[str, Any]:
    return {"id": id_, "kind": kind, "ok": ok, "text": text}


async def check_signals(tx: Transaction, *, incident_id: uuid.UUID, rca: dict[str, Any], remediation: Remediation,
                        now: datetime, hold_minutes: int) -> list[dict[str, Any]]:
    """One check per signal that fired, over the hold window after the remediation."""
    since = max(remediation.finished_at, now - timedelta(minutes=hold_minutes))
    checks = await _alerts(tx, incident_id, since=since, now=now)
    start = rca.get("start")
    evidence = rca.get("evidence") or []
    if start:
        metrics = sorted({e["id"] for e in evidence if e.get("kind") == "metric"})
        for evidence_id in metrics:
            checks.append(await _metric(tx, evidence_id, start=float(start), since=since, now=now))
    for service in sorted({e["ci"] for e in evidence if e.get("kind") in ("errors", "span")}):
        checks.append(await _errors(tx, service, remediation=remediation, since=since, now=now))
    return checks


async def _alerts(tx: Transaction, incident_id: uuid.UUID, *, since: datetime, now: datetime) -> list[dict[str, Any]]:
    from domain.alerting.models import Alert, AlertRule

    rows = (await tx.session.execute(select(Alert, AlertRule).join(AlertRule, AlertRule.id == Alert.rule_id).where(
        Alert.tenant_id == tx.tenant_id, Alert.incident_id == incident_id).order_by(Alert.first_seen).limit(20))).all()
    checks = []
    for alert, rule in rows:
        resolved = alert.status == "resolved"
        checks.append(_check(f"alert:{alert.id}", "alert", resolved, f"alert {rule.name} "
                             + ("resolved" if resolved else f"is still {alert.status}")))
        if rule.kind in ("metric", "log"):
            checks.append(await _rule_clear(tx, rule, alert, since=since, now=now))
    return checks


async def _rule_clear(tx: Transaction, rule: Any, alert: Any, *, since: datetime, now: datetime) -> dict[str, Any]:
    """Whether the alert's group stayed on the good side of the rule's threshold at every minute of the window."""
    from domain.alerting.templates import group_of
    from domain.alerting.windows import _labels, condition_met, measure

    at, worst = now, None
    while at >= since:
        values = await measure(tx, rule, since=at - timedelta(minutes=rule.window["minutes"]), until=at)
        for group, value in values.items():
            if group_of(_labels(rule, group)) == alert.group_key and condition_met(rule, value):
                worst = worst or (at, value)
        at -= timedelta(minutes=1)
    minutes = max(1, round((now - since).total_seconds() / 60))
    what = f"{rule.window.get('metric', rule.kind)} {rule.window['operator']} {rule.window['threshold']}"
    if worst is None:
        return _check(f"rule:{rule.id}", "threshold", True, f"rule {rule.name}: {what} held no more for {minutes} min")
    return _check(f"rule:{rule.id}", "threshold", False,
                  f"rule {rule.name}: {what} still held at {worst[0]:%H:%M} (value {worst[1]:g})")


async def _metric(tx: Transaction, evidence_id: str, *, start: float, since: datetime, now: datetime) -> dict:
    """Whether a metric the RCA saw rise is back near its baseline at every point of the window."""
    _, ci, name = evidence_id.split(":", 2)
    rows = await fetch_sql(tx.session, (
        "SELECT ts, avg(value) AS value FROM metric_points WHERE tenant_id = $1 AND service = $2 AND name = $3 "
        "AND ts >= $4 AND ts <= $5 GROUP BY ts ORDER BY ts"), tx.tenant_id, ci, name,
        datetime.fromtimestamp(start - LOOKBACK, UTC), now)
    base = sorted(r["value"] for r in rows if r["ts"].timestamp() <= start - BASELINE_GAP)
    recent = [r["value"] for r in rows if r["ts"] >= since]
    if len(base) < 5:
        return _check(evidence_id, "metric", False, f"{name} on {ci}: too little history to compare with")
    if not recent:
        return _check(evidence_id, "metric", False, f"{name} on {ci}: no data since the remediation")
    median = base[len(base) // 2]
    mad = sorted(abs(v - median) for v in base)[len(base) // 2]
    high = [v for v in recent if robust_z(v, median, mad) > THRESHOLD]
    if high:
        return _check(evidence_id, "metric", False, f"{name} on {ci} still above its baseline {median:.4g} "
                                                    f"({len(high)} of {len(recent)} points, up to {max(high):.4g})")
    return _check(evidence_id, "metric", True, f"{name} on {ci} back near its baseline {median:.4g} "
                                               f"({len(recent)} points, at most {max(recent):.4g})")


async def _errors(tx: Transaction, service: str, *, remediation: Remediation, since: datetime,
                  now: datetime) -> dict[str, Any]:
    """Whether error logs and failing spans of ``service`` halved against as long a window before the run."""
    length = now - since
    before_from = remediation.started_at - length
    rows = await fetch_sql(tx.session, (
        "SELECT (SELECT count(*) FROM log_records WHERE tenant_id = $1 AND service = $2 AND severity_number >= $7 "
        "AND ts >= $3 AND ts < $4) + (SELECT count(*) FROM spans WHERE tenant_id = $1 AND service = $2 "
        "AND status_code = 'error' AND start_time >= $3 AND start_time < $4) AS before, "
        "(SELECT count(*) FROM log_records WHERE tenant_id = $1 AND service = $2 AND severity_number >= $7 "
        "AND ts >= $5 AND ts <= $6) + (SELECT count(*) FROM spans WHERE tenant_id = $1 AND service = $2 "
        "AND status_code = 'error' AND start_time >= $5 AND start_time <= $6) AS after"),
        tx.tenant_id, service, before_from, remediation.started_at, since, now, ERROR_SEVERITY)
    before, after = rows[0]["before"], rows[0]["after"]
    ok = after == 0 or after * 2 <= before
    return _check(f"errors:{service}", "errors", ok, f"errors on {service}: {after} since the remediation, "
                                                     f"{before} in as long before it")
