"""Control plane -> tenant plane deliveries: a durable queue of signed, idempotent pushes.

A change the home tenant plane of a tenant must know (provisioning, entitlements, suspension or resume,
revoked tokens) writes a ``plane_deliveries`` row in the same transaction as the change, carrying a
snapshot of the tenant record; a published policy writes one row per plane. Tenants without a home
plane write nothing (one deployment: the plane reads the same database). The worker job
(workers/jobs/planes.py) sends due rows in order, oldest first per plane, and backs off on failure,
so a plane that was down catches up in order when it returns. Applying a snapshot twice leaves the same
state, and the receiving plane ignores a snapshot older than the one it holds.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from domain.members.models import Membership, User
from domain.pagination import Page, paginate
from domain.planes.models import DELIVERY_STATUSES, PlaneDelivery, TenantPlane
from domain.tenants.models import Tenant

if TYPE_CHECKING:
    from domain.uow import Transaction

TENANT_KINDS = ("tenant.provisioned", "tenant.entitlements", "tenant.suspended", "tenant.resumed",
                "tenant.tokens_revoked", "tenant.changed")
POLICY_KIND = "policy.published"
KINDS = (*TENANT_KINDS, POLICY_KIND)
SEND_JOB = "send_plane_deliveries"  # the worker job that sends due rows (also a cron: the catch-up)
MAX_ATTEMPTS = 12  # then the row is `failed` (still visible, retried by `retryPlaneDeliveries` later)
BACKOFF_BASE_SECONDS = 2
BACKOFF_CAP_SECONDS = 600


def backoff(attempts: int) -> timedelta:
    """How long after its ``attempts``-th failure a delivery is tried again (2 s, 4 s, 8 s, ... 10 min)."""
    return timedelta(seconds=min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1)))


async def tenant_snapshot(tx: Transaction, tenant: Tenant, entitlements: dict[str, Any]) -> dict[str, Any]:
    """What a tenant plane keeps of a tenant: its record, entitlements and members (no password hashes)."""
    rows = (await tx.session.execute(
        select(User, Membership.roles).join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant.id).order_by(User.email))).all()
    members = [{"id": str(user.id), "email": user.email, "display_name": user.display_name,
                "is_active": user.is_active, "time_zone": user.time_zone, "theme": user.theme,
                "roles": list(roles)} for user, roles in rows]
    return {
        "id": str(tenant.id), "slug": tenant.slug, "name": tenant.name, "status": tenant.status,
        "plan": entitlements.get("plan", tenant.plan), "plan_overrides": tenant.plan_overrides or {},
        "region": tenant.region, "placement": tenant.placement or {},
        "entitlements_version": tenant.entitlements_version,
        "tokens_valid_after": tenant.tokens_valid_after.isoformat() if tenant.tokens_valid_after else None,
        "members": members, "as_of": datetime.now(UTC).isoformat(),
    }


async def tenant_changed(tx: Transaction, tenant: Tenant, *, kind: str) -> PlaneDelivery | None:
    """Queue a push of ``tenant``'s record to its home plane (nothing when it has none)."""
    if tenant.home_plane_id is None:
        return None
    if kind not in TENANT_KINDS:
        raise ValueError(f"unknown delivery kind {kind!r}")
    from domain.billing.entitlements import current_entitlements  # billing imports tenants; keep it lazy

    await tx.enter_tenant(tenant.id)
    snapshot = await tenant_snapshot(tx, tenant, await current_entitlements(tx, tenant))
    row = PlaneDelivery(id=uuid.uuid4(), plane_id=tenant.home_plane_id, about_tenant_id=tenant.id, kind=kind,
                        key=f"{kind}:{tenant.id}:{uuid.uuid4().hex}", payload={"tenant": snapshot})
    tx.session.add(row)
    await tx.session.flush()
    tx.enqueue(SEND_JOB)
    return row


