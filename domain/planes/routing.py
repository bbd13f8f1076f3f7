"""Login routing: which tenant plane serves a tenant, at which URL, and the audience of its tokens.

A tenant with a home plane gets tokens whose audience is the plane's name, and its users are sent to
the plane's URL; a plane may list more endpoints by region (``details["endpoints"]``), and the
region hint a load balancer sets picks among them (else the plane's own URL, in the tenant's home
region). A tenant without a home plane is served by this deployment (default audience, no URL).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from domain.errors import ValidationFailed
from domain.planes.models import TenantPlane
from domain.planes.registry import REGION_PATTERN
from domain.tenants.models import Tenant

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_ENDPOINTS = 32


@dataclass(frozen=True)
class HomeRoute:
    """Where a tenant's users go: its plane's name (the token audience) and the URL picked for them."""

    plane: str
    url: str
    region: str
    plane_id: uuid.UUID | None = None


def check_endpoints(endpoints: Any) -> dict[str, str]:
    """``{"<region>": "<http(s) URL>"}``, validated; ValidationFailed otherwise."""
    if not isinstance(endpoints, dict) or len(endpoints) > MAX_ENDPOINTS:
        raise ValidationFailed(f"Endpoints must be an object of at most {MAX_ENDPOINTS} region: URL pairs.",
                               field="endpoints")
    checked = {}
    for region, url in endpoints.items():
        parts = urlsplit(url) if isinstance(url, str) else None
        if not REGION_PATTERN.fullmatch(region) or parts is None or parts.scheme not in ("http", "https") \
                or not parts.netloc or parts.query or parts.fragment:
            raise ValidationFailed(f"Endpoint {region!r} must map a region to an absolute http(s) URL.",
                                   field="endpoints")
        checked[region] = url.rstrip("/")
    return checked


def set_endpoints(plane: TenantPlane, endpoints: Any) -> None:
    plane.details = {**(plane.details or {}), "endpoints": check_endpoints(endpoints)}


def pick_url(plane: TenantPlane, region_hint: str | None) -> tuple[str, str]:
    """The endpoint of ``plane`` nearest the hinted region (else the plane's own), and its region."""
    endpoints = (plane.details or {}).get("endpoints") or {}
    hint = (region_hint or "").strip().lower()
    if hint and hint in endpoints:
        return endpoints[hint], hint
    return plane.url, plane.region


async def home_route(tx: Transaction, tenant: Tenant, *, region_hint: str | None = None) -> HomeRoute | None:
    """The home plane route of ``tenant``, or None when this deployment serves it."""
    if tenant.home_plane_id is None:
        return None
    plane = await tx.session.get(TenantPlane, tenant.home_plane_id)
    if plane is None:
        return None
    url, region = pick_url(plane, region_hint)
    return HomeRoute(plane=plane.name, url=url, region=region, plane_id=plane.id)
