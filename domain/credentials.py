"""Opaque credentials of the form ``<prefix>_<id hex>_<secret>``; only SHA-256 of the secret is stored.

The id is public and locates the row; the secret is 256 random bits, so a fast hash suffices
(unlike passwords). Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

API_KEY = "atk"
INTEGRATION_KEY = "aik"
REFRESH_TOKEN = "art"
INVITATION = "ati"


@dataclass(frozen=True)
class Credential:
    """A parsed credential: which row, and the secret to check against its hash."""

    prefix: str
    id: uuid.UUID
    secret: str

    def __str__(self) -> str:
        return f"{self.prefix}_{self.id.hex}_{self.secret}"

    @property
    def public_id(self) -> str:
        """The part that may be shown and logged (e.g. an OAuth client_id)."""
        return f"{self.prefix}_{self.id.hex}"


def new_credential(prefix: str, row_id: uuid.UUID) -> Credential:
    """A fresh random secret for the row ``row_id``."""
    return Credential(prefix, row_id, secrets.token_urlsafe(32))


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def secret_matches(stored_hash: bytes, secret: str) -> bool:
    return hmac.compare_digest(bytes(stored_hash), hash_secret(secret))


def parse_credential(raw: str, prefix: str) -> Credential | None:
    """Parse ``<prefix>_<hex>_<secret>``; None when it is not of that form."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != prefix or not parts[2]:
        return None
    try:
        return Credential(prefix, uuid.UUID(hex=parts[1]), parts[2])
    except ValueError:
        return None


def parse_public_id(raw: str, prefix: str) -> uuid.UUID | None:
    """Parse ``<prefix>_<hex>`` (e.g. an OAuth client_id); None when malformed."""
    parts = (raw or "").strip().split("_")
    if len(parts) != 2 or parts[0] != prefix:
        return None
    try:
        return uuid.UUID(hex=parts[1])
    except ValueError:
        return None


async def reveal_credential_row(session: AsyncSession, row_id: uuid.UUID) -> None:
    """Let this transaction see the credential row ``row_id`` before its tenant is known (RLS)."""
    await session.execute(text("SELECT set_config('app.credential_id', :id, true)"), {"id": str(row_id)})
