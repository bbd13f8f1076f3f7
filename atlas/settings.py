"""Configuration, read once from the environment.

Every setting AtlasAI reads lives here; the README's configuration table mirrors this module.
Secrets are never logged: ``Settings.__repr__`` hides them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

ENVIRONMENTS = ("development", "production")
SECRETS_PROVIDERS = ("local", "aws")
BILLING_PROVIDERS = ("local", "razorpay")
_SECRET_FIELDS = {"database_url", "database_app_url", "redis_url", "demo_password", "db_app_password",
                  "razorpay_key_secret", "razorpay_webhook_secret", "razorpay_webhook_secret_previous"}


class SettingsError(ValueError):
    """A setting has a value AtlasAI cannot use."""


@dataclass(frozen=True)
class Settings:
    """The process configuration. Build it with :func:`load_settings`."""

    env: str = "development"
    data_dir: Path = Path(".atlas")
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str | None = None
    database_app_url: str | None = None
    db_app_role: str = "atlas_app"
    db_app_password: str | None = None
    db_pool_size: int = 10
    redis_url: str | None = None
    demo_password: str | None = None
    public_url: str | None = None
    audit_retention_days: int = 365
    log_level: str = "info"
    region: str = "local"
    token_issuer: str = "atlasai"
    token_audience: str = "atlasai"
    access_token_ttl: int = 900
    refresh_token_ttl: int = 30 * 86400
    session_ttl: int = 12 * 3600
    secrets_provider: str = "local"
    secrets_prefix: str = "atlasai/"
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    billing_provider: str = "local"
    billing_grace_days: int = 7
    razorpay_key_id: str | None = None
    razorpay_key_secret: str | None = None
    razorpay_webhook_secret: str | None = None
    razorpay_webhook_secret_previous: str | None = None
    razorpay_plan_ids: tuple[tuple[str, str], ...] = ()
    razorpay_base_url: str = "https://api.razorpay.com"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def uses_embedded_redis(self) -> bool:
        return self.redis_url is None

    def with_services(self, *, database_url: str, redis_url: str) -> Settings:
        """Return a copy pointing at concrete servers (embedded ones once started)."""
        return replace(self, database_url=database_url, redis_url=redis_url)

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRET_FIELDS and value:
                value = "***"
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"


def _int(environ: dict[str, str], name: str, default: int, *, low: int = 0, high: int = 2**31) -> int:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _plan_ids(raw: str | None) -> tuple[tuple[str, str], ...]:
    """``pro=plan_X,enterprise=plan_Y`` -> (("pro", "plan_X"), ("enterprise", "plan_Y"))."""
    pairs = []
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        plan, sep, plan_id = item.partition("=")
        if not sep or not plan.strip() or not plan_id.strip():
            raise SettingsError(f"RAZORPAY_PLAN_IDS must look like 'pro=plan_X,enterprise=plan_Y', got {item!r}")
        pairs.append((plan.strip(), plan_id.strip()))
    return tuple(pairs)


def _billing_provider(env: dict[str, str]) -> str:
    provider = (env.get("ATLAS_BILLING_PROVIDER") or "local").lower()
    if provider not in BILLING_PROVIDERS:
        raise SettingsError(f"ATLAS_BILLING_PROVIDER must be one of {', '.join(BILLING_PROVIDERS)}, got {provider!r}")
    if provider == "razorpay" and not (env.get("RAZORPAY_KEY_ID") and env.get("RAZORPAY_KEY_SECRET")):
        raise SettingsError("ATLAS_BILLING_PROVIDER=razorpay needs RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET")
    return provider


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment) and validate them."""
    env = dict(os.environ if environ is None else environ)
    mode = env.get("ATLAS_ENV", "development").strip().lower()
    if mode not in ENVIRONMENTS:
        raise SettingsError(f"ATLAS_ENV must be one of {', '.join(ENVIRONMENTS)}, got {mode!r}")
    provider = (env.get("ATLAS_SECRETS_PROVIDER") or "local").lower()
    if provider not in SECRETS_PROVIDERS:
        raise SettingsError(f"ATLAS_SECRETS_PROVIDER must be one of {', '.join(SECRETS_PROVIDERS)}, got {provider!r}")
    return Settings(
        env=mode,
        data_dir=Path(env.get("ATLAS_DATA_DIR") or ".atlas"),
        host=env.get("ATLAS_HOST") or "127.0.0.1",
        port=_int(env, "ATLAS_PORT", 8000, low=1, high=65535),
        database_url=env.get("DATABASE_URL") or None,
        database_app_url=env.get("DATABASE_APP_URL") or None,
        db_app_role=env.get("ATLAS_DB_APP_ROLE") or "atlas_app",
        db_app_password=env.get("ATLAS_DB_APP_PASSWORD") or None,
        db_pool_size=_int(env, "ATLAS_DB_POOL_SIZE", 10, low=1, high=500),
        redis_url=env.get("REDIS_URL") or None,
        demo_password=env.get("ATLAS_DEMO_PASSWORD") or None,
        public_url=env.get("ATLAS_PUBLIC_URL") or None,
        audit_retention_days=_int(env, "ATLAS_AUDIT_RETENTION_DAYS", 365, low=1, high=36500),
        log_level=(env.get("ATLAS_LOG_LEVEL") or "info").lower(),
        region=env.get("ATLAS_REGION") or "local",
        token_issuer=env.get("ATLAS_TOKEN_ISSUER") or env.get("ATLAS_PUBLIC_URL") or "atlasai",
        token_audience=env.get("ATLAS_TOKEN_AUDIENCE") or "atlasai",
        access_token_ttl=_int(env, "ATLAS_ACCESS_TOKEN_TTL", 900, low=30, high=86400),
        refresh_token_ttl=_int(env, "ATLAS_REFRESH_TOKEN_TTL", 30 * 86400, low=300, high=400 * 86400),
        session_ttl=_int(env, "ATLAS_SESSION_TTL", 12 * 3600, low=300, high=30 * 86400),
        secrets_provider=provider,
        secrets_prefix=env.get("ATLAS_SECRETS_PREFIX") or "atlasai/",
        login_max_failures=_int(env, "ATLAS_LOGIN_MAX_FAILURES", 5, low=1, high=1000),
        login_lockout_seconds=_int(env, "ATLAS_LOGIN_LOCKOUT_SECONDS", 900, low=1, high=86400),
        billing_provider=_billing_provider(env),
        billing_grace_days=_int(env, "ATLAS_BILLING_GRACE_DAYS", 7, low=0, high=90),
        razorpay_key_id=env.get("RAZORPAY_KEY_ID") or None,
        razorpay_key_secret=env.get("RAZORPAY_KEY_SECRET") or None,
        razorpay_webhook_secret=env.get("RAZORPAY_WEBHOOK_SECRET") or None,
        razorpay_webhook_secret_previous=env.get("RAZORPAY_WEBHOOK_SECRET_PREVIOUS") or None,
        razorpay_plan_ids=_plan_ids(env.get("RAZORPAY_PLAN_IDS")),
        razorpay_base_url=env.get("RAZORPAY_BASE_URL") or "https://api.razorpay.com",
    )
