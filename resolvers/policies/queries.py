"""Policy reads: the tenant's policies, and every published version (platform operators)."""

from __future__ import annotations

import strawberry

from domain.policies.service import list_versions, tenant_policies
from resolvers.policies.types import PolicyVersion, TenantPolicies


async def resolve_policies(info: strawberry.Info) -> TenantPolicies:
    """The policies the caller's tenant runs."""
    async with info.context.transaction() as tx:
        return TenantPolicies.from_record(await tenant_policies(tx))


async def resolve_policy_versions(info: strawberry.Info) -> list[PolicyVersion]:
    """Every published version, newest first."""
    async with info.context.platform_transaction() as tx:
        return [PolicyVersion.from_model(row) for row in await list_versions(tx)]
