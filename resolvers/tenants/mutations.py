"""Tenant mutations: provisioning, suspension (platform operators) and token revocation."""

from __future__ import annotations

import strawberry

from domain.tenants import service as tenants
from domain.tenants.models import Tenant as TenantModel
from resolvers.errors import payload_union, run_mutation
from resolvers.ids import parse_id
from resolvers.tenants.types import CreateTenantInput, Tenant, TenantChanged, TenantProvisioned

CreateTenantPayload = payload_union("CreateTenantPayload", TenantProvisioned)
TenantChangePayload = payload_union("TenantChangePayload", TenantChanged)


async def create_tenant(info: strawberry.Info, input: CreateTenantInput) -> CreateTenantPayload:
    """Provision a tenant with its first admin in one transaction."""

    async def work() -> TenantProvisioned:
        async with info.context.platform_transaction() as tx:
            made = await tenants.provision_tenant(
                tx, name=input.name, slug=input.slug, admin_email=input.admin_email,
                admin_password=input.admin_password, plan=input.plan, region=input.region,
                actor=info.context.actor.actor,
            )
            tenant = await tx.session.get(TenantModel, made.tenant_id)
            return TenantProvisioned(tenant=Tenant.from_model(tenant), admin_is_new=made.admin_is_new,
                                     admin_user_id=strawberry.ID(str(made.admin_user_id)))

    return await run_mutation(work)


async def _set_status(info: strawberry.Info, tenant_id: strawberry.ID, status: str, reason: str,
                      confirm_slug: str | None = None) -> TenantChangePayload:
    async def work() -> TenantChanged:
        async with info.context.platform_transaction() as tx:
            tenant = await tenants.set_tenant_status(
                tx, tenant_id=parse_id(tenant_id), status=status, reason=reason, actor=info.context.actor.actor,
                confirm_slug=confirm_slug, from_tenant=info.context.actor.tenant_id)
            return TenantChanged(tenant=Tenant.from_model(tenant))

    return await run_mutation(work)


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

    async def work() -> TenantChanged:
        async with info.context.transaction() as tx:
            tenant = await tenants.revoke_tenant_tokens(tx, actor=info.context.actor.actor)
            return TenantChanged(tenant=Tenant.from_model(tenant))

    return await run_mutation(work)
