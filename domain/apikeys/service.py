"""API keys: create (the secret is shown once), list, revoke, and authenticate ingest keys."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from domain import credentials
from domain.apikeys.models import API_KEY_KINDS, ApiKey
from domain.audit import service as audit
from domain.billing.limits import check_api_key_available
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.pagination import Page, paginate
from domain.principal import Principal
from domain.roles.grants import check_holds, grantable_roles
from domain.roles.queries import permissions_for_roles

if TYPE_CHECKING:
    from domain.uow import Transaction

INGEST_ROLES = ["agent"]


@dataclass(frozen=True)
class IssuedApiKey:
    """A new key and its secret, which is never shown again."""

    key: ApiKey
    credential: credentials.Credential

    @property
    def client_id(self) -> str:
        return self.credential.public_id

    @property
    def client_secret(self) -> str:
        return self.credential.secret


def _check_input(name: str, kind: str, expires_at: datetime | None) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed("Name must be 1-100 characters.", field="name")
    if kind not in API_KEY_KINDS:
        raise ValidationFailed(f"Kind must be one of {', '.join(API_KEY_KINDS)}.", field="kind")
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise ValidationFailed("Expiry must be in the future.", field="expiresAt")
    return name


async def create_api_key(
    tx: Transaction, *, name: str, kind: str, roles: list[str], expires_at: datetime | None,
    actor: Principal,
) -> IssuedApiKey:
    """Create a key of ``kind`` (ingest keys always get the `agent` role) conferring only what the actor holds."""
    name = _check_input(name, kind, expires_at)
    await check_api_key_available(tx)
    if kind == "ingest":
        roles = INGEST_ROLES
        check_holds(actor, await permissions_for_roles(tx, roles), field="kind", doing="grant")
    else:
        roles = await grantable_roles(tx, roles=roles, actor=actor)
    row_id = uuid.uuid4()
    credential = credentials.new_credential(credentials.API_KEY, row_id)
    key = ApiKey(
        id=row_id, tenant_id=tx.tenant_id, name=name, kind=kind, roles=roles,
        secret_hash=credentials.hash_secret(credential.secret), created_by=actor.actor, expires_at=expires_at,
    )
    async with tx.control_plane() as cp:  # where the lookup finds it, whatever the tenant's placement
        cp.session.add(key)
        await cp.session.flush()
    if cp is not tx:  # committed apart: withdraw it if the rest of the use case rolls back (its secret was not shown)
        tx.on_rollback(functools.partial(_delete_key, tx, row_id))
    await audit.record(tx, actor=actor.actor, action="apikey.created", target_type="api_key",
                       target_id=str(row_id), data={"name": name, "kind": kind, "roles": roles})
    return IssuedApiKey(key, credential)


async def list_api_keys(
    tx: Transaction, *, include_revoked: bool = False, first: int | None = None, after: str | None = None
) -> Page[ApiKey]:
    """The tenant's keys, newest first."""
    query = select(ApiKey).where(ApiKey.tenant_id == tx.tenant_id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    async with tx.control_plane() as cp:
        return await paginate(cp.session, query, order=[ApiKey.created_at, ApiKey.id], first=first, after=after,
                              descending=True)


async def revoke_api_key(tx: Transaction, *, key_id: uuid.UUID, actor: str) -> ApiKey:
    """Revoke a key at once: its tokens and headers stop working on the next request."""
    async with tx.control_plane() as cp:  # committed at once: a revocation is never undone by a later failure
        key = await cp.session.scalar(
            select(ApiKey).where(ApiKey.tenant_id == tx.tenant_id, ApiKey.id == key_id).with_for_update()
        )
        if key is None:
            raise NotFound("No such API key.", field="id")
        if key.revoked_at is not None:
            raise Conflict("This API key is already revoked.", field="id")
        key.revoked_at = datetime.now(UTC)
        await cp.session.flush()
    await audit.record(tx, actor=actor, action="apikey.revoked", target_type="api_key", target_id=str(key.id))
    return key


async def touch_api_key(tx: Transaction, key_id: uuid.UUID) -> None:
    """Record use of a key, at most once a minute (ingest sends many requests)."""
    await tx.session.execute(text(
        "UPDATE api_keys SET last_used_at = now() WHERE id = :id "
        "AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')"
    ), {"id": key_id})


async def _delete_key(tx: Transaction, key_id: uuid.UUID) -> None:
    async with tx.control_plane() as cp:
        await cp.session.execute(text("DELETE FROM api_keys WHERE id = :id"), {"id": key_id})
