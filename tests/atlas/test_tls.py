"""TLS to PostgreSQL and Redis, against real servers that insist on it: the settings verify the server's
certificate and present ours (mutual TLS); a wrong authority or a missing client certificate is refused."""

import shutil
import ssl

import pytest
from sqlalchemy import text

from atlas.db import Database
from atlas.runtime import open_redis
from atlas.settings import SettingsError, load_settings
from atlas.tls import postgres_connect_args, redis_tls
from tests.atlas.tls_servers import PG_USER, make_authority, start_postgres, start_redis, stop


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return make_authority(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def stranger(tmp_path_factory):
    return make_authority(tmp_path_factory.mktemp("other-ca"), name="Someone else's CA")


@pytest.fixture(scope="module")
def postgres(authority):
    process, port, base = start_postgres(authority)
    yield f"postgresql://{PG_USER}@localhost:{port}/postgres"
    stop(process)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory, authority):
    process, port = start_redis(tmp_path_factory.mktemp("redis"), authority)
    yield port
    stop(process)


def _pg_settings(url, authority, **overrides):
    environ = {"DATABASE_APP_URL": url, "ATLAS_DB_SSLMODE": "verify-full",
               "ATLAS_DB_SSLROOTCERT": authority.path("ca.crt"), "ATLAS_DB_SSLCERT": authority.path("client.crt"),
               "ATLAS_DB_SSLKEY": authority.path("client.key")}
    return load_settings({**environ, **overrides})


async def _encrypted(settings) -> bool:
    database = Database.from_settings(settings)
    try:
        async with database.engine.connect() as conn:
            return await conn.scalar(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
    finally:
        await database.dispose()


async def test_the_app_connects_to_postgresql_over_verified_mutual_tls(postgres, authority):
    assert await _encrypted(_pg_settings(postgres, authority)) is True


async def test_a_database_certificate_from_another_authority_is_refused(postgres, authority, stranger):
    settings = _pg_settings(postgres, authority, ATLAS_DB_SSLROOTCERT=stranger.path("ca.crt"))

    with pytest.raises(ssl.SSLCertVerificationError):
        await _encrypted(settings)


async def test_without_a_client_certificate_the_database_refuses_the_connection(postgres, authority):
    settings = load_settings({"DATABASE_APP_URL": postgres, "ATLAS_DB_SSLMODE": "verify-full",
                              "ATLAS_DB_SSLROOTCERT": authority.path("ca.crt")})

    with pytest.raises(Exception, match="certificate"):
        await _encrypted(settings)


def test_an_unreadable_client_key_is_a_settings_error_naming_the_setting(authority):
    settings = _pg_settings("postgresql://x@localhost/db", authority, ATLAS_DB_SSLKEY="/nowhere/client.key")

    with pytest.raises(SettingsError, match="ATLAS_DB_SSLCERT: the client certificate or key cannot be loaded"):
        postgres_connect_args(settings)


async def test_redis_over_verified_mutual_tls_answers(redis_port, authority):
    settings = load_settings({"REDIS_URL": f"rediss://localhost:{redis_port}/0",
                              "ATLAS_REDIS_CA_FILE": authority.path("ca.crt"),
                              "ATLAS_REDIS_CERT_FILE": authority.path("client.crt"),
                              "ATLAS_REDIS_KEY_FILE": authority.path("client.key")})

    redis = await open_redis(settings.redis_url, redis_tls(settings))
    try:
        assert await redis.ping() is True
    finally:
        await redis.aclose()


async def test_redis_refuses_a_client_without_a_certificate(redis_port, authority):
    settings = load_settings({"REDIS_URL": f"rediss://localhost:{redis_port}/0",
                              "ATLAS_REDIS_CA_FILE": authority.path("ca.crt")})

    redis = await open_redis(settings.redis_url, redis_tls(settings))
    try:
        with pytest.raises(Exception):  # noqa: B017 (redis-py raises ConnectionError or its TLS cause)
            await redis.ping()
    finally:
        await redis.aclose()


def test_certificate_files_without_a_tls_redis_url_are_refused(authority):
    settings = load_settings({"REDIS_URL": "redis://localhost:6379/0", "ATLAS_REDIS_CA_FILE": authority.path("ca.crt")})

    with pytest.raises(SettingsError, match="need a rediss:// REDIS_URL"):
        redis_tls(settings)
