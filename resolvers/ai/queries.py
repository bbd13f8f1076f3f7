from __future__ import annotations

import strawberry

from domain.ai import governance
from domain.ai import queries as usage_queries
from resolvers.ai.types import AiCall, AiModel, AiModelChange, AiPolicy, AiUsage, CreditEntry
from resolvers.pagination import Connection, connection


async def resolve_ai_models(info: strawberry.Info) -> list[AiModel]:
    """The platform registry (tenants choose among the approved models)."""
    async with info.context.transaction() as tx:
        return [AiModel.from_model(m) for m in await governance.list_models(tx)]


async def resolve_ai_model_changes(info: strawberry.Info, key: str | None = None) -> list[AiModelChange]:
    """The registry's audit, newest first (platform operators)."""
    async with info.context.platform_transaction() as tx:
        return [AiModelChange.from_model(c) for c in await governance.model_changes(tx, key=key)]


async def resolve_platform_ai_models(info: strawberry.Info) -> list[AiModel]:
    """The registry, for platform operators."""
    async with info.context.platform_transaction() as tx:
        return [AiModel.from_model(m) for m in await governance.list_models(tx)]


async def resolve_ai_policy(info: strawberry.Info) -> AiPolicy:
    """The tenant's AI policy."""
    async with info.context.transaction() as tx:
        return AiPolicy.from_model(await governance.get_policy(tx))


async def resolve_ai_usage(info: strawberry.Info) -> AiUsage:
    """The tenant's credit balance."""
    async with info.context.transaction() as tx:
        u = await usage_queries.usage(tx)
    return AiUsage(balance=u.balance, period_key=u.period_key, ledger_sum=u.ledger_sum,
                   spent_this_period=u.spent_this_period)


async def resolve_ai_ledger(info: strawberry.Info, first: int | None = 50,
                            after: str | None = None) -> Connection[CreditEntry]:
    """The credit ledger, newest first."""
    async with info.context.transaction() as tx:
        page = await usage_queries.ledger(tx, first=first, after=after)
    return connection(page, CreditEntry.from_model)


async def resolve_ai_calls(info: strawberry.Info, first: int | None = 50,
                           after: str | None = None) -> Connection[AiCall]:
    """Audited gateway calls, newest first."""
    async with info.context.transaction() as tx:
        page = await usage_queries.calls(tx, first=first, after=after)
    return connection(page, AiCall.from_model)
