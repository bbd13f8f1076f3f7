"""Deleting pending outbox rows earlier tests left, so a later test's burst worker (whose outbox sweep relays
every pending row, and which runs until no job is queued or deferred) does not run them."""

from sqlalchemy import text


async def delete_pending_jobs(settings, function: str | None = None) -> None:
    """Delete every pending outbox row (of ``function`` only, when given), as the database owner (it sees every
    tenant's rows)."""
    from atlas.db import Database

    owner = Database(settings.database_url, pool_size=1)
    try:
        async with owner.transaction(tenant_id=None) as tx:
            if function is None:
                await tx.session.execute(text("DELETE FROM job_outbox"))
            else:
                await tx.session.execute(text("DELETE FROM job_outbox WHERE function = :f"), {"f": function})
    finally:
        await owner.dispose()
