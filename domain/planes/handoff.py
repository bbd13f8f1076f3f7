"""Console sign-in handed from the control plane to the tenant's home plane with a one-time code.

The control plane checks the password and membership, then stores ``{user, tenant, plane}`` under a
random code in Redis for a short time and redirects the browser to the home plane with the code (never
a token in a URL). The home plane redeems the code at the control plane with its own plane credential;
a code works once (GETDEL), only for the plane it was made for, and not after its TTL.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis

PREFIX = "atlas:signin-code:"


@dataclass(frozen=True)
class Handoff:
    """Who signs in to which tenant, on which plane."""

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    plane_id: uuid.UUID


async def issue_code(redis: Redis, handoff: Handoff, *, ttl: int) -> str:
    """A fresh single-use code for ``handoff``, valid ``ttl`` seconds."""
    code = secrets.token_urlsafe(32)
    record = {"user_id": str(handoff.user_id), "tenant_id": str(handoff.tenant_id), "plane_id": str(handoff.plane_id)}
    await redis.set(PREFIX + code, json.dumps(record), ex=ttl)
    return code


async def redeem_code(redis: Redis, code: str, *, plane_id: uuid.UUID) -> Handoff | None:
    """The handoff of ``code`` if it exists, is unused and was made for ``plane_id``; it is spent either way."""
    if not code or len(code) > 100:
        return None
    raw = await redis.getdel(PREFIX + code)
    if raw is None:
        return None
    record = json.loads(raw)
    handoff = Handoff(uuid.UUID(record["user_id"]), uuid.UUID(record["tenant_id"]), uuid.UUID(record["plane_id"]))
    return handoff if handoff.plane_id == plane_id else None
