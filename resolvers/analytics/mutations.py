from __future__ import annotations

from datetime import datetime

import strawberry

from domain.analytics.figures import analytics
from domain.analytics.summary import executive_summary
from resolvers.analytics.queries import period_of
from resolvers.analytics.types import AnalyticsSummary, OpsAnalytics
from resolvers.errors import payload_union, run_mutation

AnalyticsSummaryPayload = payload_union("AnalyticsSummaryPayload", AnalyticsSummary)


async def summarize_analytics(info: strawberry.Info, since: datetime | None = None,
                              until: datetime | None = None) -> AnalyticsSummaryPayload:
    """An Executive summary of the period's figures, written by the AI gateway (spends credits)."""
    context, actor = info.context, info.context.actor

    async def work() -> AnalyticsSummary:
        async with context.transaction() as tx:
            figures = await analytics(tx, period=period_of(since, until, "week"), permissions=actor.permissions,
                                      features=actor.features)
        summary = await executive_summary(gateway=context.runtime.ai, tenant_id=context.tenant_id, actor=actor.actor,
                                          figures=figures)
        return AnalyticsSummary(text=summary.text, grounded=summary.grounded, citations=summary.cited,
                                model_key=summary.model_key, credits=summary.credits,
                                analytics=OpsAnalytics.from_domain(figures))

    return await run_mutation(work)
