"""Tenant use cases: provisioning (tenant, first admin, membership in one transaction)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.audit import service as audit
from domain.billing.plans import DEFAULT_PLAN, PLANS
from domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from domain.members.models import Membership
from domain.members.passwords import check_policy
from domain.members.users import create_user, normalize_email, user_by_email
from domain.planes import deliveries as plane_deliveries
from domain.planes.placement import PlacementRequest, choose_placement
from domain.policies.service import apply_latest
from domain.tenants.models import TENANT_STATUSES, Tenant
from domain.tenants.queries import tenant_by_slug

if TYPE_CHECKING:
    from domain.uow import Transaction

SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
RESERVED_SLUGS = frozenset({"admin", "api", "console", "graphql", "platform", "static", "www"})


@dataclass(frozen=True)
class ProvisionedTenant:
    """What provisioning created."""

    tenant_id: uuid.UUID
    slug: str
    admin_user_id: uuid.UUID
    admin_is_new: bool
    placement: dict = field(default_factory=lambda: {"model": "pooled"})
    home_plane_id: uuid.UUID | None = None


def validate_slug(slug: str) -> str:
    """Return the slug if it is usable in URLs and not reserved."""
    if not SLUG_PATTERN.fullmatch(slug):
        raise ValidationFailed(
            "Slug must be 2-63 lower-case letters, digits or hyphens, starting with a letter or digit.",
            field="slug",
        )
    if slug in RESERVED_SLUGS:
        raise ValidationFailed(f"Slug {slug!r} is reserved.", field="slug")
    if _looks_like_an_id(slug):
        raise ValidationFailed("Slug must not look like a tenant id (sign-in takes either).", field="slug")
    return slug


def _looks_like_an_id(slug: str) -> bool:
    try:
        uuid.UUID(slug)
    except ValueError:
        return False
    return True


def _validate_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("Name must be 1-200 characters.", field="name")
    return name


async def provision_tenant(
    tx: Transaction, *, name: str, slug: str, admin_email: str, admin_password: str | None,
    plan: str = DEFAULT_PLAN, region: str = "local", actor: str = "system",
    placement: PlacementRequest | None = None,
) -> ProvisionedTenant:
    """Create a tenant and make ``admin_email`` its owner (creating the user if new), placed on a plane by
    region, plan and capacity; a ``database`` placement also gets its own database (see domain/planes/placement)."""
    name, slug, email = _validate_name(name), validate_slug(slug), normalize_email(admin_email, field="adminEmail")
    if plan not in PLANS:
        raise ValidationFailed(f"Unknown plan {plan!r}; choose one of {', '.join(PLANS)}.", field="plan")
    if await tenant_by_slug(tx, slug) is not None:
        raise Conflict(f"A tenant with slug {slug!r} already exists.", field="slug")
    user = await user_by_email(tx, email)
    admin_is_new = user is None
    if user is None:
        if admin_password is None:
            raise ValidationFailed("A password is required for a new admin user.", field="adminPassword")
        check_policy(admin_password, field="adminPassword")
        user = await create_user(tx, email=email, password=admin_password)
    placed = await choose_placement(tx, region=region, plan=plan, request=placement)
    tenant_id = uuid.uuid4()
    tenant = Tenant(id=tenant_id, name=name, slug=slug, plan=plan, region=region,
                    placement=placed.record(tenant_id), home_plane_id=placed.plane_id)
    tx.session.add(tenant)
    await tx.session.flush()
    await tx.enter_tenant(tenant.id)
    tx.session.add(Membership(tenant_id=tenant.id, user_id=user.id, roles=["owner"]))
    await apply_latest(tx)  # a new tenant starts on the platform's current policies
    await audit.record(tx, actor=actor, action="tenant.provisioned", target_type="tenant",
                       target_id=str(tenant.id), data={"slug": slug, "plan": plan, "admin": email,
                                                       "placement": tenant.placement,
                                                       "plane": placed.plane.name if placed.plane else None})
    if placed.model == "database":
        await _create_database(tx, tenant)
    await tx.session.flush()
    await plane_deliveries.tenant_changed(tx, tenant, kind="tenant.provisioned")  # to a remote home plane
    return ProvisionedTenant(tenant.id, slug, user.id, admin_is_new=admin_is_new, placement=tenant.placement,
                             home_plane_id=tenant.home_plane_id)


async def _create_database(tx: Transaction, tenant: Tenant) -> None:
    """The tenant's own database, with its rows so far; dropped again if this transaction rolls back."""
    if tx.databases is None:
        raise ValidationFailed("This deployment cannot create tenant databases; choose the pooled placement.",
                               field="placement")
    database = tenant.placement["database"]
    tx.on_rollback(lambda: tx.databases.drop(database))
    await tx.session.flush()
    await tx.databases.create(tx, tenant_id=tenant.id, database=database)


