"""Every tenant-scoped table has ENABLE + FORCE row-level security and a policy in the database."""

from sqlalchemy import text

from domain.models import Base

TENANT_TABLES = sorted(t.name for t in Base.metadata.sorted_tables if "tenant_id" in t.columns)


def test_the_tenant_tables_are_found():
    assert {"audit_events", "memberships"} <= set(TENANT_TABLES)


async def test_every_tenant_table_has_forced_rls_with_using_and_with_check(db):
    async with db.transaction(tenant_id=None) as tx:
        rows = (await tx.session.execute(text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "  bool_and(p.qual IS NOT NULL AND p.with_check IS NOT NULL) AS guarded "
            "FROM pg_class c LEFT JOIN pg_policies p ON p.tablename = c.relname "
            "WHERE c.relname = ANY(:names) AND c.relkind IN ('r', 'p') "
            "GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity"
        ), {"names": TENANT_TABLES})).all()

    state = {name: (enabled, forced, bool(guarded)) for name, enabled, forced, guarded in rows}
    missing = [t for t in TENANT_TABLES if state.get(t) != (True, True, True)]
    assert not missing, f"tables without forced RLS and a USING/WITH CHECK policy: {missing}"
