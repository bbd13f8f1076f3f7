"""The tenant-plane registry: platform operators register planes; a plane heartbeats with its own credential.

A plane's credential is ``atp_<plane id hex>_<secret>`` (see domain.credentials), shown once at
registration; only a hash is kept. It is the plane's, never a tenant's.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import func, select

from domain import credentials
from domain.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from domain.planes.models import PLANE_KINDS, PLANE_STATUSES, TenantPlane
from domain.tenants.models import Tenant

if TYPE_CHECKING:
    from domain.uow import Transaction

PLANE_CREDENTIAL = "atp"
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
REGION_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


@dataclass(frozen=True)
class RegisteredPlane:
    """A new plane and its credential (shown once)."""

    plane: TenantPlane
    credential: str


def _check_url(url: str) -> str:
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValidationFailed("URL must be an absolute http(s) URL without query or fragment.", field="url")
    return url


def _check_fields(*, name: str, region: str, kind: str, capacity: int) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise ValidationFailed("Name must be 2-63 lower-case letters, digits or hyphens.", field="name")
    if not REGION_PATTERN.fullmatch(region):
        raise ValidationFailed("Region must be 1-32 lower-case letters, digits or hyphens.", field="region")
    if kind not in PLANE_KINDS:
        raise ValidationFailed(f"Kind must be one of {', '.join(PLANE_KINDS)}.", field="kind")
    if not 0 <= capacity <= 1_000_000:
        raise ValidationFailed("Capacity must be between 0 and 1000000 tenants.", field="capacity")


async def register_plane(
    tx: Transaction, *, name: str, region: str, url: str, kind: str = "shared", capacity: int = 1000,
) -> RegisteredPlane:
    """Add a plane to the registry and mint its credential."""
    name, region = name.strip(), region.strip()
    _check_fields(name=name, region=region, kind=kind, capacity=capacity)
    url = _check_url(url)
    if await tx.session.scalar(select(TenantPlane.id).where(TenantPlane.name == name)) is not None:
        raise Conflict(f"A tenant plane named {name!r} already exists.", field="name")
    plane = TenantPlane(id=uuid.uuid4(), name=name, region=region, url=url, kind=kind,
                        capacity=1 if kind == "dedicated" else capacity)
    credential = credentials.new_credential(PLANE_CREDENTIAL, plane.id)
    plane.credential_hash = credentials.hash_secret(credential.secret).hex()
    tx.session.add(plane)
    await tx.session.flush()
    return RegisteredPlane(plane, str(credential))


async def authenticate_plane(tx: Transaction, raw_credential: str) -> TenantPlane:
    """The plane a credential belongs to, or Unauthenticated (same answer for unknown and wrong)."""
    parsed = credentials.parse_credential(raw_credential, PLANE_CREDENTIAL)
    plane = await tx.session.get(TenantPlane, parsed.id) if parsed else None
    if plane is None or not credentials.secret_matches(bytes.fromhex(plane.credential_hash), parsed.secret):
        raise Unauthenticated("Unknown tenant-plane credential.")
    return plane


async def record_heartbeat(tx: Transaction, plane: TenantPlane, *, version: str) -> TenantPlane:
    """The plane says it is alive (and which version it runs); an offline plane comes back active."""
    plane.last_heartbeat_at = datetime.now(UTC)
    plane.version = version.strip()[:64]
    if plane.status == "offline":
        plane.status = "active"
    await tx.session.flush()
    return plane


async def update_plane(
    tx: Transaction, *, plane_id: uuid.UUID, status: str | None = None, capacity: int | None = None,
    url: str | None = None,
) -> TenantPlane:
    """Change a plane's status (active, draining, offline), capacity or public URL."""
    plane = await tx.session.get(TenantPlane, plane_id, with_for_update=True)
    if plane is None:
        raise NotFound("No such tenant plane.", field="id")
    if status is not None:
        if status not in PLANE_STATUSES:
            raise ValidationFailed(f"Status must be one of {', '.join(PLANE_STATUSES)}.", field="status")
        plane.status = status
    if capacity is not None:
        _check_fields(name=plane.name, region=plane.region, kind=plane.kind, capacity=capacity)
        plane.capacity = capacity
    if url is not None:
        plane.url = _check_url(url)
    await tx.session.flush()
    return plane


async def list_planes(tx: Transaction) -> list[TenantPlane]:
    return list(await tx.session.scalars(select(TenantPlane).order_by(TenantPlane.region, TenantPlane.name)))


async def plane_by_name(tx: Transaction, name: str) -> TenantPlane | None:
    return await tx.session.scalar(select(TenantPlane).where(TenantPlane.name == name))


async def hosted_counts(tx: Transaction) -> dict[uuid.UUID, int]:
    """How many tenants each plane hosts."""
    rows = await tx.session.execute(
        select(Tenant.home_plane_id, func.count()).where(Tenant.home_plane_id.is_not(None))
        .group_by(Tenant.home_plane_id))
    return dict(rows.all())
