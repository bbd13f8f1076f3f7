"""What a running process offers its adapters: the one protocol GraphQL, REST, console and jobs use.

The composition root (atlas/runtime.py) builds the one implementation at start-up; adapters type
against :class:`Runtime` so none of them reaches into it. It says exactly what they may use: the
unit of work, the token machinery, the incident feed, secret sealing, Redis (rate limits, sessions,
throttles) and the few settings adapters read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from domain.alerting.delivery import Sealer
    from domain.auth.service import TokenService
    from domain.auth.tokens import KeySource, TokenPolicy
    from domain.incidents.feed import IncidentFeed
    from domain.uow import UnitOfWork


@dataclass(frozen=True)
class Readiness:
    """The state of each dependency; ``failing`` names those that did not answer."""

    database: str
    redis: str
    worker: str
    checked_at: float

    @property
    def failing(self) -> list[str]:
        return [name for name in ("database", "redis") if getattr(self, name) != "ok"]

    @property
    def ready(self) -> bool:
        return not self.failing


class AdapterSettings(Protocol):
    """The settings adapters read (all settings live in atlas/settings.py)."""

    is_production: bool
    public_url: str | None
    session_ttl: int
    audit_retention_days: int
    agent_lease_seconds: int


class SecretReader(Protocol):
    """Reads secrets by name from the configured provider (local key file or AWS Secrets Manager)."""

    def get(self, name: str) -> str | None: ...


class Listener(Protocol):
    """Pub/sub fan-out of this process: one Redis subscription per channel, shared by local listeners."""

    def listen(self, channel: str) -> AsyncIterator[dict]: ...


class Runtime(Protocol):
    """The long-lived services of one web or worker process."""

    settings: AdapterSettings
    db: UnitOfWork
    redis: Redis
    keys: KeySource
    tokens: TokenService
    incident_feed: IncidentFeed
    sealer: Sealer
    secrets: SecretReader
    hub: Listener

    @property
    def policy(self) -> TokenPolicy: ...

    async def readiness(self) -> Readiness: ...
