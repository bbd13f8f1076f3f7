"""Who is calling: built per request from a verified token (or console session) and the database.

Roles and permissions come from the database on every request, so removing a member, revoking
an API key, suspending a tenant or revoking its tokens takes effect at once; plan entitlements come
from the token (``ent``), refreshed when a token is re-issued.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select

from domain.apikeys.models import ApiKey
from domain.auth.tokens import key_id, verify_access_token
from domain.errors import Forbidden, Unauthenticated
from domain.members.models import Membership, User
from domain.principal import API_KEY, USER, Principal
from domain.roles.queries import permissions_for_roles
from domain.tenants.models import Tenant

if TYPE_CHECKING:
    from domain.auth.tokens import KeySource, TokenPolicy
    from domain.uow import Transaction, UnitOfWork

TENANT_HEADER = "x-tenant-id"  # every tenant-plane call names its tenant; it must equal the token's


def _issued_at(claims: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(claims["iat"]), UTC)


async def active_tenant(tx: Transaction, tenant_id: uuid.UUID) -> Tenant:
    """The tenant, if it exists and is not suspended."""
    tenant = await tx.session.get(Tenant, tenant_id)
    if tenant is None:
        raise Unauthenticated("The token's tenant does not exist.")
    if tenant.status != "active":
        raise Forbidden(f"Tenant {tenant.slug!r} is suspended.", code="TENANT_SUSPENDED")
    return tenant


STALE_MESSAGE = "The token's entitlements changed; refresh it at /api/entitlements/refresh."


def _check_entitlements_version(tenant: Tenant, claims: dict[str, Any]) -> None:
    """A token whose entitlements are older than the tenant's is refused (a downgrade applies at once)."""
    ent = claims.get("ent")
    version = ent.get("version") if isinstance(ent, dict) else None
    if not isinstance(version, int) or version < tenant.entitlements_version:
        raise Unauthenticated(STALE_MESSAGE, code="ENTITLEMENTS_STALE")


NOT_HOSTED_MESSAGE = ("This tenant plane does not host the token's tenant; use the URL the control plane's "
                      "/api/auth/token answered (home_url).")
WRONG_AUDIENCE = "Token is not meant for this audience."


async def _check_audience(tx: Transaction, claims: dict[str, Any], tenant_id: uuid.UUID,
                          policy: TokenPolicy | None) -> Tenant:
    """The token's tenant, if this deployment serves it and the token is meant for it.

    A tenant plane deployed apart takes only tokens whose audience is its own name (else 403
    TENANT_NOT_HOSTED, saying nothing of where the tenant lives); otherwise the audience must be the
    tenant's home plane, or the default audience for a tenant without one.
    """
    audience = claims.get("aud")
    if policy is not None and policy.plane:
        tenant = await tx.session.get(Tenant, tenant_id) if audience == policy.plane else None
        if tenant is None:
            raise Forbidden(NOT_HOSTED_MESSAGE, code="TENANT_NOT_HOSTED")
        return await active_tenant(tx, tenant_id)
    tenant = await active_tenant(tx, tenant_id)
    if policy is not None:
        expected = policy.audience
        if tenant.home_plane_id is not None:
            from domain.planes.models import TenantPlane

            plane = await tx.session.get(TenantPlane, tenant.home_plane_id)
            expected = plane.name if plane is not None else expected
        if audience != expected:
            raise Unauthenticated(WRONG_AUDIENCE)
    return tenant


async def principal_from_claims(db: UnitOfWork, claims: dict[str, Any], *, allow_stale: bool = False,
                                policy: TokenPolicy | None = None) -> Principal:
    """Resolve verified token claims into a principal, checking audience, revocation, membership and
    entitlements now."""
    try:
        tenant_id = uuid.UUID(claims["tid"])
    except (ValueError, TypeError):
        raise Unauthenticated("Token has an invalid tenant claim.") from None
    async with db.transaction(tenant_id=tenant_id) as tx:
        tenant = await _check_audience(tx, claims, tenant_id, policy)
        if tenant.tokens_valid_after and _issued_at(claims) < tenant.tokens_valid_after:
            raise Unauthenticated("Token was revoked; sign in again.")
        if not allow_stale:
            _check_entitlements_version(tenant, claims)
        if claims.get("kind") == API_KEY:
            return await _api_key_principal(tx, claims)
        return await _user_principal(tx, claims)


