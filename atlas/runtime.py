"""The long-lived resources of a web or worker process, opened at start-up and closed at exit."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import httpx
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from redis.asyncio import ConnectionPool

from atlas.ai import build_gateway
from atlas.control_plane import ControlPlane
from atlas.db import Database
from atlas.health import Readiness, check_readiness
from atlas.keys import KeyRing
from atlas.pubsub import PubSubHub, RedisEventSink
from atlas.relay import OutboxRelay
from atlas.sealing import Sealer
from atlas.secrets import SecretsProvider, secrets_provider
from atlas.settings import Settings, razorpay_plan_ids
from atlas.tls import redis_tls
from domain.ai.gateway import Gateway
from domain.auth.service import TokenService
from domain.auth.throttle import LoginThrottle
from domain.auth.tokens import TokenPolicy
from domain.billing.plans import DEFAULT_PLAN, PLANS
from domain.billing.providers import BillingConfig, LocalProvider
from domain.billing.razorpay import RazorpayProvider
from domain.changes.links import register_change_provider
from domain.incidents.feed import IncidentFeed
from domain.outages import REDIS_DOWN
from domain.uow import QUEUE_NAME
from workers.queue import AtlasRedis

KEY_RETENTION_MARGIN = 300
log = logging.getLogger("atlas.runtime")


def redis_settings(url: str, tls: dict | None = None) -> RedisSettings:
    """arq's connection settings for ``url`` (with ``tls`` options from atlas.tls), retrying briefly at start-up."""
    settings = RedisSettings.from_dsn(url)
    for name, value in (tls or {}).items():
        setattr(settings, name, value)
    settings.conn_retries = 3
    settings.conn_retry_delay = 0.5
    return settings


async def open_redis(url: str, tls: dict | None = None) -> ArqRedis:
    """A Redis client for ``url`` (enqueueing a job is one round trip). Redis down at start-up is logged, not
    fatal: the client connects once it answers."""
    try:
        return AtlasRedis.adopt(await create_pool(redis_settings(url, tls), default_queue_name=QUEUE_NAME))
    except (*REDIS_DOWN, OSError) as exc:
        log.warning("Redis is unavailable (%s); starting anyway, /readyz reports it until it answers", exc)
        pool = ConnectionPool.from_url(url, socket_connect_timeout=1, **(tls or {}))
        return AtlasRedis(pool, default_queue_name=QUEUE_NAME)


def token_policy(settings: Settings) -> TokenPolicy:
    return TokenPolicy(issuer=settings.token_issuer, audience=settings.token_audience,
                       access_ttl=settings.access_token_ttl, region=settings.region,
                       plane=settings.plane_name if settings.hosts_only_own_tenants else None)


def control_plane_of(settings: Settings) -> ControlPlane | None:
    """A tenant plane deployed apart reaches the control plane (its JWKS, heartbeats, sign-in codes)."""
    if settings.plane != "tp" or not settings.control_plane_url:
        return None
    return ControlPlane(settings.control_plane_url, cache_seconds=settings.jwks_cache_seconds,
                        credential=settings.plane_credential)


def open_key_ring(settings: Settings) -> KeyRing:
    """The signing keys from the configured secrets provider (created on first use)."""
    ring = KeyRing(secrets_provider(settings),
                   keep_retired_for=settings.access_token_ttl + KEY_RETENTION_MARGIN)
    ring.ensure()
    return ring


WEBHOOK_SECRET_NAME = "razorpay-webhook-secret"


def billing_config(settings: Settings) -> BillingConfig:
    """The billing provider and its settings; the webhook secret falls back to the secrets provider."""
    plan_ids = razorpay_plan_ids(settings)
    if settings.billing_provider == "razorpay":
        provider = RazorpayProvider(key_id=settings.razorpay_key_id, key_secret=settings.razorpay_key_secret,
                                    base_url=settings.razorpay_base_url)
    else:
        provider = LocalProvider()
        plan_ids = plan_ids or {name: f"plan_local_{name}" for name in PLANS if name != DEFAULT_PLAN}
    current = settings.razorpay_webhook_secret or secrets_provider(settings).get(WEBHOOK_SECRET_NAME)
    secrets = tuple(s for s in (current, settings.razorpay_webhook_secret_previous) if s)
    return BillingConfig(provider=provider, grace_days=settings.billing_grace_days, plan_ids=plan_ids,
                         webhook_secrets=secrets)


@dataclass
class Runtime:
    """Settings, the database, Redis, the job queue and outbox relay, and the token machinery of one process."""

    settings: Settings
    db: Database
    redis: ArqRedis
    relay: OutboxRelay
    keys: KeyRing
    tokens: TokenService
    hub: PubSubHub
    incident_feed: IncidentFeed
    sealer: Sealer
    ai: Gateway
    secrets: SecretsProvider
    billing: BillingConfig
    control_plane: ControlPlane | None = None
    # The network plane-to-plane calls go through (None: the real one; tests reach in-process apps).
    http_transport: httpx.AsyncBaseTransport | None = None

    @classmethod
    async def open(cls, settings: Settings) -> Runtime:
        """Connect to the database and Redis named by ``settings`` and load the signing keys."""
        db = Database.from_settings(settings)
        redis = await open_redis(settings.redis_url, redis_tls(settings))
        control_plane = control_plane_of(settings)
        keys = await asyncio.to_thread(open_key_ring, settings)
        secrets = secrets_provider(settings)
        sealer = await asyncio.to_thread(Sealer.from_provider, secrets)
        throttle = LoginThrottle(redis, settings.login_max_failures, settings.login_lockout_seconds)
        tokens = TokenService(db=db, keys=keys, policy=token_policy(settings), throttle=throttle,
                              refresh_ttl=settings.refresh_token_ttl)
        db.event_sink = RedisEventSink(redis)
        relay = OutboxRelay(db, redis)
        db.job_sink = relay
        hub = PubSubHub(redis)
        register_change_provider()  # correlation notes and links recent changes on an incident's CIs
        billing = await asyncio.to_thread(billing_config, settings)
        runtime = cls(settings=settings, db=db, redis=redis, relay=relay, keys=keys,
                      tokens=tokens, hub=hub, incident_feed=IncidentFeed(hub, db), sealer=sealer,
                      ai=build_gateway(settings, db), secrets=secrets, billing=billing, control_plane=control_plane)
        if control_plane is not None:  # tokens and deliveries are the control plane's: verify with its keys
            runtime.keys = control_plane
            await control_plane.fetch_keys()
        return runtime

    def use_network(self, transport: httpx.AsyncBaseTransport | None) -> None:
        """Send plane-to-plane calls through ``transport`` (tests: in-process apps)."""
        self.http_transport = transport
        if self.control_plane is not None:
            self.control_plane.transport = transport

    @property
    def policy(self) -> TokenPolicy:
        return self.tokens.policy

    async def readiness(self) -> Readiness:
        return await check_readiness(self.db, self.redis)

    async def close(self) -> None:
        await self.relay.close()
        await self.incident_feed.close()
        await self.hub.close()
        await self.redis.aclose()
        await self.db.dispose()
