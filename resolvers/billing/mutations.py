"""Billing mutations: subscribe, change plan, cancel (tenant owners); entitlements (platform operators)."""

from __future__ import annotations

import strawberry

from domain.billing import service
from domain.billing.providers import ProviderUnavailable
from resolvers.billing.types import (
    BillingProviderError,
    BillingSubscription,
    EntitlementsSet,
    SetTenantEntitlementsInput,
    SubscriptionChanged,
)
from resolvers.errors import mutate, payload_union
from resolvers.ids import parse_id

SubscriptionPayload = payload_union("SubscriptionPayload", SubscriptionChanged, BillingProviderError)
SetTenantEntitlementsPayload = payload_union("SetTenantEntitlementsPayload", EntitlementsSet)
SPECIAL = {ProviderUnavailable: lambda e: BillingProviderError(code=e.code, message=e.message, field=e.field)}


def _changed(account) -> SubscriptionChanged:
    return SubscriptionChanged(subscription=BillingSubscription.from_model(account))


async def subscribe(info: strawberry.Info, plan: str) -> SubscriptionPayload:
    """Subscribe to a paid plan; with Razorpay, pay at the returned checkout link to activate it."""
    actor, billing = info.context.actor, info.context.runtime.billing
    return await mutate(info, lambda tx: service.subscribe(tx, config=billing, plan=plan, email=actor.email,
                                                           actor=actor.actor), _changed, special=SPECIAL)


async def change_plan(info: strawberry.Info, plan: str) -> SubscriptionPayload:
    """Move the subscription to another paid plan now."""
    billing = info.context.runtime.billing
    return await mutate(info, lambda tx: service.change_plan(tx, config=billing, plan=plan,
                                                             actor=info.context.actor.actor), _changed, special=SPECIAL)


async def cancel_subscription(info: strawberry.Info) -> SubscriptionPayload:
    """Cancel at the end of the paid period (the plan stays until then)."""
    billing = info.context.runtime.billing
    return await mutate(info, lambda tx: service.cancel(tx, config=billing, actor=info.context.actor.actor),
                        _changed, special=SPECIAL)


async def set_tenant_entitlements(info: strawberry.Info, input: SetTenantEntitlementsInput) -> \
        SetTenantEntitlementsPayload:
    """Set a tenant's contract plan and overrides; its open sessions pick them up on the next request."""
    limits = input.limits if isinstance(input.limits, dict) else {"": -1}
    return await mutate(info, lambda tx: service.set_entitlements(
        tx, tenant_id=parse_id(input.tenant_id, field="tenantId"), plan=input.plan,
        features=list(input.features), limits=limits, actor=info.context.actor.actor),
        lambda version: EntitlementsSet(tenant_id=input.tenant_id, version=version), platform=True)
