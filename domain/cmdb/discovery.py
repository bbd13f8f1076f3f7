"""Discovery: CIs and relationships from what ingest saw (resources and the calls between services).

``service.name`` becomes an application service, ``host.name`` a host (named by the resource or by a
span's own attributes, as some instrumentations put it), ``k8s.pod.name`` a container
and ``k8s.cluster.name`` a Kubernetes cluster; a service runs on its hosts and pods, a pod is hosted
on its cluster, and a span whose parent belongs to another service means the caller depends on the
callee. Discovered CIs carry ``last_seen_at``; those not seen for a day are flagged stale, never
deleted. CIs people made keep their fields: discovery only notes that it saw them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from domain import clock
from domain.cmdb import history
from domain.cmdb.classes import all_classes
from domain.cmdb.service import allowed_pair
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction

WINDOW = timedelta(minutes=15)
STALE_AFTER = timedelta(hours=24)
ACTOR = "discovery"
SERVICE_ALIASES = ("application_service", "service_instance", "database", "load_balancer")
ENVIRONMENT_ALIASES = {"prod": "production", "production": "production", "staging": "staging", "stage": "staging",
                       "dev": "development", "development": "development", "test": "test", "dr": "dr"}

CALLS_SQL = """
SELECT p.service AS caller, c.service AS callee, count(*) AS calls
  FROM spans c
  JOIN spans p ON p.tenant_id = c.tenant_id AND p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
               AND p.start_time BETWEEN c.start_time - interval '1 hour' AND c.start_time + interval '1 minute'
 WHERE c.tenant_id = $1 AND c.start_time >= $2 AND c.parent_span_id IS NOT NULL AND p.service <> c.service
 GROUP BY 1, 2
"""

SPAN_HOSTS_SQL = """
SELECT DISTINCT service, attributes->>'host.name' AS host
  FROM spans
 WHERE tenant_id = $1 AND start_time >= $2 AND attributes ? 'host.name'
