"""Policy mutations: publish and roll back (platform operators); tighten (tenant admins)."""

from __future__ import annotations

import strawberry

from domain.policies import service
from resolvers.errors import mutate, payload_union
from resolvers.policies.types import PoliciesTightened, PolicyPublished, PolicyVersion, TenantPolicies

PolicyPublishedPayload = payload_union("PolicyPublishedPayload", PolicyPublished)
TightenPoliciesPayload = payload_union("TightenPoliciesPayload", PoliciesTightened)


def _published(row) -> PolicyPublished:
    return PolicyPublished(policy=PolicyVersion.from_model(row))


async def publish_policy(info: strawberry.Info, document: strawberry.scalars.JSON, note: str = "") -> \
        PolicyPublishedPayload:
    """Publish a new platform policy version; every tenant runs it once the job has applied it."""
    return await mutate(info, lambda tx: service.publish_policy(tx, document=document, note=note,
                                                                actor=info.context.actor.actor),
                        _published, platform=True)


async def rollback_policy(info: strawberry.Info, version: int, note: str = "") -> PolicyPublishedPayload:
    """Publish an older version's document again, as a new version."""
    return await mutate(info, lambda tx: service.rollback_policy(tx, to_version=version, note=note,
                                                                 actor=info.context.actor.actor),
                        _published, platform=True)


async def tighten_policies(info: strawberry.Info, tightening: strawberry.scalars.JSON) -> TightenPoliciesPayload:
    """Set the tenant's own stricter values; a value looser than the platform's is refused."""
    async def change(tx):
        await service.tighten_policies(tx, tightening=tightening, actor=info.context.actor.actor)
        return PoliciesTightened(policies=TenantPolicies.from_record(await service.tenant_policies(tx)))

    return await mutate(info, change)
