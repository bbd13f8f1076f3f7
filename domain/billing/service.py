"""Billing use cases: subscribe, change plan, cancel (through the provider), and platform overrides."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from domain.audit import service as audit
from domain.billing.entitlements import (
    GRANTING,
    account_of,
    bump_entitlements,
    effective_plan,
    locked_tenant,
    reevaluate,
)
from domain.billing.models import SUBSCRIPTION_STATUSES, BillingAccount
from domain.billing.plans import ALL_FEATURES, ALL_LIMITS, PLANS
from domain.billing.providers import BillingConfig, Invoice
from domain.clock import now as clock_now
from domain.errors import Conflict, ValidationFailed

if TYPE_CHECKING:
    from domain.uow import Transaction

LIVE = GRANTING | {"created", "halted"}  # a subscription that still exists at the provider and may charge


def _paid_plan(config: BillingConfig, plan: str) -> str:
    if plan not in PLANS:
        raise ValidationFailed(f"Unknown plan {plan!r}; choose one of {', '.join(PLANS)}.", field="plan")
    if plan not in config.plan_ids:
        raise ValidationFailed(f"Plan {plan!r} cannot be subscribed to online; choose one of "
                               f"{', '.join(sorted(config.plan_ids)) or 'none'}.", field="plan")
    return plan


def _moment(epoch: Any) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if isinstance(epoch, int) and epoch > 0 else None


def _take_entity(account: BillingAccount, entity: dict[str, Any], config: BillingConfig) -> None:
    status = entity.get("status")
    account.status = status if status in SUBSCRIPTION_STATUSES else account.status
    account.provider_subscription_id = str(entity.get("id") or account.provider_subscription_id)
    account.plan = config.plan_named_by(entity.get("plan_id")) or account.plan
    account.checkout_url = entity.get("short_url") or account.checkout_url
    account.current_start = _moment(entity.get("current_start")) or account.current_start
    account.current_end = _moment(entity.get("current_end")) or account.current_end


async def ensure_account(tx: Transaction) -> BillingAccount:
    """The transaction tenant's billing account, created (without a subscription) on first use."""
    account = await account_of(tx)
    if account is None:
        tenant = await locked_tenant(tx)
        account = BillingAccount(tenant_id=tx.tenant_id, status="none", provider="local", effective_plan=tenant.plan)
        tx.session.add(account)
        await tx.session.flush()
    return account


async def subscribe(tx: Transaction, *, config: BillingConfig, plan: str, email: str | None,
                    actor: str) -> BillingAccount:
    """Start a subscription to ``plan``; Razorpay's is granted once its checkout is paid (a webhook)."""
    plan = _paid_plan(config, plan)
    account = await ensure_account(tx)
    if account.status in LIVE:
        raise Conflict(f"The tenant already has a {account.status} subscription; change its plan instead.",
                       field="plan")
    entity = await config.provider.create_subscription(plan_id=config.plan_ids[plan], tenant_id=tx.tenant_id,
                                                       email=email)
    account.provider, account.plan, account.checkout_url, account.last_event_at = config.provider.name, plan, None, 0
    _take_entity(account, entity, config)
    await audit.record(tx, actor=actor, action="billing.subscribed", target_type="subscription",
                       target_id=account.provider_subscription_id, data={"plan": plan, "status": account.status})
    await reevaluate(tx, actor=actor, reason="subscribed")
    return account


async def change_plan(tx: Transaction, *, config: BillingConfig, plan: str, actor: str) -> BillingAccount:
    """Move the live subscription to ``plan`` now."""
    plan = _paid_plan(config, plan)
    account = await _live_account(tx)
    if account.plan == plan:
        raise Conflict(f"The subscription is already on {plan!r}.", field="plan")
    entity = await config.provider.change_plan(subscription_id=account.provider_subscription_id,
                                               plan_id=config.plan_ids[plan])
    previous = account.plan
    _take_entity(account, entity, config)
    account.plan = plan
    await audit.record(tx, actor=actor, action="billing.plan_changed", target_type="subscription",
                       target_id=account.provider_subscription_id, data={"from": previous, "to": plan})
    await reevaluate(tx, actor=actor, reason="plan changed")
    return account


async def cancel(tx: Transaction, *, config: BillingConfig, actor: str) -> BillingAccount:
    """Cancel the live subscription at the end of its paid period (access stays until then)."""
    account = await _live_account(tx)
    entity = await config.provider.cancel(subscription_id=account.provider_subscription_id, at_period_end=True)
    _take_entity(account, entity, config)
    account.status = "cancelled" if entity.get("status") in (None, "active") else account.status
    await audit.record(tx, actor=actor, action="billing.cancelled", target_type="subscription",
                       target_id=account.provider_subscription_id, data={"until": str(account.current_end)})
    await reevaluate(tx, actor=actor, reason="cancelled")
    return account


async def _live_account(tx: Transaction) -> BillingAccount:
    account = await account_of(tx)
    if account is None or account.status not in LIVE or not account.provider_subscription_id:
        raise Conflict("The tenant has no live subscription.", field="plan")
    return account


async def invoices(tx: Transaction, *, config: BillingConfig) -> list[Invoice]:
    """The provider's invoices for the tenant's subscription (none without one)."""
    account = await account_of(tx)
    if account is None or not account.provider_subscription_id or account.provider != config.provider.name:
        return []
    return await config.provider.invoices(subscription_id=account.provider_subscription_id)


def _checked_overrides(features: list[str], limits: dict[str, int]) -> dict[str, Any]:
    unknown = sorted(set(features) - ALL_FEATURES)
    if unknown:
        raise ValidationFailed(f"Unknown features: {', '.join(unknown)}.", field="features")
    bad = sorted(name for name, value in limits.items()
                 if name not in ALL_LIMITS or not isinstance(value, int) or value < 0)
    if bad:
        raise ValidationFailed(f"Unknown limits or negative values: {', '.join(bad)}.", field="limits")
    return {"features": sorted(set(features)), "limits": dict(sorted(limits.items()))}


async def set_entitlements(tx: Transaction, *, tenant_id: uuid.UUID, plan: str, features: list[str],
                           limits: dict[str, int], actor: str) -> int:
    """Platform operators: set a tenant's contract plan and overrides; returns the new entitlement version."""
    if plan not in PLANS:
        raise ValidationFailed(f"Unknown plan {plan!r}; choose one of {', '.join(PLANS)}.", field="plan")
    overrides = _checked_overrides(features, limits)
    await tx.enter_tenant(tenant_id)
    tenant = await locked_tenant(tx)
    if tenant.plan == plan and tenant.plan_overrides == overrides:
        raise Conflict("Nothing to change: the tenant already has this plan and these overrides.", field="plan")
    tenant.plan, tenant.plan_overrides = plan, overrides
    account = await account_of(tx)
    if account is not None:
        account.effective_plan = effective_plan(base_plan=plan, account=account, now=clock_now())
    return await bump_entitlements(tx, tenant, actor=actor, reason="contract changed")
