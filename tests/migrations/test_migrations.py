"""`alembic upgrade head` on an empty database reproduces the models exactly, and downgrades work."""

import asyncio
import uuid
from dataclasses import replace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import command
from atlas.db import sqlalchemy_url
from atlas.dbadmin import create_database, ensure_extensions, with_database
from atlas.embedded import recorded_addresses
from atlas.migrate import alembic_config, run_migrations
from domain.models import Base
from domain.telemetry.partitions import include_in_autogenerate


@pytest.fixture
async def empty_database(live_settings):
    """A new, empty database on the test server, owned by the migration role."""
    recorded = recorded_addresses(live_settings.data_dir.resolve())
    if recorded is None or recorded.superuser_url is None:
        pytest.skip("needs the embedded server's superuser to create a database (DATABASE_URL is set)")
    superuser_url = recorded.superuser_url
    name = f"empty_{uuid.uuid4().hex[:8]}"
    await create_database(superuser_url, database=name, owner="atlas_owner")
    await ensure_extensions(with_database(superuser_url, name))
    return replace(live_settings, database_url=with_database(live_settings.database_url, name))


def _diff(settings):
    async def compare():
        engine = create_async_engine(sqlalchemy_url(settings.database_url))
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"include_name": include_in_autogenerate}), Base.metadata))
        finally:
            await engine.dispose()

    return asyncio.run(compare())


async def test_upgrade_head_on_an_empty_database_matches_the_models(empty_database):
    await asyncio.to_thread(run_migrations, empty_database)

    differences = await asyncio.to_thread(_diff, empty_database)

    assert differences == [], f"models and migrations disagree: {differences}"


async def test_downgrade_to_base_and_upgrade_again(empty_database):
    config = alembic_config(empty_database.database_url, app_role=empty_database.db_app_role)
    await asyncio.to_thread(run_migrations, empty_database)

    await asyncio.to_thread(command.downgrade, config, "base")
    await asyncio.to_thread(command.upgrade, config, "head")

    assert await asyncio.to_thread(_diff, empty_database) == []
