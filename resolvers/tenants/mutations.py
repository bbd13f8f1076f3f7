"""Tenant mutations: provisioning, suspension (platform operators) and token revocation."""

from __future__ import annotations

import strawberry

from domain.planes.deliveries import push_to_home_plane
from domain.tenants import service as tenants
from domain.tenants.queries import tenant_by_id
from resolvers.errors import mutate, payload_union
from resolvers.ids import parse_id
from resolvers.tenants.types import CreateTenantInput, Tenant, TenantChanged, TenantProvisioned

CreateTenantPayload = payload_union("CreateTenantPayload", TenantProvisioned)
TenantChangePayload = payload_union("TenantChangePayload", TenantChanged)


async def create_tenant(info: strawberry.Info, input: CreateTenantInput) -> CreateTenantPayload:
    """Provision a tenant with its first admin in one transaction."""
    return await mutate(info, lambda tx: _provision(tx, info, input), platform=True)


async def _provision(tx, info: strawberry.Info, input: CreateTenantInput) -> TenantProvisioned:
    made = await tenants.provision_tenant(
        tx, name=input.name, slug=input.slug, admin_email=input.admin_email, admin_password=input.admin_password,
        plan=input.plan, region=input.region, actor=info.context.actor.actor)
    await push_to_home_plane(tx, made.tenant_id)
    return TenantProvisioned(tenant=Tenant.from_model(await tenant_by_id(tx, made.tenant_id)),
                             admin_is_new=made.admin_is_new, admin_user_id=strawberry.ID(str(made.admin_user_id)))


async def _set_status(info: strawberry.Info, tenant_id: strawberry.ID, status: str, reason: str,
                      confirm_slug: str | None = None) -> TenantChangePayload:
    return await mutate(info, lambda tx: tenants.set_tenant_status(
        tx, tenant_id=parse_id(tenant_id), status=status, reason=reason, actor=info.context.actor.actor,
        confirm_slug=confirm_slug, from_tenant=info.context.actor.tenant_id), _changed, platform=True)


def _changed(tenant) -> TenantChanged:
    return TenantChanged(tenant=Tenant.from_model(tenant))


async def suspend_tenant(info: strawberry.Info, id: strawberry.ID, confirm_slug: str,
                         reason: str = "") -> TenantChangePayload:
    """Suspend another tenant (never the one you are signed in to): its tokens and API calls are refused
    from the next request. ``confirmSlug`` must repeat its slug."""
    return await _set_status(info, id, "suspended", reason, confirm_slug)


async def resume_tenant(info: strawberry.Info, id: strawberry.ID, reason: str = "") -> TenantChangePayload:
    """Lift a suspension."""
    return await _set_status(info, id, "active", reason)


async def revoke_tenant_tokens(info: strawberry.Info) -> TenantChangePayload:
    """Invalidate every access token of the caller's tenant issued until now (all sign in again)."""
    return await mutate(info, lambda tx: tenants.revoke_tenant_tokens(tx, actor=info.context.actor.actor), _changed)
