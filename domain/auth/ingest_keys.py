"""Ingest keys sent as a header: who is sending, on every ingest request (a hot path)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from domain import credentials
from domain.apikeys.models import ApiKey
from domain.apikeys.service import touch_api_key
from domain.auth.principals import api_key_principal
from domain.billing.plans import entitlements_for
from domain.errors import Unauthenticated
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.principal import Principal
    from domain.uow import UnitOfWork

TOUCH_INTERVAL = timedelta(seconds=60)
_INGEST_KEY_SQL = ("SELECT id, tenant_id, name, kind, roles, secret_hash, expires_at, last_used_at, revoked_at "
                   "FROM api_keys WHERE id = $1")
# the plan in force: the billing account's (kept current by every billing change and the hourly tick)
_TENANT_SQL = ("SELECT t.slug, t.status, coalesce(b.effective_plan, t.plan), t.plan_overrides::text, "
               "t.entitlements_version FROM tenants t LEFT JOIN billing_accounts b ON b.tenant_id = t.id "
               "WHERE t.id = $1")


def _recently_used(key: ApiKey) -> bool:
    return key.last_used_at is not None and key.last_used_at > datetime.now(UTC) - TOUCH_INTERVAL


async def authenticate_ingest_key(db: UnitOfWork, raw: str) -> Principal:
    """The principal of an ingest-only key sent as a header; refuses every other kind of key.

    Runs on every ingest request, so it reads with plain SQL (two short selects) and writes
    ``last_used_at`` only when it is more than a minute old.
    """
    presented = credentials.parse_credential(raw, credentials.API_KEY)
    if presented is None:
        raise Unauthenticated("Malformed API key.")
    async with db.transaction(tenant_id=None) as tx:
        await credentials.reveal_credential_row(tx.session, presented.id)
        rows = await fetch_sql(tx.session, _INGEST_KEY_SQL, presented.id)
        key = ApiKey(**rows[0]) if rows else None
        if key is None or not credentials.secret_matches(key.secret_hash, presented.secret):
            raise Unauthenticated("Unknown API key.")
        if key.kind != "ingest":
            raise Unauthenticated("Only ingest keys may be sent as a header; exchange client keys for a token.")
        await tx.enter_tenant(key.tenant_id)
        slug, status, plan, overrides, version = (await fetch_sql(tx.session, _TENANT_SQL, key.tenant_id))[0]
        if status != "active":
            raise Unauthenticated(f"Tenant {slug!r} is suspended.")
        entitlements = entitlements_for(plan, overrides=json.loads(overrides), version=version)
        principal = await api_key_principal(tx, key, entitlements=entitlements)
        if not _recently_used(key):
            await touch_api_key(tx, key.id)
    return principal
