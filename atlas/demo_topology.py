"""The demo CMDB: the shop `atlas simulate` runs, from customers down to the hosts.

Seeded through the CMDB import, so seeding again changes nothing. Discovery keeps these CIs fresh
while `atlas simulate` runs (service names in spans match the CI names).
"""

from __future__ import annotations

import json
import uuid

from atlas.db import Database
from atlas.simulate import CALLS, HOSTS
from domain.cmdb.transfer import ImportResult, import_document

TEAMS = {"web": "storefront", "auth": "identity", "checkout": "payments", "payments": "payments",
         "inventory": "fulfilment", "search": "discovery", "orders-db": "data-platform", "search-index": "discovery"}
DATABASES = {"orders-db": {"engine": "postgresql", "version": "16", "port": 5432},
             "search-index": {"engine": "opensearch", "version": "2.17", "port": 9200}}


def _ci(class_key: str, name: str, **fields) -> dict:
    return {"class": class_key, "name": name, **fields}


def _rel(type: str, source: tuple[str, str], target: tuple[str, str]) -> dict:
    return {"type": type, "source_class": source[0], "source_name": source[1], "target_class": target[0],
            "target_name": target[1]}


def demo_document() -> tuple[list[dict], list[dict]]:
    """The CIs and relationships of the demo shop."""
    def kind(service: str) -> tuple[str, str]:
        return ("database" if service in DATABASES else "application_service", service)

    cis = [
        _ci("customer", "Retail customers", attributes={"segment": "B2C", "sla_target": 99.9}),
        _ci("customer", "Marketplace partners", attributes={"segment": "B2B", "contract": "MP-2026",
                                                            "sla_target": 99.5}),
        _ci("business_service", "Online store", owner_team="storefront",
            attributes={"criticality": "critical", "sla_target": 99.9}),
        _ci("business_service", "Product search", owner_team="discovery",
            attributes={"criticality": "high", "sla_target": 99.5}),
        _ci("load_balancer", "edge-lb", owner_team="platform", attributes={"scheme": "external"}),
    ]
    for service in CALLS:
        attributes = DATABASES.get(service) or {"tier": "frontend" if service == "web" else "backend"}
        cis.append(_ci(kind(service)[0], service, owner_team=TEAMS[service], attributes=attributes))
        cis += [_ci("virtual_machine", host, owner_team="platform", attributes={"os": "linux", "cpus": 4})
                for host in HOSTS[service]]
    rels = [_rel("depends_on", ("customer", "Retail customers"), ("business_service", "Online store")),
            _rel("depends_on", ("customer", "Marketplace partners"), ("business_service", "Product search")),
            _rel("depends_on", ("business_service", "Online store"), ("load_balancer", "edge-lb")),
            _rel("depends_on", ("business_service", "Online store"), kind("checkout")),
            _rel("depends_on", ("business_service", "Product search"), kind("search")),
            _rel("connects_to", ("load_balancer", "edge-lb"), kind("web"))]
    for caller, callees in CALLS.items():
        rels += [_rel("depends_on", kind(caller), kind(callee)) for callee in callees]
        rels += [_rel("runs_on", kind(caller), ("virtual_machine", host)) for host in HOSTS[caller]]
    return cis, rels


async def seed_demo_topology(db: Database, *, tenant_id: uuid.UUID) -> ImportResult:
    """Import the demo CMDB into the tenant (idempotent)."""
    cis, rels = demo_document()
    async with db.transaction(tenant_id=tenant_id) as tx:
        return await import_document(tx, format="json", cis=json.dumps(cis), relationships=json.dumps(rels),
                                     actor="atlas seed-demo")
