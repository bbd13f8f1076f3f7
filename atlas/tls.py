"""TLS to PostgreSQL and Redis from settings: server verification and client certificates (mTLS)."""

from __future__ import annotations

import ssl
from typing import Any

from atlas.settings import Settings, SettingsError


def postgres_ssl(settings: Settings) -> ssl.SSLContext | bool | None:
    """What asyncpg's ``ssl`` argument should be: None leaves it to the URL (``?sslmode=``)."""
    mode = settings.db_sslmode
    if not mode:
        return None
    if mode == "disable":
        return False
    context = ssl.create_default_context(cafile=settings.db_sslrootcert)
    if mode in ("require", "verify-ca"):
        context.check_hostname = False
    if mode == "require" and not settings.db_sslrootcert:
        context.verify_mode = ssl.CERT_NONE
    if settings.db_sslcert:
        _load_client_certificate(context, settings.db_sslcert, settings.db_sslkey, "ATLAS_DB_SSLCERT")
    return context


def postgres_connect_args(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for asyncpg.connect (and SQLAlchemy's ``connect_args``)."""
    chosen = postgres_ssl(settings)
    return {} if chosen is None else {"ssl": chosen}


def redis_tls(settings: Settings) -> dict[str, Any]:
    """redis-py / arq TLS options; certificate files only matter on a ``rediss://`` URL."""
    if not (settings.redis_url or "").startswith("rediss://"):
        if settings.redis_ca_file or settings.redis_cert_file:
            raise SettingsError("ATLAS_REDIS_CA_FILE and ATLAS_REDIS_CERT_FILE need a rediss:// REDIS_URL")
        return {}
    return {"ssl_ca_certs": settings.redis_ca_file, "ssl_certfile": settings.redis_cert_file,
            "ssl_keyfile": settings.redis_key_file, "ssl_cert_reqs": "required"}


def _load_client_certificate(context: ssl.SSLContext, cert: str, key: str | None, name: str) -> None:
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise SettingsError(f"{name}: the client certificate or key cannot be loaded ({exc})") from None
