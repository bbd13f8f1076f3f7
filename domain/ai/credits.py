"""Credits: reserve the worst case before a call, settle to the actual usage after (or release on failure).

The balance lives in one row per tenant (``ai_credit_accounts``) and only changes by a conditional update
that appends its ledger entry in the same statement, so concurrent calls can never overspend and the
balance always equals the ledger's sum. Entries are unique per (request, kind): a retried settle or a
second grant of one period changes nothing.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from domain.ai.types import ModelSpec
from domain.uow import fetch_sql, outage_as_unavailable

if TYPE_CHECKING:
    from domain.uow import Transaction, UnitOfWork

CALENDAR_PERIOD = re.compile(r"^\d{4}-\d{2}$")

RESERVE = "SELECT ai_reserve_credits($1, $2, $3) AS balance_after"  # migration 0015: update + ledger entry
SETTLE = "SELECT ai_settle_call($1, $2, $3, $4, $5::jsonb) AS balance"  # give back once, and audit the call


def worst_case(model: ModelSpec, *, input_tokens: int, max_tokens: int) -> int:
    """Credits a call may cost at most: its input and ``max_tokens`` of output at the model's prices."""
    return cost(model, input_tokens=input_tokens, output_tokens=max_tokens)


def cost(model: ModelSpec, *, input_tokens: int, output_tokens: int) -> int:
    """Credits for this usage, rounded up."""
    milli = input_tokens * model.credits_per_1k_input + output_tokens * model.credits_per_1k_output
    return math.ceil(milli / 1000)


def calendar_period(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m")


async def one_statement(db: UnitOfWork, sql: str, *arguments) -> list:
    """Run one statement in its own (implicit) transaction on a pooled connection: a single round trip.

    Only for the functions above, which bind the tenant themselves, transaction-locally, before they touch
    a row, so row-level security applies as in :meth:`UnitOfWork.transaction`.
    """
    sessions = await db.sessions_for(arguments[0])  # the tenant, first argument of each (its own database, if any)
    async with outage_as_unavailable(), sessions() as session:
        connection = await session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        return await driver.fetch(sql, *arguments)


async def reserve_now(db: UnitOfWork, *, tenant_id: uuid.UUID, request_key: str, credits: int) -> int | None:
    """Take ``credits`` off the tenant's balance for this request; the balance left, or None if it cannot."""
    rows = await one_statement(db, RESERVE, tenant_id, request_key, credits)
    return rows[0]["balance_after"]


async def reserve(tx: Transaction, *, request_key: str, credits: int) -> int | None:
    """Like :func:`reserve_now`, inside an open transaction of the tenant."""
    rows = await fetch_sql(tx.session, RESERVE, tx.tenant_id, request_key, credits)
    return rows[0]["balance_after"]


async def grant_period(tx: Transaction, *, period_key: str, credits: int) -> bool:
    """Start period ``period_key`` with ``credits`` (the rest of the last period expires); once per period."""
    session, tenant, key = tx.session, tx.tenant_id, f"period:{period_key}"
    await fetch_sql(session, "INSERT INTO ai_credit_accounts (tenant_id, balance, period_key) VALUES ($1, 0, '') "
                             "ON CONFLICT (tenant_id) DO NOTHING", tenant)
    balance = (await fetch_sql(session, "SELECT balance FROM ai_credit_accounts WHERE tenant_id = $1 FOR UPDATE",
                               tenant))[0]["balance"]
    expired = await fetch_sql(session, "INSERT INTO ai_credit_ledger (tenant_id, request_key, kind, amount, "
                                       "balance_after) VALUES ($1, $2, 'expire', $3, 0) "
                                       "ON CONFLICT (tenant_id, request_key, kind) DO NOTHING RETURNING seq",
                              tenant, key, -balance)
    if not expired:
        return False
    await fetch_sql(session, "INSERT INTO ai_credit_ledger (tenant_id, request_key, kind, amount, balance_after) "
                             "VALUES ($1, $2, 'grant', $3, $3)", tenant, key, credits)
    await fetch_sql(session, "UPDATE ai_credit_accounts SET balance = $2, period_key = $3, updated_at = now() "
                             "WHERE tenant_id = $1", tenant, credits, period_key)
    return True


async def account_period(tx: Transaction) -> str | None:
    rows = await fetch_sql(tx.session, "SELECT period_key FROM ai_credit_accounts WHERE tenant_id = $1",
                           tx.tenant_id)
    return rows[0]["period_key"] if rows else None


async def plan_credits(tx: Transaction) -> int:
    """``ai_credits_per_month`` of the entitlements in force (contract plan, subscription and overrides)."""
    from domain.billing.entitlements import current_entitlements
    from domain.tenants.models import Tenant

    tenant = await tx.session.get(Tenant, tx.tenant_id)
    return int((await current_entitlements(tx, tenant))["limits"].get("ai_credits_per_month", 0))


async def ensure_current_period(tx: Transaction, *, now: datetime | None = None) -> bool:
    """Grant the calendar month lazily when the tenant has no account yet, or its last grant was a calendar
    month that has ended (periods billing grants by its own keys are left to billing)."""
    period = await account_period(tx)
    current = calendar_period(now)
    if period is not None and (period == current or not CALENDAR_PERIOD.match(period)):
        return False
    return await grant_period(tx, period_key=current, credits=await plan_credits(tx))


def new_request_key() -> str:
    return uuid.uuid4().hex
