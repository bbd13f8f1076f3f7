"""What a running process offers its adapters: the one protocol GraphQL, REST, console and jobs use.

The composition root (atlas/runtime.py) builds the one implementation at start-up; adapters type
against :class:`Runtime` so none of them reaches into it. It says exactly what they may use: the
unit of work, the token machinery, the incident feed, pub/sub (the change events), secret sealing,
Redis (rate limits, sessions, throttles) and the few settings adapters read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from domain.ai.gateway import Gateway
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


class EventHub(Protocol):
    """Pub/sub for adapters: the messages committed transactions emitted on a channel (one Redis
    subscription per channel in a process, shared by its local listeners)."""

    def listen(self, channel: str) -> AsyncIterator[dict]: ...


class AdapterSettings(Protocol):
    """The settings adapters read (all settings live in atlas/settings.py)."""

    is_production: bool
    public_url: str | None
    session_ttl: int
    audit_retention_days: int
    copilot_retention_days: int
    smtp_host: str  # paging (domain/paging/channels.py)
    smtp_port: int
    smtp_from: str
    smtp_username: str | None
    smtp_password: str | None
    smtp_tls: bool
    paging_burst: int
    paging_window: int
    page_link_ttl: int
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_from: str | None
    twilio_api_base: str | None
    agent_lease_seconds: int
    ai_verify_settle_seconds: int  # the AI pipeline's verification (domain/ai/pipeline/verify.py)
    ai_verify_hold_minutes: int
    plane: str  # which plane this process serves: all, cp or tp
    plane_name: str | None
    token_issuer: str
    region_hint_header: str
    signin_code_ttl: int


class SecretReader(Protocol):
    """Reads secrets by name from the configured provider (local key file or AWS Secrets Manager)."""

    def get(self, name: str) -> str | None: ...


class Runtime(Protocol):
    """The long-lived services of one web or worker process."""

    settings: AdapterSettings
    db: UnitOfWork
    redis: Redis
    keys: KeySource
    tokens: TokenService
    incident_feed: IncidentFeed
    hub: EventHub
    sealer: Sealer
    ai: Gateway  # every model and embedder call goes through it
    secrets: SecretReader
    billing: BillingConfig
    control_plane: Any  # a tenant plane's client of the control plane (atlas/control_plane.py), else None
    http_transport: Any  # the network of plane-to-plane calls (None: the real one)

    @property
    def policy(self) -> TokenPolicy: ...

    async def readiness(self) -> Readiness: ...
