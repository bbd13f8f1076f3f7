"""Alembic environment: async engine on asyncpg, connected as the owner role."""

from __future__ import annotations

import asyncio
import logging.config

from sqlalchemy.ext.asyncio import create_async_engine

from alembic import context
from atlas.db import sqlalchemy_url
from atlas.embedded import read_addresses
from atlas.settings import load_settings
from atlas.tls import postgres_connect_args
from domain.models import Base
from domain.telemetry.partitions import include_in_autogenerate

config = context.config
if config.config_file_name and not config.attributes.get("skip_logging_config"):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def _owner_url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return url
    settings = load_settings()
    if settings.database_url:
        return settings.database_url
    attached = read_addresses(settings.data_dir.resolve())
    if attached is None or attached.database_url is None:
        raise SystemExit("alembic: set DATABASE_URL, or start `atlas up` for this data dir first")
    return attached.database_url


def _app_role() -> str:
    return config.attributes.get("app_role") or load_settings().db_app_role


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        transaction_per_migration=True,
        include_name=include_in_autogenerate,
    )
    context.config.attributes["app_role"] = _app_role()
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_async_engine(sqlalchemy_url(_owner_url()), connect_args=postgres_connect_args(load_settings()))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")
asyncio.run(run_online())
