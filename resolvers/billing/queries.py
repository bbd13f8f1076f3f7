"""The plan catalog (public: sign-up pages and the platform console show it)."""

from __future__ import annotations

import strawberry

from domain.billing.plans import PLANS
from resolvers.tenants.types import Entitlements


@strawberry.type(description="A plan: what it includes.")
class Plan:
    name: str
    entitlements: Entitlements


def resolve_plans() -> list[Plan]:
    """Every plan, cheapest first."""
    return [Plan(name=plan.name, entitlements=Entitlements(**plan.entitlements())) for plan in PLANS.values()]
