"""GraphQL types for service health."""

import strawberry


@strawberry.type(description="The state of AtlasAI and the servers it depends on.")
class Health:
    status: str = strawberry.field(description="`ok` when every dependency answers, else `degraded`.")
    version: str
    database: str = strawberry.field(description="`ok` or the error met when pinging PostgreSQL.")
    redis: str = strawberry.field(description="`ok` or the error met when pinging Redis.")
    worker: str = strawberry.field(description="`ok` when an arq worker checked in recently.")
