"""The read side of AI usage: balance, ledger and call audit of the transaction's tenant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from domain.ai.models import AiCall, CreditAccount, CreditEntry
from domain.pagination import Page, paginate

if TYPE_CHECKING:
    from domain.uow import Transaction


@dataclass(frozen=True)
class Usage:
    """The tenant's balance, its period and the ledger's sum (they are always equal)."""

    balance: int
    period_key: str | None
    ledger_sum: int
    spent_this_period: int


async def usage(tx: Transaction) -> Usage:
    """The tenant's credit balance and what the ledger says of it."""
    account = await tx.session.get(CreditAccount, tx.tenant_id)
    ledger_sum = await tx.session.scalar(select(func.coalesce(func.sum(CreditEntry.amount), 0))
                                         .where(CreditEntry.tenant_id == tx.tenant_id))
    spent = 0
    if account is not None:
        spent = await tx.session.scalar(select(func.coalesce(func.sum(AiCall.credits), 0)).where(
            AiCall.tenant_id == tx.tenant_id, AiCall.started_at >= _period_start(tx, account)))
    return Usage(balance=account.balance if account else 0, period_key=account.period_key if account else None,
                 ledger_sum=int(ledger_sum), spent_this_period=int(spent))


def _period_start(tx: Transaction, account: CreditAccount):
    return (select(func.max(CreditEntry.created_at)).where(CreditEntry.tenant_id == tx.tenant_id,
                                                           CreditEntry.kind == "grant").scalar_subquery())


async def ledger(tx: Transaction, *, first: int | None, after: str | None) -> Page[CreditEntry]:
    """Ledger entries, newest first."""
    query = select(CreditEntry).where(CreditEntry.tenant_id == tx.tenant_id)
    return await paginate(tx.session, query, order=[CreditEntry.seq], first=first, after=after, descending=True)


async def calls(tx: Transaction, *, first: int | None, after: str | None) -> Page[AiCall]:
    """Audited calls, newest first."""
    query = select(AiCall).where(AiCall.tenant_id == tx.tenant_id)
    return await paginate(tx.session, query, order=[AiCall.started_at, AiCall.id], first=first, after=after,
                          descending=True)
