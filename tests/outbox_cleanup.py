"""Deleting a test's pending outbox rows of one job, so a later test's burst worker (whose outbox sweep relays
every pending row) does not run them."""

from sqlalchemy import text


async def delete_pending_jobs(settings, function: str) -> None:
    """Delete every pending outbox row of ``function``, as the database owner (it sees every tenant's rows)."""
    from atlas.db import Database

    owner = Database(settings.database_url, pool_size=1)
    try:
        async with owner.transaction(tenant_id=None) as tx:
            await tx.session.execute(text("DELETE FROM job_outbox WHERE function = :f"), {"f": function})
    finally:
        await owner.dispose()
