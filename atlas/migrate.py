"""Run alembic migrations as the owner role, after making sure the app role exists."""

from __future__ import annotations

import asyncio

from alembic.config import Config

from alembic import command
from atlas.dbadmin import ensure_app_role_external
from atlas.paths import ALEMBIC_INI
from atlas.settings import Settings, SettingsError
from atlas.tls import postgres_connect_args


def alembic_config(database_url: str, *, app_role: str) -> Config:
    """Alembic configuration bound to ``database_url`` (the owner role)."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = database_url
    config.attributes["app_role"] = app_role
    config.attributes["skip_logging_config"] = True
    return config


def run_migrations(settings: Settings, *, revision: str = "head") -> None:
    """Bring the database named by ``settings`` to ``revision`` (idempotent)."""
    if not settings.database_url:
        raise SettingsError("migrations run as the owner: set DATABASE_URL (DATABASE_APP_URL is the app role)")
    asyncio.run(ensure_app_role_external(
        settings.database_url, app_role=settings.db_app_role, app_password=settings.db_app_password,
        connect_args=postgres_connect_args(settings),
    ))
    command.upgrade(alembic_config(settings.database_url, app_role=settings.db_app_role), revision)

