"""Helpers for the CMDB screens' tests: a small shop built through the domain, and reads through the API."""

from __future__ import annotations

import uuid

from domain.cmdb.service import get_ci
from tests.domain.cmdb.helpers import build

SHOP = {"ACME Corp": "customer", "Online store": "business_service", "checkout": "application_service",
        "payments": "application_service", "payments-db": "database"}
EDGES = [("ACME Corp", "depends_on", "Online store"), ("Online store", "depends_on", "checkout"),
         ("checkout", "depends_on", "payments"), ("payments", "depends_on", "payments-db")]
CI_FORM = {"class_key": "database", "name": "orders-db", "environment": "production", "lifecycle_status": "active",
           "owner_team": "data", "description": "Orders", "attributes": '{"port": 5432, "engine": "postgres"}'}


async def shop(db, tenant) -> dict:
    """The shop's CIs and relationships; ``{name: id as text}``."""
    return {name: str(ci_id) for name, ci_id in (await build(db, tenant, SHOP, EDGES)).items()}


async def stored(db, tenant, ci_id: str):
    """The CI as stored, read through the domain."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        ci = await get_ci(tx, uuid.UUID(ci_id))
        return {"name": ci.name, "version": ci.version, "owner_team": ci.owner_team, "attributes": ci.attributes,
                "environment": ci.environment}

