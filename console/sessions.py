"""Console sign-in sessions, kept in Redis and named by an opaque cookie.

The cookie ``atlas_session`` holds 32 random bytes (``secrets.token_urlsafe``); Redis keeps the
session under ``atlas:session:<sha256 hex of the cookie>``, so a leak of Redis keys reveals no
usable cookie. The value is JSON ``{user_id, tenant_id, csrf, created_at}`` with a sliding TTL of
``settings.session_ttl``. ``tenant_id`` is null while a user in several tenants picks one.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "atlas_session"
KEY_PREFIX = "atlas:session:"


@dataclass(frozen=True)
class Session:
    """One signed-in browser: who, in which tenant, and its CSRF token."""

    cookie: str
    user_id: uuid.UUID
    tenant_id: uuid.UUID | None
    csrf: str
    created_at: float

    def as_json(self) -> str:
        """The stored form (the cookie itself is never stored)."""
        return json.dumps({
            "user_id": str(self.user_id), "tenant_id": str(self.tenant_id) if self.tenant_id else None,
            "csrf": self.csrf, "created_at": self.created_at,
        })

    @classmethod
    def from_json(cls, cookie: str, raw: bytes | str) -> Session:
        """The session named by ``cookie`` from its stored form."""
        data = json.loads(raw)
        tenant = data.get("tenant_id")
        return cls(cookie=cookie, user_id=uuid.UUID(data["user_id"]),
                   tenant_id=uuid.UUID(tenant) if tenant else None, csrf=data["csrf"],
                   created_at=float(data["created_at"]))


def session_key(cookie: str) -> str:
    """The Redis key of the session named by ``cookie``."""
    return KEY_PREFIX + hashlib.sha256(cookie.encode()).hexdigest()


@dataclass(frozen=True)
class SessionStore:
    """Creates, loads (refreshing the TTL), rotates and ends sessions."""

    redis: Redis
    ttl: int

    @classmethod
    def of(cls, request: Request) -> SessionStore:
        """The store of this request's application."""
        runtime = request.app.state.runtime
        return cls(runtime.redis, runtime.settings.session_ttl)

    async def create(self, *, user_id: uuid.UUID, tenant_id: uuid.UUID | None,
                     created_at: float | None = None) -> Session:
        """A new session with a fresh cookie and CSRF token."""
        session = Session(cookie=secrets.token_urlsafe(32), user_id=user_id, tenant_id=tenant_id,
                          csrf=secrets.token_urlsafe(32), created_at=created_at or time.time())
        await self.redis.set(session_key(session.cookie), session.as_json(), ex=self.ttl)
        return session

    async def load(self, cookie: str | None) -> Session | None:
        """The live session named by ``cookie``, its TTL refreshed; None if unknown or expired."""
        if not cookie or len(cookie) > 128:
            return None
        raw = await self.redis.getex(session_key(cookie), ex=self.ttl)
        if raw is None:
            return None
        try:
            return Session.from_json(cookie, raw)
        except (ValueError, KeyError, TypeError):
            return None

    async def peek(self, cookie: str | None) -> Session | None:
        """Like :meth:`load`, without refreshing the TTL (a live view alone keeps no session alive)."""
        if not cookie or len(cookie) > 128:
            return None
        raw = await self.redis.get(session_key(cookie))
        try:
            return Session.from_json(cookie, raw) if raw is not None else None
        except (ValueError, KeyError, TypeError):
            return None

    async def move_to_tenant(self, session: Session, tenant_id: uuid.UUID) -> Session:
        """Rotate the session into ``tenant_id``: new cookie and CSRF token, the old id ends."""
        moved = await self.create(user_id=session.user_id, tenant_id=tenant_id, created_at=session.created_at)
        await self.end(session.cookie)
        return moved

    async def end(self, cookie: str | None) -> None:
        """Forget the session named by ``cookie`` (no error if there is none)."""
        if cookie:
            await self.redis.delete(session_key(cookie))


def set_session_cookie(response: Response, session: Session, *, secure: bool) -> None:
    """Send the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure in production."""
    response.set_cookie(COOKIE, session.cookie, path="/", httponly=True, samesite="lax", secure=secure)


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    """Tell the browser to drop the session cookie."""
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
