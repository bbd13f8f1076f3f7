"""Daily time partitions of the telemetry tables: names, and the calls that create and drop them.

Partitions are created and dropped by SECURITY DEFINER functions owned by the migration role
(``atlas_ensure_partitions``, ``atlas_drop_partitions_before``, defined in the telemetry
migration), so the application role needs no DDL rights. Each partition gets the same forced
row-level security as its parent.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

PARTITION_NAME = re.compile(r"^(events|log_records|metric_points|spans)_p\d{8}$")


def is_partition_name(name: str) -> bool:
    """True for a daily partition such as ``log_records_p20261126``."""
    return bool(PARTITION_NAME.match(name))


def include_in_autogenerate(name, type_, parent_names) -> bool:
    """Alembic ``include_name`` hook: partitions are made at run time, not by migrations."""
    return not (type_ == "table" and is_partition_name(name))


async def ensure_partitions(session: AsyncSession, *, first: date, last: date) -> int:
    """Create the missing daily partitions from ``first`` to ``last`` (UTC days); return how many."""
    return await session.scalar(text("SELECT atlas_ensure_partitions(:first, :last)"), {"first": first, "last": last})


async def drop_partitions_before(session: AsyncSession, *, cutoff: date) -> int:
    """Drop daily partitions that end on or before ``cutoff``; return how many."""
    return await session.scalar(text("SELECT atlas_drop_partitions_before(:cutoff)"), {"cutoff": cutoff})
