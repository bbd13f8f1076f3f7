"""The audit log through GraphQL: filtered pages, CSV/JSON export behind the audit_export feature."""

import csv
import io
import json

from domain.audit import service as audit
from tests.conftest import auth_headers, gql

EVENTS = """query($f: AuditEventFilter) { auditEvents(filter: $f, first: 10) {
  edges { node { actor action targetType targetId data } } pageInfo { hasNextPage } } }"""
EXPORT = "query($f: AuditEventFilter, $x: AuditExportFormat!) { auditExport(filter: $f, format: $x) { count content } }"


async def _record(db, tenant, *actions):
    for action in actions:  # one transaction each: events of one transaction share their time
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await audit.record(tx, actor="ops@example.com", action=action, target_type="thing", target_id="t-1",
                               data={"why": action})


async def test_audit_events_filter_by_action_prefix_and_actor_newest_first(db, client, make_tenant, sign_in):
    tenant = await make_tenant()
    await _record(db, tenant, "billing.subscribed", "member.invited", "billing.cancelled")
    owner = auth_headers(await sign_in(tenant))

    body = await gql(client, EVENTS, {"f": {"action": "billing.", "actor": "ops@example.com"}}, owner)

    nodes = [e["node"] for e in body["data"]["auditEvents"]["edges"]]
    assert [n["action"] for n in nodes] == ["billing.cancelled", "billing.subscribed"]
    assert nodes[0] == {"actor": "ops@example.com", "action": "billing.cancelled", "targetType": "thing",
                        "targetId": "t-1", "data": {"why": "billing.cancelled"}}


async def test_the_export_gives_csv_and_json_of_the_same_events(db, client, make_tenant, sign_in):
    tenant = await make_tenant()
    await _record(db, tenant, "policy.published", "policy.rolled_back")
    owner = auth_headers(await sign_in(tenant))

    as_csv = (await gql(client, EXPORT, {"f": {"action": "policy."}, "x": "CSV"}, owner))["data"]["auditExport"]
    as_json = (await gql(client, EXPORT, {"f": {"action": "policy."}, "x": "JSON"}, owner))["data"]["auditExport"]

    rows = list(csv.DictReader(io.StringIO(as_csv["content"])))
    assert as_csv["count"] == as_json["count"] == 2
    assert [r["action"] for r in rows] == [r["action"] for r in json.loads(as_json["content"])] == [
        "policy.rolled_back", "policy.published"]
    assert json.loads(rows[0]["data"]) == {"why": "policy.rolled_back"}


async def test_the_export_needs_the_audit_export_feature(client, make_tenant, sign_in):
    tenant = await make_tenant(plan="pro")

    body = await gql(client, EXPORT, {"x": "CSV"}, auth_headers(await sign_in(tenant)))

    assert body["errors"][0]["extensions"]["code"] == "NOT_ENTITLED"
    assert body["errors"][0]["message"] == "Your plan does not include 'audit_export'."


async def test_a_backwards_time_range_is_a_typed_error(client, make_tenant, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))

    body = await gql(client, EVENTS, {"f": {"since": "2026-12-05T10:00:00Z", "until": "2026-12-05T09:00:00Z"}},
                     owner)

    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert body["errors"][0]["message"] == "'since' must be before 'until'."
