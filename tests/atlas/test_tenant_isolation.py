"""Row-level security: the database itself keeps tenants apart, even when a query forgets to."""

import contextlib

import pytest
import sqlalchemy.exc
from sqlalchemy import func, select, text

from atlas.db import Database, app_database_url
from domain.audit import service as audit
from domain.audit.models import AuditEvent


async def test_the_app_connects_as_a_role_that_cannot_bypass_row_level_security(db):
    async with db.transaction(tenant_id=None) as tx:
        role = (await tx.session.execute(text(
            "SELECT r.rolname, r.rolsuper, r.rolbypassrls, "
            "  (SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events') "
            "FROM pg_roles r WHERE r.rolname = current_user"
        ))).one()

    name, superuser, bypass_rls, table_owner = role
    assert not superuser and not bypass_rls
    assert table_owner != name


async def test_without_a_tenant_a_tenant_table_shows_no_rows(db, make_tenant):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await audit.record(tx, actor="test", action="thing.done")

    async with db.transaction(tenant_id=None) as tx:
        visible = await tx.session.scalar(select(func.count()).select_from(AuditEvent))

    assert visible == 0


async def test_a_query_that_forgets_the_tenant_filter_still_sees_only_its_tenant(db, make_tenant):
    a, b = await make_tenant(), await make_tenant()
    for tenant in (a, b):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await audit.record(tx, actor="test", action=f"done.by.{tenant.slug}")

    async with db.transaction(tenant_id=a.tenant_id) as tx:
        tenants_seen = set(await tx.session.scalars(select(AuditEvent.tenant_id)))

    assert tenants_seen == {a.tenant_id}


async def test_a_tenant_cannot_write_rows_into_another_tenant(db, make_tenant):
    a, b = await make_tenant(), await make_tenant()

    with pytest.raises(sqlalchemy.exc.DBAPIError, match="row-level security"):
        async with db.transaction(tenant_id=a.tenant_id) as tx:
            tx.session.add(AuditEvent(tenant_id=b.tenant_id, actor="intruder", action="forged"))

    async with db.transaction(tenant_id=b.tenant_id) as tx:
        forged = await tx.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "forged")
        )
    assert forged == 0


async def test_a_tenant_cannot_change_or_delete_another_tenants_rows(db, make_tenant):
    a, b = await make_tenant(), await make_tenant()
    async with db.transaction(tenant_id=b.tenant_id) as tx:
        await audit.record(tx, actor="test", action="kept")
        before = await _audit_actions(tx)

    async with db.transaction(tenant_id=a.tenant_id) as tx:
        await tx.session.execute(AuditEvent.__table__.delete().where(AuditEvent.tenant_id == b.tenant_id))
        moved = await tx.session.execute(
            text("UPDATE memberships SET roles = ARRAY['viewer'] WHERE tenant_id = :b"), {"b": b.tenant_id}
        )

    async with db.transaction(tenant_id=b.tenant_id) as tx:
        after = await _audit_actions(tx)
    assert moved.rowcount == 0
    assert after == before and "kept" in after


async def _audit_actions(tx):
    return sorted(await tx.session.scalars(select(AuditEvent.action)))


@pytest.mark.parametrize("outcome", ["commit", "rollback"])
async def test_a_pooled_connection_carries_no_tenant_after_the_transaction(live_settings, make_tenant, outcome):
    tenant = await make_tenant()
    single = Database(app_database_url(live_settings), pool_size=1)
    try:
        with pytest.raises(RuntimeError) if outcome == "rollback" else contextlib.nullcontext():
            async with single.transaction(tenant_id=tenant.tenant_id) as tx:
                assert await _current_tenant(tx.session) == str(tenant.tenant_id)
                if outcome == "rollback":
                    raise RuntimeError("fail the transaction")

        async with single.transaction(tenant_id=None) as tx:
            leftover = await _current_tenant(tx.session)
            backend = await tx.session.scalar(text("SELECT pg_backend_pid()"))
        async with single.transaction(tenant_id=None) as tx:
            same_connection = backend == await tx.session.scalar(text("SELECT pg_backend_pid()"))
    finally:
        await single.dispose()

    assert same_connection
    assert leftover in (None, "")


async def test_binding_a_transaction_needs_a_real_tenant_id(db):
    with pytest.raises(TypeError, match="tenant_id must be a UUID"):
        async with db.transaction(tenant_id="not-a-uuid"):
            pass


async def test_after_commit_actions_run_only_when_the_transaction_commits(db, make_tenant):
    tenant = await make_tenant()
    ran: list[str] = []

    async def note(label):
        ran.append(label)

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        tx.after_commit(lambda: note("committed"))
    with pytest.raises(ValueError):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            tx.after_commit(lambda: note("rolled back"))
            raise ValueError("boom")

    assert ran == ["committed"]


async def _current_tenant(session):
    return await session.scalar(text("SELECT current_setting('app.tenant_id', true)"))

