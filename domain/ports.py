"""What a running process offers its adapters: the one protocol GraphQL, REST, console and jobs use.

The composition root (atlas/runtime.py) builds the one implementation at start-up; adapters type
against :class:`Runtime` so none of them reaches into it. It says exactly what they may use: the
unit of work, the token machinery, the incident feed, secret sealing, Redis (rate limits, sessions,
throttles) and the few settings adapters read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from domain.alerting.delivery import Sealer
    from domain.auth.service import TokenService
    from domain.auth.tokens import KeySource, TokenPolicy
    from domain.billing.providers import BillingConfig
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


class Runtime(Protocol):
    """The long-lived services of one web or worker process."""

    settings: AdapterSettings
    db: UnitOfWork
    redis: Redis
    keys: KeySource
    tokens: TokenService
    incident_feed: IncidentFeed
    sealer: Sealer
    billing: BillingConfig

    @property
    def policy(self) -> TokenPolicy: ...

    async def readiness(self) -> Readiness: ...