async def _user_principal(tx: Transaction, claims: dict[str, Any]) -> Principal:
    try:
        user_id = uuid.UUID(claims["sub"])
    except (ValueError, TypeError):
        raise Unauthenticated("Token has an invalid subject.") from None
    return await user_principal(tx, user_id=user_id, entitlements=claims["ent"], expires_at=claims["exp"])


async def user_principal(
    tx: Transaction, *, user_id: uuid.UUID, entitlements: dict[str, Any], expires_at: float | None = None
) -> Principal:
    """The principal of ``user_id`` in the transaction's tenant (active user and member)."""
    row = (await tx.session.execute(
        select(User, Membership.roles)
        .join(Membership, (Membership.user_id == User.id) & (Membership.tenant_id == tx.tenant_id))
        .where(User.id == user_id)
    )).one_or_none()
    if row is None:
        raise Forbidden("You are not a member of this tenant.")
    user, roles = row
    if not user.is_active:
        raise Unauthenticated("This user is deactivated.")
    return Principal(
        kind=USER, subject=str(user.id), tenant_id=tx.tenant_id, roles=tuple(roles),
        permissions=await permissions_for_roles(tx, roles), entitlements=entitlements,
        user_id=user.id, email=user.email, display_name=user.display_name,
        is_platform_admin=user.is_platform_admin, expires_at=expires_at,
        time_zone=user.time_zone, theme=user.theme,
    )


async def _api_key_principal(tx: Transaction, claims: dict[str, Any]) -> Principal:
    try:
        key_id = uuid.UUID(claims["sub"].removeprefix("apikey:"))
    except (ValueError, TypeError, AttributeError):
        raise Unauthenticated("Token has an invalid subject.") from None
    async with tx.control_plane() as cp:  # keys live in the shared database whatever the placement
        key = await cp.session.get(ApiKey, key_id)
    return await api_key_principal(tx, key, entitlements=claims["ent"], expires_at=claims["exp"])


async def api_key_principal(
    tx: Transaction, key: ApiKey | None, *, entitlements: dict[str, Any], expires_at: float | None = None
) -> Principal:
    """The principal of an API key, if it is live."""
    if key is None or key.tenant_id != tx.tenant_id:
        raise Unauthenticated("Unknown API key.")
    if key.revoked_at is not None:
        raise Unauthenticated("This API key was revoked.")
    if key.expires_at is not None and key.expires_at <= datetime.now(UTC):
        raise Unauthenticated("This API key expired.")
    return Principal(
        kind=API_KEY, subject=f"apikey:{key.id}", tenant_id=key.tenant_id, roles=tuple(key.roles),
        permissions=await permissions_for_roles(tx, key.roles), entitlements=entitlements,
        api_key_id=key.id, display_name=key.name, expires_at=expires_at,
    )


class Verifying(Protocol):
    """What checking a token needs of the running process (domain.ports.Runtime has it)."""

    db: UnitOfWork
    keys: KeySource

    @property
    def policy(self) -> TokenPolicy: ...


async def authenticate(runtime: Verifying, token: str, tenant_header: str | None, *,
                       allow_stale: bool = False) -> Principal:
    """Verify a bearer ``token`` and resolve its principal; the tenant header must match the token."""
    if not token:
        raise Unauthenticated("Authorization must be 'Bearer <access token>'.")
    refresh = getattr(runtime.keys, "refresh_for", None)  # a tenant plane's cached copy of the CP's JWKS
    if refresh is not None:
        await refresh(key_id(token))
    claims = verify_access_token(runtime.keys, runtime.policy, token)
    if not tenant_header or tenant_header.strip().lower() != str(claims.get("tid", "")).lower():
        raise Forbidden(f"The {TENANT_HEADER} header is required and must equal the token's tenant.",
                        code="TENANT_MISMATCH")
    return await principal_from_claims(runtime.db, claims, allow_stale=allow_stale, policy=runtime.policy)
