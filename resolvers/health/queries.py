"""Health query: public, so load balancers and the console can show it without signing in."""

from importlib.metadata import version

import strawberry

from resolvers.health.types import Health


async def resolve_health(info: strawberry.Info) -> Health:
    """Check the database and Redis now."""
    state = await info.context.runtime.readiness()
    return Health(
        status="ok" if state.ready else "degraded",
        version=version("atlasai"),
        database=state.database,
        redis=state.redis,
        worker=state.worker,
    )
