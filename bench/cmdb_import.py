"""CMDB import throughput: 10,000 CIs and 20,000 relationships, as CSV and as JSON.

Ours: `import_document` in one tenant-bound transaction, from the document text: parse, check every
row against its class's JSON Schema and the relationship rules (class pairs, cycles), match CIs by
class and name, then write CIs, relationships and history. Peer: the same rows, already in memory,
written with plain multi-row INSERT statements (1,000 CIs / 2,000 relationships per statement)
through the same app role and tenant binding: no parsing, no validation, no history. Both write
into a fresh tenant each round, alternating, after a warm-up; rows per second (CIs + relationships)
are compared by median. Re-importing the same document (everything unchanged) is timed apart.
Goal: ours >= 0.25 x the plain insert.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import random
import statistics
import time
import uuid

from harness import live_servers, report

from atlas.runtime import Runtime
from domain.cmdb.transfer import import_document
from domain.tenants.service import provision_tenant
from domain.uow import fetch_sql

COUNTS = {"customer": 500, "business_service": 200, "application_service": 1_800, "service_instance": 3_000,
          "host": 500, "virtual_machine": 3_000, "database": 1_000}
RELATIONSHIPS, ROUNDS = 20_000, 3
CI_BATCH, REL_BATCH = 1_000, 2_000


def attributes(rng: random.Random, cls: str, n: int) -> dict:
    """Attributes of the kind a real CMDB holds, valid for the class schema."""
    if cls in ("host", "virtual_machine"):
        return {"os": rng.choice(["ubuntu-22.04", "rhel-9", "debian-12"]),
                "ip": f"10.{len(cls) % 2}.{n // 256}.{n % 256}",
                "cpus": rng.choice([2, 4, 8, 16]), "memory_gb": rng.choice([4, 8, 16, 64])}
    return {"database": {"engine": rng.choice(["postgresql", "mysql"]), "port": 5432, "version": "16.4"},
            "application_service": {"language": rng.choice(["python", "go", "java"]), "tier": "backend"},
            "service_instance": {"version": f"1.{n % 40}.0", "port": 8000 + n % 1000},
            "business_service": {"criticality": rng.choice(["critical", "high", "medium"]), "sla_target": 99.9},
            "customer": {"segment": rng.choice(["enterprise", "smb"])}}[cls]


def generate(rng: random.Random) -> tuple[list[dict], list[dict]]:
    """10,000 CI rows and exactly RELATIONSHIPS relationship rows that the class rules allow, cycle-free."""
    names = {cls: [f"{cls}-{n}" for n in range(count)] for cls, count in COUNTS.items()}
    cis = [{"class": cls, "name": name, "environment": rng.choice(["production", "staging"]),
            "owner_team": f"team-{n % 40}", "description": f"{cls} number {n}", "attributes": attributes(rng, cls, n)}
           for cls, listed in names.items() for n, name in enumerate(listed)]
    edges: set[tuple] = set()
    pick = rng.choice
    for customer in names["customer"]:
        edges.add(("depends_on", "customer", customer, "business_service", pick(names["business_service"])))
    for business in names["business_service"]:
        edges.update(("depends_on", "business_service", business, "application_service", app)
                     for app in rng.sample(names["application_service"], 5))
    apps = names["application_service"]
    for index, app in enumerate(apps):
        edges.add(("depends_on", "application_service", app, "database", pick(names["database"])))
        edges.update(("depends_on", "application_service", app, "application_service", callee)
                     for callee in rng.sample(apps[index + 1:] or apps[:1], min(2, len(apps) - index - 1 or 1)))
    for n, instance in enumerate(names["service_instance"]):
        edges.add(("part_of", "service_instance", instance, "application_service", apps[n % len(apps)]))
        edges.add(("runs_on", "service_instance", instance, "virtual_machine", pick(names["virtual_machine"])))
    for vm in names["virtual_machine"]:
        edges.add(("hosted_on", "virtual_machine", vm, "host", pick(names["host"])))
    for db in names["database"]:
        edges.add(("runs_on", "database", db, "host", pick(names["host"])))
    while len(edges) < RELATIONSHIPS:
        edges.add(("connects_to", "service_instance", pick(names["service_instance"]), "database",
                   pick(names["database"])))
    keys = ("type", "source_class", "source_name", "target_class", "target_name")
    return cis, [dict(zip(keys, edge, strict=True)) for edge in sorted(edges)[:RELATIONSHIPS]]


def as_csv(cis: list[dict], rels: list[dict]) -> tuple[str, str]:
    attr_keys = sorted({key for row in cis for key in row["attributes"]})
    columns = ["class", "name", "environment", "lifecycle_status", "owner_team", "description",
               *(f"attr.{key}" for key in attr_keys)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in cis:
        writer.writerow({**{k: v for k, v in row.items() if k != "attributes"},
                         **{f"attr.{k}": v if isinstance(v, str) else json.dumps(v)
                            for k, v in row["attributes"].items()}})
    rel_out = io.StringIO()
    rel_writer = csv.DictWriter(rel_out, fieldnames=list(rels[0]), lineterminator="\n")
    rel_writer.writeheader()
    rel_writer.writerows(rels)
    return out.getvalue(), rel_out.getvalue()


def plain_rows(cis: list[dict], rels: list[dict]) -> tuple[list[tuple], list[tuple]]:
    """The same rows as tuples ready for INSERT (ids chosen up front, attributes as JSON text)."""
    ids = {(row["class"], row["name"]): uuid.uuid4() for row in cis}
    ci_rows = [(ids[row["class"], row["name"]], row["class"], row["name"], row["description"], row["environment"],
                "active", row["owner_team"], "import", json.dumps(row["attributes"])) for row in cis]
    rel_rows = [(uuid.uuid4(), row["type"], ids[row["source_class"], row["source_name"]],
                 ids[row["target_class"], row["target_name"]]) for row in rels]
    return ci_rows, rel_rows


def multi_row_insert(table: str, columns: str, casts: list[str], rows: int) -> str:
    width = len(casts)
    values = ", ".join("(" + ", ".join(f"${r * width + c + 2}{casts[c]}" for c in range(width)) + ", $1)"
                       for r in range(rows))
    return f"INSERT INTO {table} ({columns}, tenant_id) VALUES {values}"


async def new_tenant(runtime: Runtime) -> uuid.UUID:
    async with runtime.db.transaction(tenant_id=None) as tx:
        made = await provision_tenant(tx, name="Import bench", slug=f"import-{uuid.uuid4().hex[:8]}",
                                      admin_email="bench@import.example.com", admin_password="bench-password",
                                      plan="enterprise")
    return made.tenant_id


async def ours(runtime: Runtime, tenant_id: uuid.UUID, format: str, cis: str, rels: str) -> float:
    began = time.perf_counter()
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        result = await import_document(tx, format=format, cis=cis, relationships=rels, actor="bench")
    elapsed = time.perf_counter() - began
    assert result.created + result.unchanged + result.updated == 10_000, result
    return elapsed


async def peer(runtime: Runtime, tenant_id: uuid.UUID, ci_rows: list[tuple], rel_rows: list[tuple]) -> float:
    ci_sql = "id, class_key, name, description, environment, lifecycle_status, owner_team, source, attributes"
    ci_casts = ["::uuid", "", "", "", "", "", "", "", "::jsonb"]
    rel_casts = ["::uuid", "", "::uuid", "::uuid", ""]
    began = time.perf_counter()
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        for start in range(0, len(ci_rows), CI_BATCH):
            chunk = ci_rows[start:start + CI_BATCH]
            await fetch_sql(tx.session, multi_row_insert("configuration_items", ci_sql, ci_casts, len(chunk)),
                            tenant_id, *(value for row in chunk for value in row))
        for start in range(0, len(rel_rows), REL_BATCH):
            chunk = rel_rows[start:start + REL_BATCH]
            await fetch_sql(tx.session, multi_row_insert("ci_relationships", "id, type, source_id, target_id, "
                                                         "created_by", rel_casts, len(chunk)),
                            tenant_id, *(value for row in chunk for value in (*row, "bench")))
    return time.perf_counter() - began


async def measure(settings) -> dict:
    runtime = await Runtime.open(settings)
    cis, rels = generate(random.Random(11))
    documents = {"csv": as_csv(cis, rels), "json": (json.dumps(cis), json.dumps(rels))}
    total = len(cis) + len(rels)
    figures: dict[str, dict[str, list[float]]] = {fmt: {"ours": [], "peer": []} for fmt in documents}
    await ours(runtime, await new_tenant(runtime), "csv", *documents["csv"])  # warm-up
    await peer(runtime, await new_tenant(runtime), *plain_rows(cis, rels))
    for index in range(ROUNDS):
        for fmt, (cis_text, rels_text) in documents.items():
            runs = [("ours", lambda t, f=fmt, c=cis_text, r=rels_text: ours(runtime, t, f, c, r)),
                    ("peer", lambda t: peer(runtime, t, *plain_rows(cis, rels)))]
            for name, run in runs if index % 2 == 0 else runs[::-1]:
                figures[fmt][name].append(total / await run(await new_tenant(runtime)))
    again = await new_tenant(runtime)
    await ours(runtime, again, "json", *documents["json"])
    reimport = await ours(runtime, again, "json", *documents["json"])
    await runtime.close()
    return {"figures": figures, "reimport_seconds": round(reimport, 2)}


def main() -> None:
    with live_servers() as settings:
        measured = asyncio.run(measure(settings))
    med = {fmt: {side: statistics.median(values) for side, values in sides.items()}
           for fmt, sides in measured["figures"].items()}
    ours_rate = statistics.median([med[f]["ours"] for f in med])
    peer_rate = statistics.median([med[f]["peer"] for f in med])
    for fmt, sides in med.items():
        print(f"{fmt}: ours {sides['ours']:.0f} rows/s, plain insert {sides['peer']:.0f} rows/s "
              f"(ratio {sides['ours'] / sides['peer']:.3f})")
    report(bench="cmdb_import", metric="CMDB import throughput, 10k CIs + 20k relationships (CSV and JSON)",
           unit="rows/s", ours=ours_rate, peer=peer_rate, better="higher",
           peer_is="plain multi-row INSERT of the same rows (no parsing, validation or history), same app role",
           csv_ratio=round(med["csv"]["ours"] / med["csv"]["peer"], 3),
           json_ratio=round(med["json"]["ours"] / med["json"]["peer"], 3),
           ours_csv_rows_per_s=round(med["csv"]["ours"]), ours_json_rows_per_s=round(med["json"]["ours"]),
           reimport_seconds=measured["reimport_seconds"], rounds=ROUNDS)


if __name__ == "__main__":
    main()
