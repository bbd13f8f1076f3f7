"""Billing reads: the public plan catalog, the tenant's billing overview and its provider invoices."""

from __future__ import annotations

import strawberry

from domain.billing import service
from domain.billing.plans import PLANS
from domain.billing.queries import billing_overview
from resolvers.billing.types import Billing, Invoice
from resolvers.tenants.types import Entitlements


@strawberry.type(description="A plan: what it includes.")
class Plan:
    name: str
    entitlements: Entitlements


def resolve_plans() -> list[Plan]:
    """Every plan, cheapest first."""
    return [Plan(name=plan.name, entitlements=Entitlements(**plan.entitlements())) for plan in PLANS.values()]


async def resolve_billing(info: strawberry.Info) -> Billing:
    """The tenant's entitlements in force, subscription, usage against limits and events seen."""
    async with info.context.transaction() as tx:
        return Billing.from_overview(await billing_overview(tx))


async def resolve_invoices(info: strawberry.Info) -> list[Invoice]:
    """The billing provider's invoices for the tenant's subscription."""
    async with info.context.transaction() as tx:
        return [Invoice.from_record(i) for i in await service.invoices(tx, config=info.context.runtime.billing)]
