"""Row-level security statements for tenant-scoped tables (alembic does not emit policies)."""

from __future__ import annotations

import re

POLICY_NAME = "tenant_isolation"
CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
_TABLE = re.compile(r"^[a-z_][a-z0-9_]*$")


def tenant_rls_sql(table: str) -> list[str]:
    """Statements that give ``table`` ENABLE + FORCE row-level security on ``app.tenant_id``.

    ``current_setting(..., true)`` and ``NULLIF`` make an unset or cleared tenant match no row
    instead of raising.
    """
    if not _TABLE.match(table):
        raise ValueError(f"not a plain table name: {table!r}")
    check = f"tenant_id = {CURRENT_TENANT}"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY_NAME} ON {table} USING ({check}) WITH CHECK ({check})",
    ]


def drop_tenant_rls_sql(table: str) -> list[str]:
    """The reverse of :func:`tenant_rls_sql`, for downgrades."""
    return [
        f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]
