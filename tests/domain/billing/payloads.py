"""Webhook bodies in the shapes of Razorpay's documentation (subscription and payment events)."""

import hashlib
import hmac
import json

PERIOD = 30 * 86400


def subscription_entity(sub_id: str, *, status: str, tenant_id, plan_id: str = "plan_local_pro",
                        current_start: int = 1_764_900_000) -> dict:
    """A subscription entity as Razorpay sends it (documented fields, our notes)."""
    return {
        "id": sub_id, "entity": "subscription", "plan_id": plan_id, "customer_id": "cust_NB1q7Ukc5rC9cq",
        "status": status, "current_start": current_start, "current_end": current_start + PERIOD,
        "ended_at": None, "quantity": 1, "notes": {"tenant_id": str(tenant_id)}, "charge_at": current_start + PERIOD,
        "start_at": current_start, "end_at": current_start + 120 * PERIOD, "auth_attempts": 0,
        "total_count": 120, "paid_count": 1, "customer_notify": True, "created_at": current_start - 10,
        "expire_by": None, "short_url": None, "has_scheduled_changes": False, "change_scheduled_at": None,
        "source": "api", "payment_method": "card", "offer_id": None, "remaining_count": 119,
    }


def payment_entity(payment_id: str, *, tenant_id, status: str = "captured") -> dict:
    return {
        "id": payment_id, "entity": "payment", "amount": 499900, "currency": "INR", "status": status,
        "order_id": "order_NB1qKx7Ukc5r", "invoice_id": "inv_NB1qKx7Ukc5r", "international": False,
        "method": "card", "amount_refunded": 0, "captured": status == "captured", "description": "Pro plan",
        "email": "billing@example.com", "contact": "+919999999999", "notes": {"tenant_id": str(tenant_id)},
        "error_code": "BAD_REQUEST_ERROR" if status == "failed" else None,
        "error_description": "Payment failed" if status == "failed" else None, "created_at": 1_764_900_000,
    }


def event_body(event: str, *, created_at: int, subscription: dict | None = None, payment: dict | None = None) -> dict:
    payload, contains = {}, []
    if subscription is not None:
        payload["subscription"], contains = {"entity": subscription}, [*contains, "subscription"]
    if payment is not None:
        payload["payment"], contains = {"entity": payment}, [*contains, "payment"]
    return {"entity": "event", "account_id": "acc_BFQ7uQEaa7j2z7", "event": event, "contains": contains,
            "payload": payload, "created_at": created_at}


def signed(body: dict, secret: str) -> tuple[bytes, str]:
    """The raw body Razorpay would POST and its X-Razorpay-Signature."""
    raw = json.dumps(body, separators=(",", ":")).encode()
    return raw, hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
