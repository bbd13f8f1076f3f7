"""Problems group incidents under a root cause, hold the known error and workaround, link the fixing
change, and once resolved are found again as knowledge."""

import pytest

from domain.errors import Conflict, ValidationFailed
from domain.incidents.service import NewIncident, create_incident
from domain.problems.service import create_problem, known_errors, link_incident, update_problem
from tests.domain.changes.helpers import raise_change, shop


async def test_a_problem_becomes_a_known_error_then_resolved_knowledge(db, make_tenant):
    tenant, ids = await shop(db, make_tenant)
    change = await raise_change(db, tenant, ci_ids=[ids["payments-db"]], title="Raise the connection pool")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title="payments timeouts", severity="SEV2"), actor="t")
        problem = await create_problem(tx, title="Payments time out under load", actor="t")
        await link_incident(tx, problem_id=problem.id, incident_id=incident.id, actor="t")
    with pytest.raises(ValidationFailed, match="needs its workaround"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await update_problem(tx, problem_id=problem.id, state="known_error")

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await update_problem(tx, problem_id=problem.id, workaround="Restart the payments pods",
                             state="known_error")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        resolved = await update_problem(tx, problem_id=problem.id, root_cause="Connection pool of 10 is too small",
                                        fix_change_id=change.id, state="resolved")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        found = await known_errors(tx, search="connection POOL")
        nothing = await known_errors(tx, search="dns")

    assert (resolved.state, resolved.fix_change_id, resolved.reference) == ("resolved", change.id, "PRB-1")
    assert [p.id for p in found] == [problem.id] and nothing == []


async def test_an_incident_is_grouped_once_and_closed_problems_stay_closed(db, make_tenant):
    tenant, _ids = await shop(db, make_tenant)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(title="x", severity="SEV4"), actor="t")
        problem = await create_problem(tx, title="Flaky DNS", actor="t")
        await link_incident(tx, problem_id=problem.id, incident_id=incident.id, actor="t")

    with pytest.raises(Conflict, match="already grouped"):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await link_incident(tx, problem_id=problem.id, incident_id=incident.id, actor="t")
    with pytest.raises(Conflict) as illegal:
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await update_problem(tx, problem_id=problem.id, state="closed")

    assert illegal.value.message == "Cannot move PRB-1 from open to closed; allowed: known_error, resolved."
