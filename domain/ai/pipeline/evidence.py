"""The RCA step's evidence for one incident, each piece with an id: the incident's alerts, metric anomalies,
error logs and failing spans of its CIs and their dependencies around the start, and recent changes on them.

Everything is read in the incident's tenant (explicit ``tenant_id`` filters, RLS as the backstop), so no
other tenant's id can enter the evidence.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from domain.ai.pipeline.anomaly import detect
from domain.ai.pipeline.rca import CHANGE_LOOKBACK, HOPS, Signal, Topology
from domain.ai.types import Evidence
from domain.cmdb.catalog import IMPACT_DOWN, IMPACT_UP
from domain.cmdb.impact import cis_named
from domain.cmdb.queries import load_cis
from domain.cmdb.topology import edges_among, walk
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.incidents.models import Incident
    from domain.uow import Transaction

BASELINE_GAP = 15 * 60.0   # seconds before the start where the baseline ends
LOOKBACK = 60 * 60.0       # seconds of telemetry read before the start
ERROR_SEVERITY = 17        # OTLP severity number of ERROR


def metric_signals(*, ci: str, metric: str, points: list[tuple[float, float]], start: float) -> list[Signal]:
    """The anomaly of one series as a signal (none when it did not rise)."""
    found = detect(points, baseline_until=start - BASELINE_GAP)
    if found is None:
        return []
    return [Signal(id=f"metric:{ci}:{metric}", ci=ci, kind="metric", at=found.onset, strength=found.strength,
                   metric=metric, text=f"{metric} on {ci} rose from {found.baseline:.4g} to {found.level:.4g} "
                                       f"(robust z {found.strength:.1f})")]


@dataclass
class Gathered:
    """What the RCA step works from."""

    start: float
    topology: Topology
    signals: list[Signal]
    alerts: list[Signal] = field(default_factory=list)
    ci_ids: dict[str, uuid.UUID] = field(default_factory=dict)

    def evidence(self) -> tuple[Evidence, ...]:
        """Every signal as delimited prompt evidence."""
        return tuple(Evidence(id=s.id, title=f"{s.kind} on {s.ci}", text=s.text or s.id)
                     for s in [*self.alerts, *self.signals])

    def ids(self) -> set[str]:
        return {s.id for s in [*self.alerts, *self.signals]}


async def gather(tx: Transaction, incident: Incident) -> Gathered:
    """The evidence of ``incident``: topology around its services and the signals inside its blast radius."""
    start = incident.created_at.timestamp()
    names = sorted({*incident.services, *([incident.labels["service"]] if incident.labels.get("service") else [])})
    seeds = await cis_named(tx, names)
    reached = await walk(tx, seeds=seeds, mode="dependencies", depth=HOPS) if seeds else {}
    rows = await load_cis(tx, list(reached))
    ci_names = {ci_id: row["name"] for ci_id, row in rows.items()}
    depends_on: dict[str, set[str]] = {}
    for edge in await edges_among(tx, list(reached)):
        source, target = ci_names.get(edge["source_id"]), ci_names.get(edge["target_id"])
        if edge["type"] in IMPACT_UP:
            depends_on.setdefault(source, set()).add(target)
        elif edge["type"] in IMPACT_DOWN:
            depends_on.setdefault(target, set()).add(source)
    seed_names = tuple(sorted({ci_names[s] for s in seeds if s in ci_names} | set(names)))
    topology = Topology(depends_on={k: tuple(sorted(v)) for k, v in depends_on.items()}, seeds=seed_names)
    radius = sorted(topology.radius())
    signals = [*await _metrics(tx, radius, start), *await _errors(tx, radius, start),
               *await _changes(tx, ci_names, start)]
    return Gathered(start=start, topology=topology, signals=signals, alerts=await _alerts(tx, incident),
                    ci_ids={n: i for i, n in ci_names.items()})


def _window(start: float) -> tuple[datetime, datetime]:
    at = datetime.fromtimestamp(start, UTC)
    return at - timedelta(seconds=LOOKBACK), at + timedelta(minutes=15)


async def _metrics(tx: Transaction, services: list[str], start: float) -> list[Signal]:
    since, until = _window(start)
    rows = await fetch_sql(tx.session, (
        "SELECT service, name, ts, avg(value) AS value FROM metric_points WHERE tenant_id = $1 "
        "AND service = ANY($2::text[]) AND ts >= $3 AND ts <= $4 GROUP BY service, name, ts ORDER BY ts"),
        tx.tenant_id, services, since, until)
    series: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for row in rows:
        series.setdefault((row["service"], row["name"]), []).append((row["ts"].timestamp(), row["value"]))
    return [s for (ci, name), points in sorted(series.items())
            for s in metric_signals(ci=ci, metric=name, points=points, start=start)]


async def _errors(tx: Transaction, services: list[str], start: float) -> list[Signal]:
    """Error logs and failing spans that started after the baseline (few or none before it)."""
    since, until = _window(start)
    cut = since + timedelta(seconds=LOOKBACK - BASELINE_GAP)
    logs = await fetch_sql(tx.session, (
        "SELECT service, min(ts) FILTER (WHERE ts > $5) AS first, count(*) FILTER (WHERE ts > $5) AS recent, "
        "count(*) FILTER (WHERE ts <= $5) AS before, mode() WITHIN GROUP (ORDER BY left(body, 200)) AS body "
        "FROM log_records WHERE tenant_id = $1 AND service = ANY($2::text[]) AND ts >= $3 AND ts <= $4 "
        "AND severity_number >= 17 GROUP BY service"), tx.tenant_id, services, since, until, cut)
    spans = await fetch_sql(tx.session, (
        "SELECT service, min(start_time) FILTER (WHERE start_time > $5) AS first, "
        "count(*) FILTER (WHERE start_time > $5) AS recent, count(*) FILTER (WHERE start_time <= $5) AS before, "
        "mode() WITHIN GROUP (ORDER BY name) AS body FROM spans WHERE tenant_id = $1 AND service = ANY($2::text[]) "
        "AND start_time >= $3 AND start_time <= $4 AND status_code = 'error' GROUP BY service"),
        tx.tenant_id, services, since, until, cut)
    out = []
    for kind, rows in (("errors", logs), ("span", spans)):
        for row in rows:
            if row["recent"] >= 3 and row["recent"] > 4 * row["before"]:
                what = "error logs" if kind == "errors" else "failing spans"
                out.append(Signal(id=f"{'log' if kind == 'errors' else 'span'}:{row['service']}", ci=row["service"],
                                  kind=kind, at=row["first"].timestamp(), strength=float(row["recent"]),
                                  text=f"{row['recent']} {what} on {row['service']}: {row['body']}"))
    return out


async def _changes(tx: Transaction, ids: dict[uuid.UUID, str], start: float) -> list[Signal]:
    """Changes on CIs of the blast radius made in the six hours before the start."""
    since, until = _window(start)
    rows = await fetch_sql(tx.session, (
        "SELECT number, title, ci_ids, coalesce(implemented_at, started_at, planned_start) AS at "
        "FROM change_requests WHERE tenant_id = $1 AND ci_ids && $2::uuid[] "
        "AND coalesce(implemented_at, started_at, planned_start) BETWEEN $3 AND $4 ORDER BY at"),
        tx.tenant_id, list(ids), since - timedelta(seconds=CHANGE_LOOKBACK - LOOKBACK), until)
    return [Signal(id=f"change:CHG-{row['number']}", ci=ids[ci], kind="change", at=row["at"].timestamp(),
                   text=f"CHG-{row['number']} {row['title']}") for row in rows for ci in row["ci_ids"] if ci in ids]


async def _alerts(tx: Transaction, incident: Incident) -> list[Signal]:
    rows = await fetch_sql(tx.session, (
        "SELECT a.id, a.labels, a.first_seen, r.name FROM alerts a JOIN alert_rules r ON r.id = a.rule_id "
        "WHERE a.tenant_id = $1 AND a.incident_id = $2 ORDER BY a.first_seen LIMIT 20"), tx.tenant_id, incident.id)
    return [Signal(id=f"alert:{row['id']}", ci=str((row["labels"] or {}).get("service", "")), kind="alert",
                   at=row["first_seen"].timestamp(), text=f"alert {row['name']} fired")
            for row in rows]
