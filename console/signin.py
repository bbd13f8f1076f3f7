"""Sign-in plumbing: check a password, pick the tenant, resolve a session's principal.

This is authentication, not a screen, so it calls the domain directly; every screen gets its data
through named GraphQL operations (DESIGN.md section 6).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from domain.auth.principals import active_tenant, user_principal
from domain.auth.service import GrantError
from domain.billing.entitlements import current_entitlements
from domain.errors import TooManyAttempts, Unauthenticated
from domain.planes.handoff import Handoff, issue_code
from domain.planes.routing import home_route
from domain.ports import Runtime
from domain.principal import Principal
from domain.tenants.models import Tenant
from domain.tenants.queries import TenantMembership, tenant_by_ref, tenants_of_user
from domain.text import UNSTORABLE_MESSAGE, all_storable


class SignInRefused(Exception):
    """Sign-in failed: ``message`` for the form, ``status`` for the response."""

    def __init__(self, message: str, *, status: int = 400, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    """A checked user and the tenant to enter (None: they must choose among several)."""

    user_id: uuid.UUID
    tenant_id: uuid.UUID | None


async def check_sign_in(
    runtime: Runtime, *, email: str, password: str, tenant_ref: str, address: str
) -> SignedIn:
    """Check the password (throttled) and pick the tenant, or raise SignInRefused."""
    if not email.strip() or not password:
        raise SignInRefused("Enter your email address and password.")
    if not all_storable([email, password, tenant_ref]):
        raise SignInRefused(UNSTORABLE_MESSAGE)
    try:
        async with runtime.db.transaction(tenant_id=None) as tx:
            user = await runtime.tokens.check_password(tx, email=email, password=password, address=address)
            memberships = await tenants_of_user(tx, user_id=user.id)
            tenant_id = await _pick_tenant(tx, memberships, tenant_ref.strip())
            return SignedIn(user.id, tenant_id)
    except GrantError as exc:
        raise SignInRefused(exc.message) from None
    except TooManyAttempts as exc:
        raise SignInRefused(exc.message, status=429, retry_after=exc.retry_after) from None


async def _pick_tenant(tx, memberships: list[TenantMembership], ref: str) -> uuid.UUID | None:
    """The named tenant (it must be active and the user's), the only one, or None to choose."""
    if ref:
        tenant = await tenant_by_ref(tx, ref)
        if tenant is None:
            raise SignInRefused(f"Unknown tenant {ref!r}.")
        if tenant.status != "active":
            raise SignInRefused(f"Tenant {tenant.slug!r} is suspended.")
        if tenant.id not in {m.tenant.id for m in memberships}:
            raise SignInRefused(f"You are not a member of tenant {tenant.slug!r}.")
        return tenant.id
    if not memberships:
        raise SignInRefused("You are not a member of any active tenant.")
    return memberships[0].tenant.id if len(memberships) == 1 else None


async def member_tenants(runtime: Runtime, *, user_id: uuid.UUID) -> list[dict[str, Any]]:
    """The active tenants of ``user_id`` as plain dicts, for the tenant chooser."""
    async with runtime.db.transaction(tenant_id=None) as tx:
        memberships = await tenants_of_user(tx, user_id=user_id)
    return [{"id": str(m.tenant.id), "slug": m.tenant.slug, "name": m.tenant.name, "roles": list(m.roles)}
            for m in memberships]


async def session_principal(
    runtime: Runtime, *, user_id: uuid.UUID, tenant_id: uuid.UUID, signed_in_at: float
) -> Principal:
    """The user's principal in the tenant (Forbidden/Unauthenticated if gone or revoked since sign-in)."""
    async with runtime.db.transaction(tenant_id=tenant_id) as tx:
        tenant = await active_tenant(tx, tenant_id)
        if tenant.tokens_valid_after and signed_in_at < tenant.tokens_valid_after.timestamp():
            raise Unauthenticated("Every session of this tenant was revoked.", code="SESSIONS_REVOKED")
        return await user_principal(tx, user_id=user_id, entitlements=await current_entitlements(tx, tenant))


async def home_plane_handoff(runtime: Runtime, signed: SignedIn, *, region_hint: str | None, ttl: int) -> str | None:
    """At a control plane deployed apart: the home plane's URL to send the browser to with a one-time code,
    or None when the tenant has no home plane (this deployment serves it)."""
    if signed.tenant_id is None:
        return None
    async with runtime.db.transaction(tenant_id=None) as tx:
        tenant = await tx.session.get(Tenant, signed.tenant_id)
        route = await home_route(tx, tenant, region_hint=region_hint) if tenant is not None else None
    if route is None:
        return None
    code = await issue_code(runtime.redis, Handoff(signed.user_id, signed.tenant_id, route.plane_id), ttl=ttl)
    return f"{route.url}/console/signin/code?{urlencode({'code': code})}"
