"""GraphQL types of billing: the subscription, usage against limits, invoices and payments seen."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from domain.billing.models import BillingAccount, BillingEvent
from domain.billing.providers import Invoice as InvoiceRecord
from domain.billing.queries import BillingOverview
from resolvers.errors import Error
from resolvers.tenants.types import Entitlements


@strawberry.type(description="The tenant's subscription as the billing provider last reported it.")
class BillingSubscription:
    provider: str
    plan: str | None = strawberry.field(description="The plan subscribed to.")
    status: str = strawberry.field(description="none, created, authenticated, active, pending, halted, paused, "
                                               "cancelled, completed or expired (Razorpay's states).")
    checkout_url: str | None = strawberry.field(description="The hosted checkout / authentication link.")
    current_start: datetime | None
    current_end: datetime | None
    grace_until: datetime | None = strawberry.field(description="Halted: access to the plan ends then.")
    plan_in_force: str = strawberry.field(description="The plan whose entitlements apply now.")

    @classmethod
    def from_model(cls, account: BillingAccount) -> BillingSubscription:
        return cls(provider=account.provider, plan=account.plan, status=account.status,
                   checkout_url=account.checkout_url, current_start=account.current_start,
                   current_end=account.current_end, grace_until=account.grace_until,
                   plan_in_force=account.effective_plan)


@strawberry.type(description="A limit of the plan and how much of it is in use (null: measured elsewhere).")
class LimitUsage:
    name: str
    limit: int
    used: int | None


@strawberry.type(description="A provider event received for the tenant (payments seen, state changes).")
class BillingEventSeen:
    event_id: str
    event: str
    occurred_at: datetime
    outcome: str = strawberry.field(description="applied, stale (older than the last applied), recorded or unknown.")
    payment_id: str | None
    amount: int | None = strawberry.field(description="In the currency's smallest unit (paise).")
    currency: str | None
    payment_status: str | None

    @classmethod
    def from_model(cls, event: BillingEvent) -> BillingEventSeen:
        payment = event.payment or {}
        return cls(event_id=event.event_id, event=event.event, outcome=event.outcome,
                   occurred_at=datetime.fromtimestamp(event.occurred_at, UTC), payment_id=payment.get("id"),
                   amount=payment.get("amount"), currency=payment.get("currency"),
                   payment_status=payment.get("status"))


@strawberry.type(description="An invoice the billing provider issued.")
class Invoice:
    id: str
    status: str
    amount: int
    currency: str
    issued_at: datetime | None
    payment_id: str | None

    @classmethod
    def from_record(cls, invoice: InvoiceRecord) -> Invoice:
        return cls(id=invoice.id, status=invoice.status, amount=invoice.amount, currency=invoice.currency,
                   issued_at=invoice.issued_at, payment_id=invoice.payment_id)


@strawberry.type(description="The tenant's billing: entitlements in force, subscription, usage, events seen.")
class Billing:
    entitlements: Entitlements
    subscription: BillingSubscription | None
    usage: list[LimitUsage]
    events: list[BillingEventSeen]

    @classmethod
    def from_overview(cls, overview: BillingOverview) -> Billing:
        return cls(entitlements=Entitlements(**overview.entitlements),
                   subscription=BillingSubscription.from_model(overview.account) if overview.account else None,
                   usage=[LimitUsage(name=u.name, limit=u.limit, used=u.used) for u in overview.usage],
                   events=[BillingEventSeen.from_model(e) for e in overview.events])


@strawberry.type(description="The subscription after the change.")
class SubscriptionChanged:
    subscription: BillingSubscription


@strawberry.type(description="A tenant's contract plan and overrides were set.")
class EntitlementsSet:
    tenant_id: strawberry.ID
    version: int = strawberry.field(description="The tenant's new entitlement version.")


@strawberry.type(description="The billing provider did not answer or refused; nothing changed.")
class BillingProviderError(Error):
    pass


@strawberry.input(description="A tenant's contract plan and per-tenant additions (platform operators).")
class SetTenantEntitlementsInput:
    tenant_id: strawberry.ID
    plan: str
    features: list[str] = strawberry.field(default_factory=list)
    limits: strawberry.scalars.JSON = strawberry.field(default_factory=dict,
                                                       description='e.g. {"users": 25, "api_keys": 10}')
