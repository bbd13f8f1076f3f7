"""`atlas backup` and `atlas restore`: pg_dump's custom format of the whole database, and a restore
that loads an archive into a fresh database and swaps it in only once the load has succeeded.

Forced row-level security binds the tables' owner too, so both run as a role that sees every
tenant's rows: ATLAS_BACKUP_DATABASE_URL (a superuser or BYPASSRLS role with CREATEDB), or the
embedded server's superuser. pg_dump and pg_restore come from the embedded PostgreSQL's own
install (PostgreSQL 18, which dumps servers back to 9.2), else from PATH.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from atlas.dbadmin import DatabaseSetupError, connect, identifier, plain_dsn, with_database
from atlas.embedded import recorded_addresses
from atlas.settings import Settings

ARCHIVE_MARKER = "TABLE DATA public alembic_version"


class BackupError(DatabaseSetupError):
    """A backup or restore cannot be done; nothing was changed."""


@dataclass(frozen=True)
class Restored:
    database: str
    previous: str  # the database as it was before the restore, kept under this name


def pg_tool(name: str) -> str:
    """The path of ``pg_dump`` / ``pg_restore``: the embedded install's, else the one on PATH."""
    try:
        import pgserver

        bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (install the PostgreSQL client tools)")
    return found


def backup_url(settings: Settings) -> str:
    """The URL backups and restores connect with (see the module docstring)."""
    if settings.backup_database_url:
        return settings.backup_database_url
    addresses = recorded_addresses(settings.data_dir.expanduser().resolve())
    embedded = addresses is not None and addresses.superuser_url and addresses.database_url
    if embedded and settings.database_url in (None, addresses.database_url) and not settings.database_app_url:
        return with_database(addresses.superuser_url, _database_name(addresses.database_url))
    raise BackupError("set ATLAS_BACKUP_DATABASE_URL to a role that can read every tenant's rows "
                      "(superuser or BYPASSRLS), or start `atlas up` for the embedded database")


def default_archive(settings: Settings) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return settings.data_dir.expanduser().resolve() / "backups" / f"atlas-{stamp}.dump"


def backup(settings: Settings, archive: Path) -> Path:
    """Write the whole database to ``archive`` (custom format, mode 0600); return its path."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")
    _run([pg_tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={plain_dsn(backup_url(settings))}"])
    partial.chmod(0o600)
    os.replace(partial, archive)
    return archive


def check_archive(archive: Path) -> None:
    """Refuse a file that is not a readable AtlasAI archive (before anything is touched)."""
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist")
    listing = _run([pg_tool("pg_restore"), "--list", str(archive)])
    if ARCHIVE_MARKER not in listing:
        raise BackupError(f"{archive} is a PostgreSQL archive but not of an AtlasAI database")


def restore(settings: Settings, archive: Path) -> Restored:
    """Load ``archive`` into a new database, then swap it in; the old one is kept under another name."""
    check_archive(archive)
    url = backup_url(settings)
    name = _database_name(url)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    loading, previous = f"{name}_restoring_{stamp}", f"{name}_before_restore_{stamp}"
    asyncio.run(_create_like(url, name=name, new=loading))
    try:
        _run([pg_tool("pg_restore"), "--single-transaction", "--exit-on-error",
              f"--dbname={plain_dsn(with_database(url, loading))}", str(archive)])
    except BackupError:
        asyncio.run(_drop(url, loading))
        raise
    asyncio.run(_swap(url, name=name, loading=loading, previous=previous))
    return Restored(database=name, previous=previous)


def _database_name(url: str | None) -> str:
    name = urlsplit(url or "").path.lstrip("/")
    if not name:
        raise BackupError("the database URL names no database")
    return name


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tool = Path(command[0]).name
        lines = done.stderr.strip().splitlines() or ["no output"]
        raise BackupError(f"{tool} failed: {lines[-1]}")
    return done.stdout


async def _admin(url: str):
    return await connect(with_database(url, "postgres"))


async def _create_like(url: str, *, name: str, new: str) -> None:
    conn = await _admin(url)
    try:
        owner = await conn.fetchval("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", name)
        if owner is None:
            raise BackupError(f"database {name} does not exist")
        await conn.execute(f"CREATE DATABASE {identifier(new)} OWNER {identifier(owner)} TEMPLATE template0")
    finally:
        await conn.close()


async def _drop(url: str, database: str) -> None:
    conn = await _admin(url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {identifier(database)}")
    finally:
        await conn.close()


async def _swap(url: str, *, name: str, loading: str, previous: str) -> None:
    conn = await _admin(url)
    try:
        busy = await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name)
        if busy:
            await _drop_quietly(conn, loading)
            raise BackupError(f"{busy} connection(s) still use {name}: stop web and workers, then restore again")
        await conn.execute(f"ALTER DATABASE {identifier(name)} RENAME TO {identifier(previous)}")
        await conn.execute(f"ALTER DATABASE {identifier(loading)} RENAME TO {identifier(name)}")
    finally:
        await conn.close()


async def _drop_quietly(conn, database: str) -> None:
    await conn.execute(f"DROP DATABASE IF EXISTS {identifier(database)}")
