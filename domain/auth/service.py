"""The token endpoint's grants (RFC 6749): password, client_credentials and refresh_token."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from domain import credentials
from domain.apikeys.models import ApiKey
from domain.apikeys.service import touch_api_key
from domain.auth.models import RefreshToken
from domain.auth.throttle import LoginThrottle
from domain.auth.tokens import KeySource, TokenPolicy, issue_access_token
from domain.billing.entitlements import current_entitlements
from domain.errors import DomainError
from domain.members.models import Membership, User
from domain.members.passwords import verify_password
from domain.members.users import user_by_email
from domain.planes.routing import HomeRoute, home_route
from domain.principal import Principal
from domain.tenants.models import Tenant
from domain.tenants.queries import tenant_by_ref

if TYPE_CHECKING:
    from domain.uow import Transaction, UnitOfWork


class GrantError(DomainError):
    """A token-endpoint error: ``error`` is the RFC 6749 code, ``status`` the HTTP status."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description, code=error)
        self.error = error
        self.status = status


@dataclass(frozen=True)
class TokenGrant:
    """A successful token response."""

    access_token: str
    expires_in: int
    tenant_id: uuid.UUID
    refresh_token: str | None = None
    home: HomeRoute | None = None  # the tenant's home plane: where its API and console are served

    def as_json(self) -> dict:
        body = {"access_token": self.access_token, "token_type": "Bearer", "expires_in": self.expires_in,
                "tenant_id": str(self.tenant_id)}
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        if self.home is not None:
            body.update(home_url=self.home.url, home_plane=self.home.plane, home_region=self.home.region)
        return body


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class TokenService:
    """Issues access and refresh tokens after checking credentials."""

    db: UnitOfWork
    keys: KeySource
    policy: TokenPolicy
    throttle: LoginThrottle
    refresh_ttl: int

    async def password_grant(self, *, username: str, password: str, tenant: str, address: str,
                             region_hint: str | None = None) -> TokenGrant:
        """Sign a user in to a tenant with email and password (``region_hint``: the caller's nearest region)."""
        if not username or not password or not tenant:
            raise GrantError("invalid_request", "username, password and tenant are required.")
        async with self.db.transaction(tenant_id=None) as tx:
            user = await self.check_password(tx, email=username, password=password, address=address)
            target = await self._tenant_for_user(tx, user, tenant)
            return await self._user_grant(tx, user, target, family_id=uuid.uuid4(), region_hint=region_hint)

    async def check_password(self, tx: Transaction, *, email: str, password: str, address: str) -> User:
        """The active user with this email and password (throttled per email and address)."""
        email = (email or "").strip().lower()
        await self.throttle.check(email=email, address=address)
        user = await user_by_email(tx, email)
        if not await asyncio.to_thread(verify_password, user.password_hash if user else None, password):
            await self.throttle.failed(email=email, address=address)
            raise GrantError("invalid_grant", "Invalid username or password.")
        if not user.is_active:
            raise GrantError("invalid_grant", "This user is deactivated.")
        await self.throttle.succeeded(email=email, address=address)
        user.last_login_at = _now()
        return user

    async def _tenant_for_user(self, tx: Transaction, user: User, ref: str) -> Tenant:
        target = await tenant_by_ref(tx, ref)
        if target is None:
            raise GrantError("invalid_grant", f"Unknown tenant {ref!r}.")
        if target.status != "active":
            raise GrantError("invalid_grant", f"Tenant {target.slug!r} is suspended.")
        await tx.enter_tenant(target.id)
        return target

    async def _user_grant(self, tx: Transaction, user: User, tenant: Tenant, *, family_id: uuid.UUID,
                          region_hint: str | None = None) -> TokenGrant:
        roles = await tx.session.scalar(
            select(Membership.roles).where(Membership.tenant_id == tenant.id, Membership.user_id == user.id)
        )
        if roles is None:
            raise GrantError("invalid_grant", f"You are not a member of tenant {tenant.slug!r}.")
        home = await home_route(tx, tenant, region_hint=region_hint)
        access, expires_in = issue_access_token(
            self.keys, self.policy, subject=str(user.id), tenant_id=tenant.id, roles=list(roles),
            entitlements=await current_entitlements(tx, tenant), extra={"kind": "user", "email": user.email},
            audience=home.plane if home else None,
        )
        refresh = await self._new_refresh_token(tx, user_id=user.id, family_id=family_id)
        return TokenGrant(access, expires_in, tenant.id, str(refresh), home=home)

    async def _new_refresh_token(self, tx: Transaction, *, user_id: uuid.UUID, family_id: uuid.UUID):
        row_id = uuid.uuid4()
        credential = credentials.new_credential(credentials.REFRESH_TOKEN, row_id)
        tx.session.add(RefreshToken(
            id=row_id, tenant_id=tx.tenant_id, family_id=family_id, user_id=user_id,
            secret_hash=credentials.hash_secret(credential.secret),
            expires_at=_now() + timedelta(seconds=self.refresh_ttl),
        ))
        await tx.session.flush()
        return credential

    async def refresh_grant(self, *, refresh_token: str) -> TokenGrant:
        """Exchange a refresh token for new tokens; a reused token revokes its whole family."""
        presented = credentials.parse_credential(refresh_token, credentials.REFRESH_TOKEN)
        if presented is None:
            raise GrantError("invalid_grant", "Malformed refresh token.")
        async with self.db.transaction(tenant_id=None) as tx:
            row = await self._presented_refresh_token(tx, presented)
            await tx.enter_tenant(row.tenant_id)
            if row.used_at is not None:
                await self._revoke_family(tx, row.family_id)
                reused = True
            else:
                reused = False
                row.used_at = _now()
                tenant = await tx.session.get(Tenant, row.tenant_id)
                user = await tx.session.get(User, row.user_id)
                if tenant.status != "active":
                    raise GrantError("invalid_grant", f"Tenant {tenant.slug!r} is suspended.")
                if not user.is_active:
                    raise GrantError("invalid_grant", "This user is deactivated.")
                grant = await self._user_grant(tx, user, tenant, family_id=row.family_id)
        if reused:  # committed: the family stays revoked
            raise GrantError("invalid_grant", "Refresh token was already used; sign in again.")
        return grant

    async def _presented_refresh_token(self, tx: Transaction, presented) -> RefreshToken:
        await credentials.reveal_credential_row(tx.session, presented.id)
        row = await tx.session.scalar(
            select(RefreshToken).where(RefreshToken.id == presented.id).with_for_update()
        )
        if row is None or not credentials.secret_matches(row.secret_hash, presented.secret):
            raise GrantError("invalid_grant", "Unknown refresh token.")
        if row.revoked_at is not None:
            raise GrantError("invalid_grant", "Refresh token was revoked.")
        if row.expires_at <= _now():
            raise GrantError("invalid_grant", "Refresh token expired.")
        return row

    async def _revoke_family(self, tx: Transaction, family_id: uuid.UUID) -> None:
        await tx.session.execute(
            update(RefreshToken)
            .where(RefreshToken.tenant_id == tx.tenant_id, RefreshToken.family_id == family_id,
                   RefreshToken.revoked_at.is_(None))
            .values(revoked_at=_now())
        )

    async def revoke(self, *, token: str) -> None:
        """Revoke a refresh token and its family (RFC 7009: unknown tokens are not an error)."""
        presented = credentials.parse_credential(token, credentials.REFRESH_TOKEN)
        if presented is None:
            return
        async with self.db.transaction(tenant_id=None) as tx:
            await credentials.reveal_credential_row(tx.session, presented.id)
            row = await tx.session.get(RefreshToken, presented.id)
            if row is None or not credentials.secret_matches(row.secret_hash, presented.secret):
                return
            await tx.enter_tenant(row.tenant_id)
            await self._revoke_family(tx, row.family_id)

    async def client_credentials_grant(self, *, client_id: str, client_secret: str) -> TokenGrant:
        """Exchange an API key (id and secret) for an access token."""
        key_id = credentials.parse_public_id(client_id, credentials.API_KEY)
        if key_id is None or not client_secret:
            raise GrantError("invalid_client", "Unknown client.", status=401)
        async with self.db.transaction(tenant_id=None) as tx:
            await credentials.reveal_credential_row(tx.session, key_id)
            key = await tx.session.get(ApiKey, key_id)
            if key is None or not credentials.secret_matches(key.secret_hash, client_secret):
                raise GrantError("invalid_client", "Unknown client or wrong secret.", status=401)
            self._check_client_key(key)
            await tx.enter_tenant(key.tenant_id)
            tenant = await tx.session.get(Tenant, key.tenant_id)
            if tenant.status != "active":
                raise GrantError("invalid_client", f"Tenant {tenant.slug!r} is suspended.", status=401)
            await touch_api_key(tx, key.id)
            home = await home_route(tx, tenant)
            access, expires_in = issue_access_token(
                self.keys, self.policy, subject=f"apikey:{key.id}", tenant_id=tenant.id,
                roles=list(key.roles), entitlements=await current_entitlements(tx, tenant),
                extra={"kind": "api_key"}, audience=home.plane if home else None,
            )
        return TokenGrant(access, expires_in, tenant.id, home=home)

    async def refresh_entitlements(self, principal: Principal) -> TokenGrant:
        """A new access token for ``principal`` carrying the tenant's current entitlements (and roles)."""
        async with self.db.transaction(tenant_id=principal.tenant_id) as tx:
            tenant = await tx.session.get(Tenant, principal.tenant_id)
            extra = {"kind": principal.kind, **({"email": principal.email} if principal.email else {})}
            home = await home_route(tx, tenant)
            access, expires_in = issue_access_token(
                self.keys, self.policy, subject=principal.subject, tenant_id=tenant.id, roles=list(principal.roles),
                entitlements=await current_entitlements(tx, tenant), extra=extra,
                audience=home.plane if home else None,
            )
        return TokenGrant(access, expires_in, tenant.id, home=home)

    @staticmethod
    def _check_client_key(key: ApiKey) -> None:
        if key.revoked_at is not None:
            raise GrantError("invalid_client", "This API key was revoked.", status=401)
        if key.expires_at is not None and key.expires_at <= _now():
            raise GrantError("invalid_client", "This API key expired.", status=401)
        if key.kind != "client":
            raise GrantError(
                "unauthorized_client", "Ingest-only keys are sent as the X-Api-Key header to the ingest "
                "endpoints; they cannot obtain tokens.", status=400,
            )
