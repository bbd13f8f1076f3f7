"""Provider events (Razorpay webhooks): each applied once, in any order, the state taken from the entity.

An event is recorded under its id (a unique key: a redelivery finds it and changes nothing). The
subscription's state comes from the subscription entity in the event, never from the event's name,
and an event older than the last one applied to that subscription is recorded but not applied, so
a late ``activated`` after a ``halted`` leaves the subscription halted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from domain.billing.credits import renew_credits
from domain.billing.entitlements import reevaluate
from domain.billing.models import SUBSCRIPTION_STATUSES, BillingAccount, BillingEvent
from domain.errors import ValidationFailed

if TYPE_CHECKING:
    from domain.billing.providers import BillingConfig
    from domain.uow import Transaction

HANDLED = frozenset({
    "subscription.authenticated", "subscription.activated", "subscription.charged", "subscription.pending",
    "subscription.halted", "subscription.paused", "subscription.resumed", "subscription.cancelled",
    "subscription.completed", "subscription.updated", "payment.failed",
})
ACTOR = "razorpay"


@dataclass(frozen=True)
class ProviderEvent:
    """One webhook delivery, parsed."""

    event_id: str
    event: str
    created_at: int
    subscription: dict[str, Any] | None
    payment: dict[str, Any] | None

    @property
    def tenant_id(self) -> uuid.UUID | None:
        """The tenant named in the entity's notes (set when the subscription was created)."""
        for entity in (self.subscription, self.payment):
            notes = (entity or {}).get("notes")
            raw = notes.get("tenant_id") if isinstance(notes, dict) else None
            if raw:
                try:
                    return uuid.UUID(str(raw))
                except ValueError:
                    return None
        return None


def _entity(payload: dict, name: str) -> dict[str, Any] | None:
    entity = (payload.get(name) or {}).get("entity") if isinstance(payload.get(name), dict) else None
    return entity if isinstance(entity, dict) else None


def parse_event(body: Any, *, event_id: str) -> ProviderEvent:
    """A webhook body as an event; ValidationFailed if it is not shaped like one."""
    if not isinstance(body, dict) or not isinstance(body.get("event"), str):
        raise ValidationFailed("The body must be a JSON object with an 'event'.", field="event")
    created_at = body.get("created_at")
    if not isinstance(created_at, int) or isinstance(created_at, bool):
        raise ValidationFailed("The body must carry 'created_at' (epoch seconds).", field="created_at")
    payload = body.get("payload") if isinstance(body.get("payload"), dict) else {}
    if not event_id or len(event_id) > 100:
        raise ValidationFailed("x-razorpay-event-id must be 1-100 characters.", field="x-razorpay-event-id")
    return ProviderEvent(event_id=event_id, event=body["event"], created_at=created_at,
                         subscription=_entity(payload, "subscription"), payment=_entity(payload, "payment"))


def _moment(epoch: Any) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if isinstance(epoch, int) and epoch > 0 else None


def _payment_seen(event: ProviderEvent) -> dict[str, Any]:
    payment = event.payment or {}
    keys = ("id", "amount", "currency", "status", "invoice_id", "method", "error_description")
    return {key: payment[key] for key in keys if key in payment}


async def _record(tx: Transaction, event: ProviderEvent, outcome: str) -> bool:
    """Record the event under its id; False if it was recorded before (a redelivery)."""
    inserted = await tx.session.scalar(insert(BillingEvent).values(
        id=uuid.uuid4(), tenant_id=tx.tenant_id, event_id=event.event_id, event=event.event,
        occurred_at=event.created_at, outcome=outcome, payment=_payment_seen(event),
    ).on_conflict_do_nothing(index_elements=["event_id"]).returning(BillingEvent.id))
    return inserted is not None


def _apply_entity(account: BillingAccount, event: ProviderEvent, config: BillingConfig) -> None:
    entity = event.subscription or {}
    status = entity.get("status")
    if status in SUBSCRIPTION_STATUSES:
        if status == "halted" and account.status != "halted":
            account.grace_until = _moment(event.created_at) + timedelta(days=config.grace_days)
        elif status != "halted":
            account.grace_until = None
        account.status = status
    account.plan = config.plan_named_by(entity.get("plan_id")) or account.plan
    account.current_start = _moment(entity.get("current_start")) or account.current_start
    account.current_end = _moment(entity.get("current_end")) or account.current_end
    account.last_event_at = event.created_at


async def apply_event(tx: Transaction, *, event: ProviderEvent, config: BillingConfig) -> str:
    """Apply one event to the transaction tenant's subscription: applied, stale, duplicate or unknown."""
    sub_id = (event.subscription or {}).get("id") or (event.payment or {}).get("subscription_id")
    account = await tx.session.scalar(select(BillingAccount).where(
        BillingAccount.tenant_id == tx.tenant_id, BillingAccount.provider_subscription_id == sub_id).with_for_update())
    if account is None:
        return "unknown" if await _record(tx, event, "unknown") else "duplicate"
    if event.subscription is None:  # a payment: recorded (payments seen), the state follows its subscription event
        return "recorded" if await _record(tx, event, "recorded") else "duplicate"
    stale = event.created_at < account.last_event_at
    if not await _record(tx, event, "stale" if stale else "applied"):
        return "duplicate"
    if stale:
        return "stale"
    _apply_entity(account, event, config)
    await tx.session.flush()
    await reevaluate(tx, actor=ACTOR, reason=event.event)
    if event.event == "subscription.charged":
        await renew_credits(tx, account=account)
    return "applied"