"""


@dataclass
class Found:
    """What one discovery pass wants to exist: CIs by (class, name) and relationships between them."""

    cis: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    relationships: set[tuple[str, tuple[str, str], tuple[str, str]]] = field(default_factory=set)

    def ci(self, class_key: str, name: str | None, attributes: dict[str, Any] | None = None) -> tuple | None:
        if not name:
            return None
        key = (class_key, str(name)[:200])
        self.cis.setdefault(key, {}).update({k: str(v)[:500] for k, v in (attributes or {}).items() if v is not None})
        return key

    def relate(self, type: str, source: tuple | None, target: tuple | None) -> None:
        if source and target:
            self.relationships.add((type, source, target))


@dataclass
class DiscoveryResult:
    created: int = 0
    seen: int = 0
    relationships_created: int = 0
    flagged_stale: int = 0


def plan_resource(found: Found, service: str | None, host: str | None, attributes: dict[str, Any]) -> None:
    """The CIs and relationships one telemetry resource implies."""
    environment = ENVIRONMENT_ALIASES.get(str(attributes.get("deployment.environment", "")).lower())
    app = found.ci("application_service", service, {"language": attributes.get("telemetry.sdk.language"),
                                                    "_environment": environment})
    machine = found.ci("host", host, {"os": attributes.get("os.type"), "_environment": environment})
    cluster = found.ci("kubernetes_cluster", attributes.get("k8s.cluster.name"))
    pod = found.ci("container", attributes.get("k8s.pod.name"), {
        "namespace": attributes.get("k8s.namespace.name"), "node": attributes.get("k8s.node.name"),
        "_environment": environment})
    found.relate("runs_on", app, pod or machine)
    found.relate("hosted_on", pod, cluster)


async def discover(tx: Transaction, *, now: datetime | None = None) -> DiscoveryResult:
    """One pass over the last WINDOW of resources and spans, then the stale check."""
    now = now or clock.now()
    found = Found()
    for row in await fetch_sql(tx.session, "SELECT service, host, attributes FROM telemetry_resources "
                                           "WHERE tenant_id = $1 AND last_seen >= $2", tx.tenant_id, now - WINDOW):
        plan_resource(found, row["service"], row["host"], row["attributes"] or {})
    for row in await fetch_sql(tx.session, SPAN_HOSTS_SQL, tx.tenant_id, now - WINDOW):
        plan_resource(found, row["service"], row["host"], {})
    for row in await fetch_sql(tx.session, CALLS_SQL, tx.tenant_id, now - WINDOW):
        found.relate("depends_on", found.ci("application_service", row["caller"]),
                     found.ci("application_service", row["callee"]))
    result = DiscoveryResult()
    rows = await _upsert_cis(tx, found, now=now, result=result)
    await _upsert_relationships(tx, found, rows, now=now, result=result)
    result.flagged_stale = await flag_stale(tx, now=now)
    return result


async def _existing(tx: Transaction, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """Existing CIs for wanted (class, name) keys; a service name also matches a database, instance or
    load balancer of that name, so ``orders-db`` reporting spans is the database people registered."""
    rows = await fetch_sql(tx.session, (
        "SELECT c.id, c.class_key, lower(c.name) AS lname, c.stale, c.source, k.class_key AS wanted "
        "FROM configuration_items c JOIN unnest($2::text[], $3::text[]) AS k(class_key, lname) "
        "ON lower(c.name) = k.lname AND (c.class_key = k.class_key OR "
        "(k.class_key = 'application_service' AND c.class_key = ANY($4::text[]))) WHERE c.tenant_id = $1 "
        "ORDER BY c.class_key = k.class_key DESC, c.created_at"),
        tx.tenant_id, [k[0] for k in keys], [k[1].lower() for k in keys], list(SERVICE_ALIASES))
    found: dict[tuple[str, str], Any] = {}
    for row in rows:
        found.setdefault((row["wanted"], row["lname"]), row)
    return found


async def _upsert_cis(tx: Transaction, found: Found, *, now: datetime, result: DiscoveryResult) -> dict:
    """Create the CIs not there yet, note the others as seen; returns wanted key -> existing row."""
    keys = list(found.cis)
    if not keys:
        return {}
    existing = await _existing(tx, keys)
    new = [k for k in keys if (k[0], k[1].lower()) not in existing]
    for class_key, name in new:
        attributes = {k: v for k, v in found.cis[(class_key, name)].items() if not k.startswith("_")}
        environment = found.cis[(class_key, name)].get("_environment") or "production"
        inserted = await fetch_sql(tx.session, (
            "INSERT INTO configuration_items (id, tenant_id, class_key, name, environment, source, attributes, "
            "last_seen_at) VALUES (gen_random_uuid(), $1, $2, $3, $4, 'discovered', $5::jsonb, $6) "
            "ON CONFLICT DO NOTHING RETURNING id"), tx.tenant_id, class_key, name, environment,
            json.dumps(attributes), now)
        if inserted:
            result.created += 1
            await history.record_ci(tx, ci_id=inserted[0]["id"], actor=ACTOR, action="discovered", before=None,
                                    after={"class_key": class_key, "name": name, "environment": environment,
                                           "attributes": attributes, "source": "discovered"})
    seen = {row["id"]: row for row in existing.values()}
    if seen:
        await fetch_sql(tx.session, "UPDATE configuration_items SET last_seen_at = $2, stale = false "
                                    "WHERE tenant_id = $1 AND id = ANY($3::uuid[])", tx.tenant_id, now, list(seen))
        for row in seen.values():
            if row["stale"]:
                await history.record_ci(tx, ci_id=row["id"], actor=ACTOR, action="seen_again",
                                        before={"stale": True}, after={"stale": False})
    result.seen = len(seen)
    return await _existing(tx, keys)


async def _upsert_relationships(tx: Transaction, found: Found, rows: dict, *, now: datetime,
                                result: DiscoveryResult) -> None:
    """Create the relationships not there yet (only class pairs the type allows); refresh the others."""
    classes = await all_classes(tx)

    def end(key: tuple[str, str]) -> Any:
        return rows.get((key[0], key[1].lower()))

    edges = sorted({(type, end(s)["id"], end(t)["id"]) for type, s, t in found.relationships
                    if end(s) and end(t) and end(s)["id"] != end(t)["id"]
                    and allowed_pair(classes, type, end(s)["class_key"], end(t)["class_key"])}, key=str)
    if not edges:
        return
    stored = await fetch_sql(tx.session, (
        "INSERT INTO ci_relationships AS r (id, tenant_id, type, source_id, target_id, origin, created_by, "
        "last_seen_at) SELECT gen_random_uuid(), $1, t, s, d, 'discovered', $5, $6 "
        "FROM unnest($2::text[], $3::uuid[], $4::uuid[]) AS u(t, s, d) "
        "ON CONFLICT (tenant_id, source_id, type, target_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at "
        "RETURNING r.id, r.type, r.source_id, r.target_id, (xmax = 0) AS inserted"),
        tx.tenant_id, [e[0] for e in edges], [e[1] for e in edges], [e[2] for e in edges], ACTOR, now)
    names = {end(key)["id"]: key[1] for key in found.cis if end(key)}
    for row in stored:
        if row["inserted"]:
            result.relationships_created += 1
            await history.record_relationship(
                tx, relationship_id=row["id"], source_id=row["source_id"], target_id=row["target_id"], actor=ACTOR,
                action="relationship_added",
                snapshot={"type": row["type"], "source_id": str(row["source_id"]), "target_id": str(row["target_id"]),
                          "source": names.get(row["source_id"]), "target": names.get(row["target_id"]),
                          "origin": "discovered"})


async def flag_stale(tx: Transaction, *, now: datetime) -> int:
    """Flag discovered CIs not seen for STALE_AFTER (they stay until a person removes them)."""
    rows = await fetch_sql(tx.session, (
        "UPDATE configuration_items SET stale = true WHERE tenant_id = $1 AND source = 'discovered' "
        "AND NOT stale AND last_seen_at < $2 RETURNING id"), tx.tenant_id, now - STALE_AFTER)
    for row in rows:
        await history.record_ci(tx, ci_id=row["id"], actor=ACTOR, action="flagged_stale",
                                before={"stale": False}, after={"stale": True})
    return len(rows)
