"""Row-level security statements for tenant-scoped tables (alembic does not emit policies)."""

from __future__ import annotations

import re

POLICY_NAME = "tenant_isolation"
# Wrapped in a scalar subquery so PostgreSQL evaluates it once per statement (an InitPlan), not
# once per row: the difference shows on bulk inserts and long scans.
CURRENT_TENANT = "(SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)"
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


CURRENT_CREDENTIAL = "(SELECT NULLIF(current_setting('app.credential_id', true), '')::uuid)"


def credential_rls_sql(table: str) -> list[str]:
    """Like :func:`tenant_rls_sql`, but one row is also visible by id before a tenant is known.

    For credentials presented without a tenant (API keys, refresh tokens, invitations): the
    caller binds ``app.credential_id`` to the id in the presented credential, sees that one row,
    verifies its secret hash and only then binds the row's tenant. Writes still need the tenant.
    """
    statements = tenant_rls_sql(table)
    statements[-1] = (
        f"CREATE POLICY {POLICY_NAME} ON {table} "
        f"USING (tenant_id = {CURRENT_TENANT} OR id = {CURRENT_CREDENTIAL}) "
        f"WITH CHECK (tenant_id = {CURRENT_TENANT})"
    )
    return statements


CURRENT_RELAY = "(SELECT coalesce(current_setting('app.outbox_relay', true), '') = 'on')"


def outbox_rls_sql(table: str) -> list[str]:
    """Like :func:`tenant_rls_sql` for the job outbox, with two additions.

    Rows without a tenant (jobs requested outside any tenant) belong to unbound transactions, and
    the outbox relay, which binds ``app.outbox_relay`` to ``on``, sees and settles every tenant's
    rows (it only moves job descriptions to the queue; the jobs themselves bind their tenant).
    """
    statements = tenant_rls_sql(table)
    check = f"(tenant_id IS NOT DISTINCT FROM {CURRENT_TENANT} OR {CURRENT_RELAY})"
    statements[-1] = f"CREATE POLICY {POLICY_NAME} ON {table} USING {check} WITH CHECK {check}"
    return statements


CURRENT_USER = "(SELECT NULLIF(current_setting('app.user_id', true), '')::uuid)"
CURRENT_PRUNE = "(SELECT coalesce(current_setting('app.retention_prune', true), '') = 'on')"


def owner_rls_sql(table: str) -> list[str]:
    """Like :func:`tenant_rls_sql` for user-private rows (copilot conversations): a row is visible only in
    its tenant AND to its owner (``app.user_id``); the retention job, which binds ``app.retention_prune``
    to ``on``, also sees the tenant's other users' rows (to delete expired ones). Writes need the owner."""
    statements = tenant_rls_sql(table)
    tenant = f"tenant_id = {CURRENT_TENANT}"
    statements[-1] = (
        f"CREATE POLICY {POLICY_NAME} ON {table} "
        f"USING ({tenant} AND (user_id = {CURRENT_USER} OR {CURRENT_PRUNE})) "
        f"WITH CHECK ({tenant} AND user_id = {CURRENT_USER})"
    )
    return statements
