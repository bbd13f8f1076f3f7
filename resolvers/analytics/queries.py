from __future__ import annotations

from datetime import UTC, datetime, timedelta

import strawberry

from domain.analytics.figures import Period, analytics
from resolvers.analytics.types import OpsAnalytics

DEFAULT_DAYS = 30


def period_of(since: datetime | None, until: datetime | None, bucket: str) -> Period:
    """The asked period: the last 30 days unless given."""
    until = until or datetime.now(UTC)
    return Period(since=since or until - timedelta(days=DEFAULT_DAYS), until=until, bucket=bucket)


async def resolve_ops_analytics(info: strawberry.Info, since: datetime | None = None, until: datetime | None = None,
                                bucket: str = "day") -> OpsAnalytics:
    """MTTA, MTTR, incident volume, SLA compliance, change success, alert noise and AI usage of a period."""
    actor = info.context.actor
    async with info.context.transaction() as tx:
        found = await analytics(tx, period=period_of(since, until, bucket), permissions=actor.permissions,
                                features=actor.features)
    return OpsAnalytics.from_domain(found)
