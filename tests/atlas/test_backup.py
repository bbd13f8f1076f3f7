"""`atlas backup` / `atlas restore` round-trip a real database: what was there at the backup comes back,
what came after is gone (kept in the previous database), and a bad archive or a busy database changes
nothing."""

import asyncio
import uuid
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from atlas.backup import BackupError, backup, restore
from atlas.db import Database
from atlas.dbadmin import connect, create_database, ensure_extensions, with_database, with_user
from atlas.embedded import recorded_addresses
from atlas.migrate import run_migrations
from domain.tenants.service import provision_tenant
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def scratch(live_settings):
    """A migrated database of its own in the test server, and settings whose backup role is the superuser."""
    addresses = recorded_addresses(live_settings.data_dir.resolve())
    owner = addresses.database_url.rsplit("@", 1)[0].split("//", 1)[1].split(":")[0]
    name = f"backup_{uuid.uuid4().hex[:8]}"
    asyncio.run(create_database(addresses.superuser_url, database=name, owner=owner))
    asyncio.run(ensure_extensions(with_database(addresses.superuser_url, name)))
    settings = replace(live_settings, database_url=with_database(addresses.database_url, name), database_app_url=None,
                       backup_database_url=with_database(addresses.superuser_url, name))
    run_migrations(settings)
    yield settings
    asyncio.run(_drop_all_like(addresses.superuser_url, name))


async def _drop_all_like(superuser_url, name):
    conn = await connect(with_database(superuser_url, "postgres"))
    try:
        for (database,) in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", f"{name}%"):
            await conn.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
    finally:
        await conn.close()


async def _add_tenant(settings, slug):
    db = Database(with_user(settings.database_url, settings.db_app_role))
    try:
        async with db.transaction(tenant_id=None) as tx:
            return await provision_tenant(tx, name=slug, slug=slug, admin_email=f"owner@{slug}.example.com",
                                   admin_password=TEST_PASSWORD, plan="free")
    finally:
        await db.dispose()


async def _slugs(url):
    conn = await connect(url)
    try:
        return sorted(row["slug"] for row in await conn.fetch("SELECT slug FROM tenants"))
    finally:
        await conn.close()


async def test_a_restore_brings_back_the_database_as_it_was_at_the_backup(scratch, tmp_path):
    await _add_tenant(scratch, "before-backup")
    archive = await asyncio.to_thread(backup, scratch, tmp_path / "atlas.dump")
    await _add_tenant(scratch, "after-backup")

    restored = await asyncio.to_thread(restore, scratch, archive)

    assert await _slugs(scratch.backup_database_url) == ["before-backup"]
    kept = with_database(scratch.backup_database_url, restored.previous)
    assert await _slugs(kept) == ["after-backup", "before-backup"]
    assert archive.stat().st_mode & 0o777 == 0o600


async def test_the_restored_database_serves_the_app_role_under_row_level_security(scratch, tmp_path):
    tenant = await _add_tenant(scratch, "kept-tenant")
    archive = await asyncio.to_thread(backup, scratch, tmp_path / "atlas.dump")

    await asyncio.to_thread(restore, scratch, archive)

    db = Database(with_user(scratch.database_url, scratch.db_app_role))
    try:
        async with db.transaction(tenant_id=None) as tx:
            unbound = await tx.session.scalar(text("SELECT count(*) FROM memberships"))
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            bound = await tx.session.scalar(text("SELECT count(*) FROM memberships"))
    finally:
        await db.dispose()
    assert unbound == 0  # forced row-level security came back with the tables: no tenant, no rows
    assert bound > 0


async def test_a_file_that_is_not_an_archive_is_refused_and_nothing_changes(scratch, tmp_path):
    await _add_tenant(scratch, "untouched")
    bogus = tmp_path / "notes.dump"
    bogus.write_text("this is not a backup")

    with pytest.raises(BackupError, match="pg_restore failed"):
        await asyncio.to_thread(restore, scratch, bogus)

    assert await _slugs(scratch.backup_database_url) == ["untouched"]


async def test_a_restore_while_the_app_is_connected_is_refused_and_leaves_no_half_loaded_database(scratch, tmp_path):
    await _add_tenant(scratch, "in-use")
    archive = await asyncio.to_thread(backup, scratch, tmp_path / "atlas.dump")
    busy = await connect(scratch.database_url)
    try:
        with pytest.raises(BackupError, match="connection\\(s\\) still use"):
            await asyncio.to_thread(restore, scratch, archive)
    finally:
        await busy.close()

    name = urlsplit(scratch.database_url).path.lstrip("/")
    conn = await connect(with_database(scratch.backup_database_url, "postgres"))
    try:
        left = [r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1",
                                                        f"{name}%")]
    finally:
        await conn.close()
    assert left == [name]
