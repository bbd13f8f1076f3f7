"""The long-lived resources of a web or worker process, opened at start-up and closed at exit."""

from __future__ import annotations

from dataclasses import dataclass

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

from atlas.db import Database
from atlas.health import Readiness, check_readiness
from atlas.jobs import QUEUE_NAME, JobQueue
from atlas.settings import Settings


def redis_settings(url: str) -> RedisSettings:
    """arq's connection settings for ``url``, retrying briefly at start-up."""
    settings = RedisSettings.from_dsn(url)
    settings.conn_retries = 3
    settings.conn_retry_delay = 0.5
    return settings


@dataclass
class Runtime:
    """Settings, the database, Redis and the job queue of one process."""

    settings: Settings
    db: Database
    redis: ArqRedis
    jobs: JobQueue

    @classmethod
    async def open(cls, settings: Settings) -> Runtime:
        """Connect to the database and Redis named by ``settings``."""
        db = Database.from_settings(settings)
        redis = await create_pool(redis_settings(settings.redis_url), default_queue_name=QUEUE_NAME)
        return cls(settings=settings, db=db, redis=redis, jobs=JobQueue(redis))

    async def readiness(self) -> Readiness:
        return await check_readiness(self.db, self.redis)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.db.dispose()
