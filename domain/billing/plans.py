"""The plan matrix: features and limits per plan. Billing makes a tenant's plan change over time;
the matrix itself lives in code so ``@entitled`` guards and limits work everywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

ENTITLEMENTS_VERSION = 1


@dataclass(frozen=True)
class Plan:
    """A plan: the features it enables and its numeric limits."""

    name: str
    features: frozenset[str]
    limits: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def entitlements(self) -> dict[str, Any]:
        """The ``ent`` claim carried in access tokens."""
        return {
            "plan": self.name,
            "features": sorted(self.features),
            "limits": dict(self.limits),
            "version": ENTITLEMENTS_VERSION,
        }


_CORE = frozenset({"incidents", "ingest", "alerting", "cmdb", "console", "knowledge"})
_PRO = _CORE | {"ai", "changes", "sla", "catalog", "ai.rca", "ai.copilot", "automation", "api_keys", "custom_roles"}
_ENTERPRISE = _PRO | {"ai.remediation", "ai.runbooks", "sso", "dedicated_placement", "audit_export"}

PLANS: dict[str, Plan] = {
    "free": Plan("free", _CORE, MappingProxyType({
        "users": 5, "ingest_events_per_minute": 6_000, "retention_days": 7, "ai_credits_per_month": 0,
        "api_keys": 5, "agents": 5,
    })),
    "pro": Plan("pro", _PRO, MappingProxyType({
        "users": 100, "ingest_events_per_minute": 120_000, "retention_days": 30, "ai_credits_per_month": 5_000,
        "api_keys": 50, "agents": 100,
    })),
    "enterprise": Plan("enterprise", _ENTERPRISE, MappingProxyType({
        "users": 10_000, "ingest_events_per_minute": 1_200_000, "retention_days": 400,
        "ai_credits_per_month": 100_000, "api_keys": 1_000, "agents": 10_000,
    })),
}
DEFAULT_PLAN = "free"


def plan_named(name: str) -> Plan | None:
    """The plan called ``name``, or None."""
    return PLANS.get(name)


ALL_FEATURES = frozenset().union(*(plan.features for plan in PLANS.values()))
ALL_LIMITS = frozenset().union(*(plan.limits for plan in PLANS.values()))


def entitlements_for(plan_name: str, *, overrides: dict[str, Any] | None = None,
                     version: int = ENTITLEMENTS_VERSION) -> dict[str, Any]:
    """The ``ent`` claim for a plan plus per-tenant ``overrides`` (unknown plans fall back to the default)."""
    claim = (PLANS.get(plan_name) or PLANS[DEFAULT_PLAN]).entitlements()
    overrides = overrides or {}
    claim["features"] = sorted(set(claim["features"]) | set(overrides.get("features", ())))
    claim["limits"] = {**claim["limits"], **overrides.get("limits", {})}
    claim["version"] = version
    return claim
