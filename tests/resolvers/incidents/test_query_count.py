"""No N+1: the statements run for an incident page do not grow with the page size."""

import contextlib

from sqlalchemy import event

from domain.incidents.service import NewIncident, create_incident
from tests.conftest import auth_headers, gql

PAGE = """query($n: Int!) { incidents(first: $n) { edges { node {
  id number reference title description status severity priority source version createdAt updatedAt
  services assignee { email displayName } latestTimelineEntry { kind occurredAt } } } } }"""


@contextlib.contextmanager
def counting(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_an_incident_page_runs_the_same_statements_for_10_or_50_rows(client, db, runtime, make_tenant, sign_in):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        for n in range(60):
            await create_incident(tx, new=NewIncident(title=f"incident {n}", severity="SEV3", services=["api"],
                                                      assignee_id=tenant.admin_user_id), actor="t")
    headers = auth_headers(await sign_in(tenant))

    counts = {}
    for size in (10, 50):
        with counting(runtime.db.engine) as statements:
            body = await gql(client, PAGE, {"n": size}, headers)
        assert len(body["data"]["incidents"]["edges"]) == size
        assert all(e["node"]["assignee"]["email"] for e in body["data"]["incidents"]["edges"])
        counts[size] = len(statements)

    assert counts[10] == counts[50], counts
    assert counts[50] <= 10, counts
