"""Daily partitions are created ahead with forced RLS, dropped past retention; short plans purge."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy.exc
from sqlalchemy import select, text

from domain.telemetry.envelope import parse_envelope
from domain.telemetry.ingest import store_batch
from domain.telemetry.models import Event
from domain.telemetry.partitions import drop_partitions_before, ensure_partitions
from workers.jobs.telemetry import maintain_partitions

TODAY = datetime.now(UTC).date()


async def _partition_state(db, name):
    async with db.transaction(tenant_id=None) as tx:
        return (await tx.session.execute(text(
            "SELECT c.relrowsecurity, c.relforcerowsecurity, count(p.policyname) FROM pg_class c "
            "LEFT JOIN pg_policies p ON p.tablename = c.relname WHERE c.relname = :n "
            "GROUP BY c.relrowsecurity, c.relforcerowsecurity"), {"n": name})).one_or_none()


async def test_new_partitions_get_forced_row_level_security(db):
    day = TODAY + timedelta(days=40)
    async with db.transaction(tenant_id=None) as tx:
        made = await ensure_partitions(tx.session, first=day, last=day)
        again = await ensure_partitions(tx.session, first=day, last=day)

    assert (made, again) == (4, 0)
    for table in ("events", "log_records", "metric_points", "spans"):
        assert await _partition_state(db, f"{table}_p{day:%Y%m%d}") == (True, True, 1)


async def test_partitions_past_every_retention_are_dropped(db):
    old = TODAY - timedelta(days=450)
    async with db.transaction(tenant_id=None) as tx:
        await ensure_partitions(tx.session, first=old, last=old)
        dropped = await drop_partitions_before(tx.session, cutoff=TODAY - timedelta(days=400))

    assert dropped == 4
    assert await _partition_state(db, f"events_p{old:%Y%m%d}") is None


async def test_the_app_role_cannot_create_tables_itself(db):
    with pytest.raises(sqlalchemy.exc.ProgrammingError, match="permission denied"):
        async with db.transaction(tenant_id=None) as tx:
            await tx.session.execute(text("CREATE TABLE sneaky (id int)"))


async def test_tenants_on_short_plans_lose_rows_past_their_retention(db, runtime, make_tenant):
    free, enterprise = await make_tenant(plan="free"), await make_tenant(plan="enterprise")
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    for tenant in (free, enterprise):
        batch = parse_envelope({"events": [{"source": "s", "title": "old", "time": ten_days_ago.isoformat()},
                                           {"source": "s", "title": "new"}]})
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await store_batch(tx, batch, now=datetime.now(UTC), retention_days=30)

    outcome = await maintain_partitions({"runtime": runtime})

    async def titles(tenant):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            return sorted(await tx.session.scalars(select(Event.title)))

    assert outcome["purged"] >= 1
    assert await titles(free) == ["new"]
    assert await titles(enterprise) == ["new", "old"]
    async with db.transaction(tenant_id=None) as tx:
        ahead = await tx.session.scalar(text("SELECT count(*) FROM pg_class WHERE relname = :n"),
                                        {"n": f"spans_p{TODAY + timedelta(days=3):%Y%m%d}"})
    assert ahead == 1
