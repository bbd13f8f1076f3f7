"""Configuration, read once from the environment.

Every setting AtlasAI reads is declared here, once: its variable, default, bounds and meaning. The
README's configuration reference is generated from these declarations (`atlas config-reference`;
a test fails when it is stale). A secret may also be given as a file: ``<VAR>_FILE`` names a file
whose content is the value (Docker and Kubernetes secrets). Secrets are never logged:
``Settings.__repr__`` hides them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "production")
SECRETS_PROVIDERS = ("local", "aws")
BILLING_PROVIDERS = ("local", "razorpay")
LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("text", "json")
PLANES = ("all", "cp", "tp")


class SettingsError(ValueError):
    """A setting has a value AtlasAI cannot use."""


def setting(env: str, default: Any, meaning: str, *, low: int | None = None, high: int | None = None,
            choices: tuple[str, ...] = (), secret: bool = False, shown_default: str | None = None) -> Any:
    """Declare one setting: the variable it is read from, its default, bounds and meaning."""
    meta = {"env": env, "meaning": meaning, "low": low, "high": high, "choices": choices, "secret": secret,
            "shown_default": shown_default}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """The process configuration. Build it with :func:`load_settings`."""

    env: str = setting("ATLAS_ENV", "development", "`development` or `production` (no GraphiQL, no introspection)",
                       choices=ENVIRONMENTS)
    data_dir: Path = setting("ATLAS_DATA_DIR", Path(".atlas"),  # noqa: RUF009 (a frozen Path is a safe default)
                             "data directory of the embedded servers and local keys")
    host: str = setting("ATLAS_HOST", "127.0.0.1", "interface the web app listens on")
    port: int = setting("ATLAS_PORT", 8000, "port the web app listens on", low=1, high=65535)
    tls_cert_file: str | None = setting("ATLAS_TLS_CERT_FILE", None, "serve HTTPS with this certificate chain "
                                        "(PEM) when no proxy terminates TLS")
    tls_key_file: str | None = setting("ATLAS_TLS_KEY_FILE", None, "the private key of `ATLAS_TLS_CERT_FILE`")
    database_url: str | None = setting(
        "DATABASE_URL", None, "PostgreSQL >= 15 with pgvector, as the **owner** role (runs migrations)",
        secret=True, shown_default="embedded")
    database_app_url: str | None = setting(
        "DATABASE_APP_URL", None, "what web and workers connect as (never the owner); enough on its own for them",
        secret=True, shown_default="`DATABASE_URL` with the app role")
    backup_database_url: str | None = setting(
        "ATLAS_BACKUP_DATABASE_URL", None, "what `atlas backup` / `atlas restore` connect as: a role that reads every "
        "tenant's rows (superuser or BYPASSRLS) and may CREATEDB", secret=True, shown_default="embedded superuser")
    db_app_role: str = setting("ATLAS_DB_APP_ROLE", "atlas_app", "the app role: LOGIN, NOT superuser, NOT BYPASSRLS")
    db_app_password: str | None = setting("ATLAS_DB_APP_PASSWORD", None,
                                          "the app role's password (set on migrate when given)", secret=True)
    db_pool_size: int = setting("ATLAS_DB_POOL_SIZE", 10, "database connections per process", low=1, high=500)
    tenant_db_pools: int = setting("ATLAS_TENANT_DB_POOLS", 20, "pools open at once to tenants' own databases "
                                   "(each keeps at most one idle connection; the least recently used closes first)",
                                   low=1, high=10_000)
    tenant_db_idle_seconds: int = setting("ATLAS_TENANT_DB_IDLE_SECONDS", 60, "a tenant database's pool unused "
                                          "this long is closed", low=1, high=86_400)
    db_sslmode: str = setting("ATLAS_DB_SSLMODE", "", "TLS to PostgreSQL: `disable`, `require`, `verify-ca` or "
                              "`verify-full` (empty: as the URL says)",
                              choices=("", "disable", "require", "verify-ca", "verify-full"))
    db_sslrootcert: str | None = setting("ATLAS_DB_SSLROOTCERT", None,
                                         "CA bundle that signed the database's certificate")
    db_sslcert: str | None = setting("ATLAS_DB_SSLCERT", None, "client certificate for mutual TLS to PostgreSQL")
    db_sslkey: str | None = setting("ATLAS_DB_SSLKEY", None, "client key for mutual TLS to PostgreSQL (a file path)")
    redis_url: str | None = setting("REDIS_URL", None, "Redis or Valkey for jobs, pub/sub and counters "
                                    "(`rediss://` for TLS)", secret=True, shown_default="embedded")
    redis_ca_file: str | None = setting("ATLAS_REDIS_CA_FILE", None, "CA bundle that signed Redis's certificate")
    redis_cert_file: str | None = setting("ATLAS_REDIS_CERT_FILE", None, "client certificate for mutual TLS to Redis")
    redis_key_file: str | None = setting("ATLAS_REDIS_KEY_FILE", None, "client key for mutual TLS to Redis")
    demo_password: str | None = setting("ATLAS_DEMO_PASSWORD", None, "password of `admin@demo.local`", secret=True,
                                        shown_default="generated")
    public_url: str | None = setting("ATLAS_PUBLIC_URL", None,
                                     "the public base URL (links in notifications; default token issuer)")
    audit_retention_days: int = setting("ATLAS_AUDIT_RETENTION_DAYS", 365,
                                        "audit events older than this are pruned nightly", low=1, high=36500)
    copilot_retention_days: int = setting("ATLAS_COPILOT_RETENTION_DAYS", 90, "copilot conversations untouched "
                                          "for this long are pruned nightly", low=1, high=36500)
    log_level: str = setting("ATLAS_LOG_LEVEL", "info", "log level of `serve` and `worker`", choices=LOG_LEVELS)
    log_format: str = setting("ATLAS_LOG_FORMAT", "text", "`json`: one JSON object per line with request id, "
                              "tenant, user, operation and duration", choices=LOG_FORMATS)
    metrics: bool = setting("ATLAS_METRICS", True, "`false`: no `/metrics`, no request ids or access log lines "
                            "(the request middleware is left out)")
    metrics_token: str | None = setting("ATLAS_METRICS_TOKEN", None, "when set, `/metrics` needs "
                                        "`Authorization: Bearer <token>`", secret=True, shown_default="open")
    worker_drain_seconds: int = setting("ATLAS_WORKER_DRAIN_SECONDS", 20, "on SIGTERM a worker takes no new jobs and "
                                        "lets running ones finish this long; the rest go back to the queue",
                                        low=0, high=3600)
    worker_metrics_port: int = setting("ATLAS_WORKER_METRICS_PORT", 0, "port on `ATLAS_HOST` where `atlas worker` "
                                       "serves its Prometheus metrics (job durations); 0: off", low=0, high=65535)
    otlp_endpoint: str | None = setting("ATLAS_OTLP_ENDPOINT", None, "OTLP/HTTP endpoint for traces of our own "
                                        "requests and jobs (e.g. `http://collector:4318`)", shown_default="off")
    plane: str = setting("ATLAS_PLANE", "all", "which plane this process serves: `all` (control and tenant plane in "
                         "one deployment), `cp` (control plane) or `tp` (a tenant plane); `--plane` overrides it",
                         choices=PLANES)
    plane_name: str | None = setting("ATLAS_PLANE_NAME", None, "this tenant plane's name in the control plane's "
                                     "registry: the audience of its tokens; it serves only the tenants it hosts",
                                     shown_default="none (hosts every tenant)")
    plane_credential: str | None = setting("ATLAS_PLANE_CREDENTIAL", None, "this tenant plane's own credential "
                                           "(`atp_...`, shown once by `registerTenantPlane`): heartbeats",
                                           secret=True)
    control_plane_url: str | None = setting("ATLAS_CONTROL_PLANE_URL", None, "the control plane's base URL: a "
                                            "tenant plane fetches its JWKS (tokens, deliveries) and heartbeats there",
                                            shown_default="none (own keys)")
    jwks_cache_seconds: int = setting("ATLAS_JWKS_CACHE_SECONDS", 300, "how long a tenant plane trusts the control "
                                      "plane's JWKS before fetching it again (kept while the CP is down)",
                                      low=5, high=86400)
    region_hint_header: str = setting("ATLAS_REGION_HINT_HEADER", "x-atlas-region", "request header (set by the "
                                      "load balancer) naming the caller's nearest region: picks among a region's "
                                      "tenant planes at sign-in")
    signin_code_ttl: int = setting("ATLAS_SIGNIN_CODE_TTL", 60, "how long the one-time code of a console sign-in "
                                   "handed from the control plane to the home tenant plane is valid, seconds",
                                   low=5, high=600)
    region: str = setting("ATLAS_REGION", "local", "this tenant plane's region (the `region` claim)")
    token_issuer: str = setting("ATLAS_TOKEN_ISSUER", "atlasai", "`iss` of access tokens",
                                shown_default="`ATLAS_PUBLIC_URL`, else `atlasai`")
    token_audience: str = setting("ATLAS_TOKEN_AUDIENCE", "atlasai", "`aud` of access tokens")
    access_token_ttl: int = setting("ATLAS_ACCESS_TOKEN_TTL", 900, "access token lifetime, seconds", low=30, high=86400)
    refresh_token_ttl: int = setting("ATLAS_REFRESH_TOKEN_TTL", 30 * 86400, "refresh token lifetime, seconds",
                                     low=300, high=400 * 86400)
    session_ttl: int = setting("ATLAS_SESSION_TTL", 12 * 3600, "console session lifetime, seconds",
                               low=300, high=30 * 86400)
    secrets_provider: str = setting("ATLAS_SECRETS_PROVIDER", "local", "`local` (0600 files in `<data dir>/secrets`) "
                                    "or `aws` (Secrets Manager via boto3)", choices=SECRETS_PROVIDERS)
    secrets_prefix: str = setting("ATLAS_SECRETS_PREFIX", "atlasai/", "name prefix of secrets in Secrets Manager")
    login_max_failures: int = setting("ATLAS_LOGIN_MAX_FAILURES", 5, "failed sign-ins per email and client "
                                      "address before a lockout", low=1, high=1000)
    ai_timeout_seconds: int = setting("ATLAS_AI_TIMEOUT_SECONDS", 30, "how long one model call may take before the "
                                      "gateway tries the next model", low=1, high=600)
    ai_retries: int = setting("ATLAS_AI_RETRIES", 1, "retries of a throttled or failing model before falling back",
                              low=0, high=5)
    ai_cooldown_seconds: int = setting("ATLAS_AI_COOLDOWN_SECONDS", 30, "a model that failed three times in a row is "
                                       "skipped this long", low=0, high=3600)
    ai_bedrock_region: str | None = setting("ATLAS_AI_BEDROCK_REGION", None, "AWS region of Bedrock models",
                                            shown_default="the AWS default")
    billing_provider: str = setting("ATLAS_BILLING_PROVIDER", "local", "`local` (plans granted at once, for "
                                    "development) or `razorpay`", choices=BILLING_PROVIDERS)
    billing_grace_days: int = setting("ATLAS_BILLING_GRACE_DAYS", 7, "a halted subscription keeps its plan this many "
                                      "days", low=0, high=90)
    razorpay_key_id: str | None = setting("RAZORPAY_KEY_ID", None, "Razorpay API key id (needed with `razorpay`)")
    razorpay_key_secret: str | None = setting("RAZORPAY_KEY_SECRET", None, "its secret", secret=True)
    razorpay_webhook_secret: str | None = setting(
        "RAZORPAY_WEBHOOK_SECRET", None, "signs Razorpay's webhooks", secret=True,
        shown_default="the secrets provider's `razorpay-webhook-secret`")
    razorpay_webhook_secret_previous: str | None = setting(
        "RAZORPAY_WEBHOOK_SECRET_PREVIOUS", None, "the one before, still accepted during a rotation", secret=True)
    razorpay_plan_ids: str = setting("RAZORPAY_PLAN_IDS", "", "our plans' Razorpay plan ids: "
                                     "`pro=plan_X,enterprise=plan_Y`")
    razorpay_base_url: str = setting("RAZORPAY_BASE_URL", "https://api.razorpay.com", "Razorpay's API (a proxy or "
                                     "a test double elsewhere)")
    smtp_host: str = setting("ATLAS_SMTP_HOST", "127.0.0.1", "SMTP server that sends email pages")
    smtp_port: int = setting("ATLAS_SMTP_PORT", 25, "its port", low=1, high=65535)
    smtp_from: str = setting("ATLAS_SMTP_FROM", "atlasai@localhost", "the From address of email pages")
    smtp_username: str | None = setting("ATLAS_SMTP_USERNAME", None, "SMTP login, if the server wants one")
    smtp_password: str | None = setting("ATLAS_SMTP_PASSWORD", None, "its password", secret=True)
    smtp_tls: bool = setting("ATLAS_SMTP_TLS", False, "`true`: STARTTLS to the SMTP server")
    paging_burst: int = setting("ATLAS_PAGING_BURST", 5, "pages per person in a window before the rest are held "
                                "for one digest", low=1, high=1000)
    paging_window: int = setting("ATLAS_PAGING_WINDOW", 300, "that window, seconds", low=10, high=86400)
    page_link_ttl: int = setting("ATLAS_PAGE_LINK_TTL", 24 * 3600, "how long acknowledge/resolve links in pages "
                                 "work, seconds", low=60, high=30 * 86400)
    twilio_account_sid: str | None = setting("ATLAS_TWILIO_ACCOUNT_SID", None, "Twilio account for SMS and voice pages")
    twilio_auth_token: str | None = setting("ATLAS_TWILIO_AUTH_TOKEN", None, "its auth token", secret=True)
    twilio_from: str | None = setting("ATLAS_TWILIO_FROM", None, "the number SMS and calls come from")
    twilio_api_base: str | None = setting("ATLAS_TWILIO_API_BASE", None, "another Twilio API base URL (a regional "
                                          "edge, or a test double)")
    login_lockout_seconds: int = setting("ATLAS_LOGIN_LOCKOUT_SECONDS", 900, "how long a sign-in lockout lasts",
                                         low=1, high=86400)
    agent_lease_seconds: int = setting("ATLAS_AGENT_LEASE_SECONDS", 30, "how long an edge agent holds an automation "
                                       "step without a heartbeat before it is retried or failed", low=2, high=3600)
    ai_verify_settle_seconds: int = setting("ATLAS_AI_VERIFY_SETTLE_SECONDS", 300, "how long after a remediation run "
                                            "finishes the AI pipeline waits before verifying it", low=0, high=86400)
    ai_verify_hold_minutes: int = setting("ATLAS_AI_VERIFY_HOLD_MINUTES", 5, "how long the signals that fired must "
                                          "have stayed back to normal for a remediation to count as verified",
                                          low=1, high=1440)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def serves_control_plane(self) -> bool:
        return self.plane in ("all", "cp")

    @property
    def serves_tenant_plane(self) -> bool:
        return self.plane in ("all", "tp")

    @property
    def hosts_only_own_tenants(self) -> bool:
        """A named tenant plane apart from the control plane: it serves only the tenants it hosts."""
        return self.plane == "tp" and bool(self.plane_name)

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None and self.database_app_url is None

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
            if f.metadata.get("secret") and value:
                value = "***"
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"


def _raw(environ: dict[str, str], name: str, *, secret: bool) -> str | None:
    """The variable's text, or for a secret the content of the file ``<name>_FILE`` names."""
    raw = environ.get(name)
    path = environ.get(f"{name}_FILE") if secret else None
    if raw not in (None, "") and path:
        raise SettingsError(f"set {name} or {name}_FILE, not both")
    if path:
        try:
            return Path(path).read_text().strip() or None
        except OSError as exc:
            raise SettingsError(f"{name}_FILE names a file that cannot be read: {exc.strerror}") from None
    return raw if raw not in (None, "") else None


