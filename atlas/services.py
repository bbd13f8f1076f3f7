"""Resolve the PostgreSQL and Redis servers a process uses: external, attached, or started here."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from atlas.embedded import (
    DataDirError,
    EmbeddedServices,
    Progress,
    data_dir_lock,
    ensure_data_dir,
    read_addresses,
)
from atlas.settings import Settings


def _quiet(_: str) -> None:
    """Default progress callback: say nothing."""


@contextlib.contextmanager
def provide_services(settings: Settings, *, progress: Progress = _quiet, redis: bool = True) -> Iterator[Settings]:
    """Yield settings whose DATABASE_URL and REDIS_URL point at live servers.

    External servers (``DATABASE_URL`` / ``REDIS_URL``) are used as they are. Otherwise the
    embedded servers of the data directory are attached to when another process owns them, or
    started (and stopped again on exit) by this process. ``redis=False``: a task that needs only
    the database (migrations, backups) starts no embedded Redis.
    """
    with own_services(settings, progress=progress, redis=redis) as (live, _):
        yield live


@contextlib.contextmanager
def own_services(settings: Settings, *, progress: Progress = _quiet,
                 redis: bool = True) -> Iterator[tuple[Settings, EmbeddedServices | None]]:
    """Like :func:`provide_services`, also yielding the embedded servers this process started (or None),
    for a supervisor to keep them running."""
    need_pg, need_redis = settings.uses_embedded_database, redis and settings.uses_embedded_redis
    if not (need_pg or need_redis):
        yield settings, None
        return
    data_dir = ensure_data_dir(settings.data_dir)
    owned: EmbeddedServices | None = None
    with data_dir_lock(data_dir):
        addresses = read_addresses(data_dir)
        if addresses is not None:
            _check_covers(addresses, need_pg=need_pg, need_redis=need_redis, data_dir=str(data_dir))
            progress(f"Attaching to the embedded servers of {data_dir} (pid {addresses.owner_pid})")
        else:
            owned = EmbeddedServices(data_dir, app_role=settings.db_app_role)
            try:
                addresses = owned.start(postgres=need_pg, redis=need_redis, progress=progress)
            except BaseException:
                owned.stop()
                raise
    try:
        yield settings.with_services(
            database_url=settings.database_url or addresses.database_url,
            redis_url=settings.redis_url or addresses.redis_url,
        ), owned
    finally:
        if owned is not None:
            progress("Stopping embedded servers")
            owned.stop()


def _check_covers(addresses, *, need_pg: bool, need_redis: bool, data_dir: str) -> None:
    missing = [name for name, needed, have in (
        ("PostgreSQL", need_pg, addresses.database_url),
        ("Valkey", need_redis, addresses.redis_url),
    ) if needed and not have]
    if missing:
        raise DataDirError(
            f"the AtlasAI process (pid {addresses.owner_pid}) that owns {data_dir} runs no embedded "
            f"{' or '.join(missing)}; set DATABASE_URL/REDIS_URL the same way or use another data dir"
        )
