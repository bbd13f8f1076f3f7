"""Plane jobs: the control plane sends due deliveries to tenant planes; a tenant plane heartbeats.

``send_plane_deliveries`` runs after every change that queued a delivery (the fast path) and every
10 seconds as a cron (the catch-up: backoff expiries, a plane back from an outage). Rows of one plane
go oldest first and stop at that plane's first failure, so a plane applies its pushes in order.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

import httpx

from domain.planes import deliveries
from domain.planes.models import TenantPlane
from domain.planes.signing import sign_delivery
from domain.ports import Runtime

log = logging.getLogger("atlas.planes")
DELIVERIES_PATH = "/api/plane/deliveries"
TIMEOUT = httpx.Timeout(10.0)


async def _send(http: httpx.AsyncClient, runtime: Runtime, plane: TenantPlane, row) -> str | None:
    """Send one delivery; None when the plane applied it, else what went wrong."""
    signed = sign_delivery(runtime.keys, issuer=runtime.settings.token_issuer, plane=plane.name, key=row.key,
                           kind=row.kind, payload=row.payload)
    try:
        response = await http.post(plane.url + DELIVERIES_PATH, content=signed,
                                   headers={"Content-Type": "application/jwt"})
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:400]}"
    return None


async def send_plane_deliveries(ctx: dict) -> dict:
    """Send every due delivery once; returns how many were delivered and how many failed."""
    runtime: Runtime = ctx["runtime"]
    sent = failed = 0
    async with runtime.db.transaction(tenant_id=None) as tx, \
            httpx.AsyncClient(transport=runtime.http_transport, timeout=TIMEOUT) as http:
        stopped: set = set()
        for row in await deliveries.due_deliveries(tx):
            if row.plane_id in stopped:
                continue
            plane = await tx.session.get(TenantPlane, row.plane_id)
            error = await _send(http, runtime, plane, row)
            if error is None:
                await deliveries.mark_delivered(tx, row.id)
                sent += 1
            else:
                await deliveries.mark_failed(tx, row, error)
                stopped.add(row.plane_id)
                failed += 1
                log.warning("delivery %s to plane %s failed (attempt %d): %s", row.key, plane.name, row.attempts, error)
    return {"delivered": sent, "failed": failed}


def _version() -> str:
    try:
        return version("atlasai")
    except PackageNotFoundError:
        return "unknown"


async def plane_heartbeat(ctx: dict) -> bool:
    """A tenant plane deployed apart tells the control plane it is alive (False: the CP did not answer)."""
    control_plane = ctx["runtime"].control_plane
    if control_plane is None or not control_plane.credential:
        return False
    try:
        await control_plane.heartbeat(version=_version())
    except httpx.HTTPError as exc:
        log.warning("heartbeat to the control plane failed: %s", exc)
        return False
    return True