async def policy_published(tx: Transaction, *, version: int, document: dict[str, Any], note: str,
                           published_by: str) -> list[PlaneDelivery]:
    """Queue a published policy version to every plane that is not offline."""
    planes = await tx.session.scalars(select(TenantPlane.id).where(TenantPlane.status != "offline"))
    rows = [PlaneDelivery(id=uuid.uuid4(), plane_id=plane_id, about_tenant_id=None, kind=POLICY_KIND,
                          key=f"{POLICY_KIND}:{version}:{plane_id.hex}",
                          payload={"policy": {"version": version, "document": document, "note": note,
                                              "published_by": published_by}})
            for plane_id in planes]
    tx.session.add_all(rows)
    await tx.session.flush()
    if rows:
        tx.enqueue(SEND_JOB)
    return rows


async def due_deliveries(tx: Transaction, *, limit: int = 100) -> list[PlaneDelivery]:
    """Pending rows whose time has come, oldest first; a plane whose oldest row is waiting sends nothing
    newer (pushes about one plane arrive in order)."""
    now = datetime.now(UTC)
    blocked = select(PlaneDelivery.plane_id).where(PlaneDelivery.status == "pending",
                                                   PlaneDelivery.next_attempt_at > now)
    query = (select(PlaneDelivery).where(PlaneDelivery.status == "pending", PlaneDelivery.next_attempt_at <= now,
                                         PlaneDelivery.plane_id.not_in(blocked))
             .order_by(PlaneDelivery.created_at, PlaneDelivery.id).limit(limit).with_for_update(skip_locked=True))
    return list(await tx.session.scalars(query))


async def mark_delivered(tx: Transaction, delivery_id: uuid.UUID) -> None:
    await tx.session.execute(update(PlaneDelivery).where(PlaneDelivery.id == delivery_id).values(
        status="delivered", delivered_at=func.now(), attempts=PlaneDelivery.attempts + 1, last_error=""))


async def mark_failed(tx: Transaction, delivery: PlaneDelivery, error: str) -> None:
    """Record a failed attempt: retry later with backoff, or give up after MAX_ATTEMPTS."""
    delivery.attempts += 1
    delivery.last_error = error[:500]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = datetime.now(UTC) + backoff(delivery.attempts)
    await tx.session.flush()


async def retry_failed(tx: Transaction, *, plane_id: uuid.UUID) -> int:
    """Put a plane's failed and waiting deliveries back to be sent now (after the plane is fixed)."""
    result = await tx.session.execute(update(PlaneDelivery).where(
        PlaneDelivery.plane_id == plane_id, PlaneDelivery.status != "delivered").values(
        status="pending", next_attempt_at=func.now()))
    return result.rowcount or 0


async def list_deliveries(
    tx: Transaction, *, plane_id: uuid.UUID | None = None, tenant_id: uuid.UUID | None = None,
    status: str | None = None, first: int | None = None, after: str | None = None,
) -> Page[PlaneDelivery]:
    """Deliveries newest first, by plane, tenant and status."""
    query = select(PlaneDelivery)
    if plane_id is not None:
        query = query.where(PlaneDelivery.plane_id == plane_id)
    if tenant_id is not None:
        query = query.where(PlaneDelivery.about_tenant_id == tenant_id)
    if status is not None:
        if status not in DELIVERY_STATUSES:
            from domain.errors import ValidationFailed

            raise ValidationFailed(f"Status must be one of {', '.join(DELIVERY_STATUSES)}.", field="status")
        query = query.where(PlaneDelivery.status == status)
    return await paginate(tx.session, query, order=[PlaneDelivery.created_at, PlaneDelivery.id], first=first,
                          after=after, descending=True)


async def delivery_counts(tx: Transaction) -> dict[uuid.UUID, dict[str, int]]:
    """Per plane: how many deliveries are pending and failed."""
    rows = await tx.session.execute(
        select(PlaneDelivery.plane_id, PlaneDelivery.status, func.count())
        .where(PlaneDelivery.status != "delivered").group_by(PlaneDelivery.plane_id, PlaneDelivery.status))
    counts: dict[uuid.UUID, dict[str, int]] = {}
    for plane_id, status, count in rows.all():
        counts.setdefault(plane_id, {})[status] = count
    return counts


async def planes_by_ids(tx: Transaction, ids: list[uuid.UUID]) -> list[TenantPlane | None]:
    """Loader batch: the planes with these ids, in order."""
    found = {p.id: p for p in await tx.session.scalars(select(TenantPlane).where(TenantPlane.id.in_(ids)))}
    return [found.get(i) for i in ids]