def _parse(f: Any, raw: str) -> Any:
    """Convert one variable's text to the setting's type, within its bounds."""
    meta, name = f.metadata, f.metadata["env"]
    if isinstance(f.default, bool):
        value = raw.strip().lower()
        if value not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise SettingsError(f"{name} must be true or false, got {raw!r}")
        return value in ("1", "true", "yes", "on")
    if isinstance(f.default, int):
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
        low, high = meta["low"], meta["high"]
        if (low is not None and value < low) or (high is not None and value > high):
            raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
        return value
    if isinstance(f.default, Path):
        return Path(raw)
    if meta["choices"]:
        value = raw.strip().lower()
        if value not in meta["choices"]:
            allowed = ", ".join(c for c in meta["choices"] if c)
            raise SettingsError(f"{name} must be one of {allowed}, got {raw!r}")
        return value
    return raw


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment) and validate them."""
    env = dict(os.environ if environ is None else environ)
    values = {}
    for f in fields(Settings):
        raw = _raw(env, f.metadata["env"], secret=f.metadata["secret"])
        if raw is not None:
            values[f.name] = _parse(f, raw)
    if "token_issuer" not in values and "public_url" in values:
        values["token_issuer"] = values["public_url"]
    settings = Settings(**values)
    if settings.billing_provider == "razorpay" and not (settings.razorpay_key_id and settings.razorpay_key_secret):
        raise SettingsError("ATLAS_BILLING_PROVIDER=razorpay needs RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET")
    if settings.plane == "tp" and settings.plane_name and not settings.control_plane_url:
        raise SettingsError("ATLAS_PLANE=tp with ATLAS_PLANE_NAME needs ATLAS_CONTROL_PLANE_URL (its JWKS)")
    razorpay_plan_ids(settings)
    return settings


def razorpay_plan_ids(settings: Settings) -> dict[str, str]:
    """``pro=plan_X,enterprise=plan_Y`` -> {"pro": "plan_X", "enterprise": "plan_Y"}."""
    pairs = {}
    for item in settings.razorpay_plan_ids.split(","):
        if not item.strip():
            continue
        plan, sep, plan_id = item.partition("=")
        if not sep or not plan.strip() or not plan_id.strip():
            raise SettingsError(f"RAZORPAY_PLAN_IDS must look like 'pro=plan_X,enterprise=plan_Y', got {item!r}")
        pairs[plan.strip()] = plan_id.strip()
    return pairs


def configuration_reference() -> str:
    """The README's configuration table, generated from the declarations above."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in fields(Settings):
        meta = f.metadata
        shown = str(f.default).lower() if isinstance(f.default, bool) else f.default
        default = meta["shown_default"] or (f"`{shown}`" if f.default not in (None, "") else "none")
        name = f"`{meta['env']}`" + (" 🔒" if meta["secret"] else "")
        rows.append(f"| {name} | {default} | {meta['meaning']} |")
    return "\n".join(rows) + "\n"