async def _tenant_for_update(tx: Transaction, tenant_id: uuid.UUID) -> Tenant:
    tenant = await tx.session.scalar(select(Tenant).where(Tenant.id == tenant_id).with_for_update())
    if tenant is None:
        raise NotFound("No such tenant.", field="id")
    return tenant


def _check_suspension(tenant: Tenant, *, confirm_slug: str | None, from_tenant: uuid.UUID | None) -> None:
    """A tenant is never suspended from inside itself; another one only with its slug typed to confirm."""
    if from_tenant is not None and tenant.id == from_tenant:
        raise Forbidden(f"You are signed in to {tenant.slug!r}: a tenant cannot suspend itself from inside (that "
                        "would lock out everyone, you included). Sign in to another tenant as a platform "
                        "operator, or run `atlas tenant suspend` on the server.", field="id")
    if confirm_slug is None or confirm_slug.strip() != tenant.slug:
        raise ValidationFailed(f"Type the tenant's slug ({tenant.slug}) to confirm the suspension.",
                               field="confirmSlug")


async def set_tenant_status(
    tx: Transaction, *, tenant_id: uuid.UUID, status: str, reason: str = "", actor: str,
    confirm_slug: str | None = None, from_tenant: uuid.UUID | None = None,
) -> Tenant:
    """Suspend or resume a tenant. Suspension blocks its tokens and API calls on the next request; it
    needs the slug typed as ``confirm_slug`` and is refused for ``from_tenant``, the tenant the
    request comes from (on the server, ``atlas tenant suspend SLUG`` is the typed slug)."""
    if status not in TENANT_STATUSES:
        raise ValidationFailed(f"Status must be one of {', '.join(TENANT_STATUSES)}.", field="status")
    tenant = await _tenant_for_update(tx, tenant_id)
    if status == "suspended":
        _check_suspension(tenant, confirm_slug=confirm_slug, from_tenant=from_tenant)
    if tenant.status == status:
        raise Conflict(f"Tenant {tenant.slug!r} is already {status}.", field="id")
    tenant.status = status
    await tx.session.flush()
    await tx.enter_tenant(tenant.id)
    kind = "tenant.suspended" if status == "suspended" else "tenant.resumed"
    await plane_deliveries.tenant_changed(tx, tenant, kind=kind)
    await audit.record(tx, actor=actor, action=f"tenant.{'suspended' if status == 'suspended' else 'resumed'}",
                       target_type="tenant", target_id=str(tenant.id), data={"reason": reason[:500]})
    return tenant


async def revoke_tenant_tokens(tx: Transaction, *, actor: str) -> Tenant:
    """Invalidate every access token of the transaction's tenant issued until now."""
    tenant = await _tenant_for_update(tx, tx.tenant_id)
    tenant.tokens_valid_after = datetime.now(UTC)
    await tx.session.flush()
    await plane_deliveries.tenant_changed(tx, tenant, kind="tenant.tokens_revoked")
    await audit.record(tx, actor=actor, action="tenant.tokens_revoked", target_type="tenant",
                       target_id=str(tenant.id))
    return tenant
